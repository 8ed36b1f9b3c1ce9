import type { Emit } from '@huddle/bus';
import type { EventType } from '@huddle/contracts';
import type { Database, Transaction } from '@huddle/db';
import { describe, expect, it } from 'vitest';
import type { PracticeRepository, StoredPractice, UnitOfWork } from '../../src/app/ports';
import { Practices } from '../../src/app/practices';
import type { Practice } from '../../src/domain/practice';

/** In-memory practices and a unit of work that records emitted events, committed or not. */
function fakes() {
  const rows = new Map<string, StoredPractice>();
  const store: PracticeRepository = {
    upsert: async (_db, practice) => {
      const created = !rows.has(practice.id);
      const stored = { practice, updatedAt: new Date() };
      rows.set(practice.id, stored);
      return { ...stored, created };
    },
    get: async (_db, id) => rows.get(id),
  };
  const events: Array<{ type: EventType; data: unknown }> = [];
  const work: UnitOfWork = {
    transaction: (change) => {
      const emit: Emit = async (type, data) => {
        events.push({ type, data });
        return { id: String(events.length), type, occurredAt: new Date().toISOString(), data };
      };
      return change({} as Transaction, emit);
    },
  };
  return { practices: new Practices({} as Database, work, store), rows, events };
}

describe('Practices', () => {
  it('creates a practice, then updates it, announcing each upsert', async () => {
    const { practices, events } = fakes();
    const first = await practices.upsert({ id: 'p1', name: ' Acme ', plan: 'starter' });
    const second = await practices.upsert({ id: 'p1', name: 'Acme', plan: 'team' });
    expect(first).toMatchObject({ created: true, practice: { id: 'p1', name: 'Acme', plan: 'starter' } });
    expect(second).toMatchObject({ created: false, practice: { plan: 'team' } });
    expect(events).toEqual([
      {
        type: 'sharing-policy.v1.practice.upserted',
        data: { practice: { id: 'p1', name: 'Acme', plan: 'starter' } },
      },
      {
        type: 'sharing-policy.v1.practice.upserted',
        data: { practice: { id: 'p1', name: 'Acme', plan: 'team' } },
      },
    ]);
  });

  it('refuses an invalid practice before changing or announcing anything', async () => {
    const { practices, rows, events } = fakes();
    const upsert = practices.upsert({ id: 'p1', name: 'Acme', plan: 'gold' as Practice['plan'] });
    await expect(upsert).rejects.toMatchObject({
      code: 'validation_failed',
      details: { fields: { plan: expect.any(String) } },
    });
    expect(rows.size).toBe(0);
    expect(events).toEqual([]);
  });

  it('gets a practice, or not_found', async () => {
    const { practices } = fakes();
    await practices.upsert({ id: 'p1', name: 'Acme', plan: 'plus' });
    await expect(practices.get('p1')).resolves.toMatchObject({ practice: { plan: 'plus' } });
    await expect(practices.get('p2')).rejects.toMatchObject({ code: 'not_found' });
  });
});
