import { fileURLToPath } from 'node:url';
import type { EventEnvelope } from '@huddle/contracts';
import { type DatabaseHandle, openDatabase, withLease } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase, type NatsServer, startNatsServer } from '@huddle/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bus,
  connectBus,
  ensureStream,
  Outbox,
  outbox,
  pruneInbox,
  type RunningConsumer,
  startConsumer,
} from '../../src';

const logger = createLogger({ service: 'bus-replicas-test', level: 'silent' });
const migrationsFolder = fileURLToPath(new URL('../migrations', import.meta.url));

/** One replica: its own connection pool on the shared database and its own NATS connection. */
interface Replica {
  db: DatabaseHandle;
  bus: Bus;
  outbox: Outbox;
}

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

describe('two replicas on one database and one NATS (several replicas)', () => {
  let database: FreshDatabase;
  let nats: NatsServer;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    [database, nats] = await Promise.all([freshDatabase('bus_replicas'), startNatsServer()]);
    for (const name of ['one', 'two']) {
      const db = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, logger });
      const bus = await connectBus({ url: nats.url, name: `replica-${name}`, logger });
      replicas.push({ db, bus, outbox: new Outbox(db.db, bus.js, logger) });
    }
    await ensureStream(replicas[0]!.bus.jsm, 'participant');
  });

  afterAll(async () => {
    for (const replica of replicas) {
      await replica.outbox.stop();
      await replica.bus.drain();
      await replica.db.close();
    }
    await nats?.stop();
    await database?.drop();
  });

  it('two relays publish every outbox row once, in order, and drain the table', async () => {
    const [one, two] = replicas as [Replica, Replica];
    // What is sent on the wire, before JetStream's de-duplication could hide a second publish.
    const seen: string[] = [];
    const wire = one.bus.nc.subscribe('participant.v1.>', {
      callback: (_error, message) => {
        seen.push(message.json<{ id: string }>().id);
      },
    });
    await one.bus.nc.flush();
    const emitted: string[] = [];
    // Rows waiting before either relay runs: both would read the same oldest batch without a claim.
    for (let batch = 0; batch < 5; batch++) {
      await (batch % 2 ? two : one).outbox.transaction(async (_tx, emit) => {
        for (let index = 0; index < 100; index++) {
          const event = await emit('participant.v1.person.upserted', person(`p${batch}-${index}`));
          emitted.push(event.id);
        }
      });
    }
    one.outbox.start();
    two.outbox.start();
    // More while both run, from either replica.
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (index % 2 ? two : one).outbox.transaction(async (_tx, emit) => {
          emitted.push((await emit('participant.v1.person.upserted', person(`late-${index}`))).id);
        }),
      ),
    );
    await expect
      .poll(
        async () => {
          const result = await one.db.db.execute(sql`select count(*)::int as n from outbox`);
          return (result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n;
        },
        { timeout: 15_000 },
      )
      .toBe(0);
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(emitted.length);
    await one.bus.nc.flush();
    wire.unsubscribe();
    expect(seen.length).toBe(emitted.length);
    expect(new Set(seen).size).toBe(emitted.length);
    // The 500 written before the relays started are published in the order they were written.
    const early = new Set(emitted.slice(0, 500));
    expect(seen.filter((id) => early.has(id))).toEqual(emitted.slice(0, 500));
  });

  it('consumers of one durable name share the events; a redelivery to the other replica applies once', async () => {
    const applied: Array<{ replica: number; eventId: string }> = [];
    const consumers: RunningConsumer[] = [];
    for (const [index, replica] of replicas.entries()) {
      consumers.push(
        await startConsumer(
          replica.bus,
          replica.outbox,
          {
            name: 'replicas-shared',
            from: 'participant',
            types: ['participant.v1.person.upserted'],
            start: 'new',
            apply: async (_tx, event: EventEnvelope<'participant.v1.person.upserted'>) => {
              applied.push({ replica: index, eventId: event.id });
            },
          },
          logger,
        ),
      );
    }
    try {
      const { js } = replicas[0]!.bus;
      const ids = Array.from({ length: 300 }, (_, index) => `shared-${index}`);
      for (const id of ids) {
        const envelope = {
          id,
          type: 'participant.v1.person.upserted',
          occurredAt: new Date().toISOString(),
          data: person(id),
        };
        const body = JSON.stringify(envelope);
        await js.publish(envelope.type, body, { msgID: id });
        // The same event again under another message id, as after a lost ack: either replica may get it.
        await js.publish(envelope.type, body, { msgID: `${id}-again` });
      }
      const recorded = async () => {
        const result = await replicas[0]!.db.db.execute(
          sql`select count(*)::int as n from inbox where consumer = 'replicas-shared'`,
        );
        return (result as unknown as { rows: Array<{ n: number }> }).rows[0]?.n;
      };
      await expect.poll(recorded, { timeout: 15_000 }).toBe(ids.length);
      // Every copy delivered and acked: nothing left that could still apply twice.
      await expect
        .poll(
          async () => {
            const now = await replicas[0]!.bus.jsm.consumers.info('PARTICIPANT', 'replicas-shared');
            return now.num_pending + now.num_ack_pending;
          },
          { timeout: 15_000 },
        )
        .toBe(0);
      expect(applied).toHaveLength(ids.length);
      expect(new Set(applied.map((entry) => entry.eventId)).size).toBe(ids.length);
      // JetStream handed the work to both replicas.
      expect(new Set(applied.map((entry) => entry.replica))).toEqual(new Set([0, 1]));
    } finally {
      for (const consumer of consumers) await consumer.stop();
    }
    expect(await replicas[0]!.db.db.select().from(outbox)).toEqual([]);
  });

  it('inbox pruning runs on one replica at a time: the other finds the lease taken', async () => {
    const [one, two] = replicas as [Replica, Replica];
    let release = () => {};
    const holding = new Promise<void>((resolve) => (release = resolve));
    let started = () => {};
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = withLease(one.db.db, 'inbox pruning', async () => {
      started();
      await holding;
      return 'pruned';
    });
    await running;
    expect(await pruneInbox(two.db.db)).toBe('busy');
    release();
    expect(await first).toBe('pruned');
    // The lease ended with the first transaction.
    expect(await pruneInbox(two.db.db)).toBe(0);
  });
});
