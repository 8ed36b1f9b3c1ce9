import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '@huddle/contracts';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase, type NatsServer, startNatsServer } from '@huddle/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  connectBus,
  ensureStream,
  INBOX_RETENTION_MS,
  inbox,
  Outbox,
  outbox,
  pruneInbox,
  startConsumer,
} from '../../src';

const logger = createLogger({ service: 'bus-test', level: 'silent' });
const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

describe('outbox and inbox on real PostgreSQL and NATS', () => {
  let database: FreshDatabase;
  let nats: NatsServer;
  let db: DatabaseHandle;
  let bus: Bus;

  beforeAll(async () => {
    [database, nats] = await Promise.all([freshDatabase('bus'), startNatsServer()]);
    db = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, logger });
    bus = await connectBus({ url: nats.url, name: 'bus-test', logger });
    await ensureStream(bus.jsm, 'participant');
  });

  afterAll(async () => {
    await bus?.drain();
    await db?.close();
    await nats?.stop();
    await database?.drop();
  });

  const person = (id: string) => ({
    person: {
      id,
      practiceId: 'p1',
      kind: 'client' as const,
      firstName: 'A',
      lastName: 'B',
      photoUrl: null,
      tags: [],
      teamRole: null,
      canManageTeamSettings: false,
      clientTagRestriction: null,
      zoomLinked: false,
    },
  });

  it('publishes committed events in order, drops rolled-back ones, and applies each once', async () => {
    const relay = new Outbox(db.db, bus.js, logger);
    relay.start();
    const applied: string[] = [];
    const consumer = await startConsumer(
      bus,
      relay,
      {
        name: 'bus-test-consumer',
        from: 'participant',
        types: ['participant.v1.person.upserted'],
        apply: async (_tx, event: EventEnvelope<'participant.v1.person.upserted'>) => {
          applied.push(event.data.person.id);
        },
      },
      logger,
    );
    try {
      await relay.transaction(async (_tx, emit) => {
        await emit('participant.v1.person.upserted', person('first'));
        await emit('participant.v1.person.upserted', person('second'));
      });
      await expect(
        relay.transaction(async (_tx, emit) => {
          await emit('participant.v1.person.upserted', person('rolled-back'));
          throw new Error('change failed');
        }),
      ).rejects.toThrow('change failed');
      await relay.transaction(async (_tx, emit) => {
        await emit('participant.v1.person.upserted', person('third'));
      });
      await expect.poll(() => applied, { timeout: 5_000 }).toEqual(['first', 'second', 'third']);
      // The relay deletes a row once JetStream acknowledged it, which may be after a consumer applied it.
      await expect.poll(() => db.db.select().from(outbox), { timeout: 5_000 }).toEqual([]);
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });

  it('a redelivered event (same id) is applied once; JetStream drops a republished message id', async () => {
    const applied: string[] = [];
    const consumer = await startConsumer(
      bus,
      new Outbox(db.db, bus.js, logger),
      {
        name: 'bus-test-redelivery',
        from: 'participant',
        types: ['participant.v1.person.upserted'],
        start: 'new',
        apply: async (_tx, event: EventEnvelope<'participant.v1.person.upserted'>) => {
          applied.push(event.id);
        },
      },
      logger,
    );
    try {
      const envelope = {
        id: 'evt-fixed-id',
        type: 'participant.v1.person.upserted',
        occurredAt: new Date().toISOString(),
        data: person('dup'),
      };
      // Same message id twice: de-duplicated by JetStream.
      const first = await bus.js.publish(envelope.type, JSON.stringify(envelope), { msgID: envelope.id });
      const again = await bus.js.publish(envelope.type, JSON.stringify(envelope), { msgID: envelope.id });
      expect(again.duplicate).toBe(true);
      expect(again.seq).toBe(first.seq);
      // Same event id under another message id (a lost ack after the window): the inbox catches it.
      await bus.js.publish(envelope.type, JSON.stringify(envelope), { msgID: 'another-message-id' });
      await expect.poll(() => applied.length, { timeout: 5_000 }).toBe(1);
      // Applied inside the inbox transaction: its record shows once that commits.
      const recorded = async () => {
        const result = await db.db.execute(
          sql`select count(*)::int as n from inbox where consumer = 'bus-test-redelivery' and event_id = 'evt-fixed-id'`,
        );
        return (result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n;
      };
      await expect.poll(recorded, { timeout: 5_000 }).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(applied).toEqual(['evt-fixed-id']);
    } finally {
      await consumer.stop();
    }
  });

  it('a failing apply is retried and leaves no inbox record until it succeeds', async () => {
    let attempts = 0;
    // Read from outside the consumer's transaction: only committed records show.
    const recorded = async () =>
      (await db.db.select().from(inbox).where(eq(inbox.consumer, 'bus-test-retry'))).length;
    const recordedBeforeRetry: number[] = [];
    const relay = new Outbox(db.db, bus.js, logger);
    relay.start();
    const consumer = await startConsumer(
      bus,
      relay,
      {
        name: 'bus-test-retry',
        from: 'participant',
        types: ['participant.v1.person.upserted'],
        start: 'new',
        apply: async () => {
          attempts++;
          if (attempts === 1) throw new Error('transient');
          recordedBeforeRetry.push(await recorded());
        },
      },
      logger,
    );
    try {
      await relay.transaction((_tx, emit) => emit('participant.v1.person.upserted', person('retry')));
      // Waits for the retry's own read, not just its start.
      await expect.poll(() => recordedBeforeRetry.length, { timeout: 10_000 }).toBe(1);
      expect(attempts).toBe(2);
      // The failed attempt's record was rolled back with it…
      expect(recordedBeforeRetry).toEqual([0]);
      // …and the successful one committed exactly one.
      await expect.poll(recorded, { timeout: 10_000 }).toBe(1);
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });

  it('prunes inbox records once no redelivery can reach them', async () => {
    const now = new Date();
    await db.db.insert(inbox).values([
      {
        consumer: 'prune-test',
        eventId: 'old',
        appliedAt: new Date(now.getTime() - INBOX_RETENTION_MS - 1000),
      },
      { consumer: 'prune-test', eventId: 'recent', appliedAt: now },
    ]);
    expect(await pruneInbox(db.db, now)).toBe(1);
    const left = await db.db.select().from(inbox);
    expect(left.filter((row) => row.consumer === 'prune-test').map((row) => row.eventId)).toEqual(['recent']);
  });
});
