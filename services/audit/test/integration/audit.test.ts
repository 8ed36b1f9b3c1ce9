import { randomUUID } from 'node:crypto';
import { type Bus, connectBus, ensureStream } from '@huddle/bus';
import { type AuditRecordData, auditV1, type EventEnvelope } from '@huddle/contracts';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { HuddleError } from '@huddle/errors';
import { connect, type Remote } from '@huddle/grpc';
import { createLogger } from '@huddle/logging';
import type { RunningService } from '@huddle/runtime';
import { type FreshDatabase, freshDatabase, type NatsServer, startNatsServer } from '@huddle/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../src/app/trail';
import { loadConfig } from '../../src/config';
import { migrationsFolder, startAuditService } from '../../src/service';
import { auditRecordsStore } from '../../src/store/records';

const logger = createLogger({ service: 'audit-test', level: 'silent' });

const record = (practiceId: string, fields: Partial<AuditRecordData> = {}): AuditRecordData => ({
  practiceId,
  actorId: 'owner-1',
  action: 'chat.messages.read',
  chatId: 'chat-1',
  targetIds: [],
  outcome: 'succeeded',
  requestId: randomUUID(),
  clientIp: '203.0.113.7',
  userAgent: 'vitest',
  details: {},
  ...fields,
});

async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('the audit service on real PostgreSQL and NATS (C1)', () => {
  let nats: NatsServer;
  let database: FreshDatabase;
  let service: RunningService;
  let bus: Bus;
  let audit: Remote<typeof auditV1.AuditServiceService>;
  let handle: DatabaseHandle;
  let trail: AuditTrail;

  beforeAll(async () => {
    [nats, database] = await Promise.all([startNatsServer(), freshDatabase('audit')]);
    service = await startAuditService(
      loadConfig({
        NATS_URL: nats.url,
        DATABASE_URL: database.url,
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        METRICS_PORT: '0',
      }),
      logger,
    );
    bus = await connectBus({ url: nats.url, name: 'audit-test', logger });
    await ensureStream(bus.jsm, 'audit');
    audit = connect(auditV1.AuditServiceService, `127.0.0.1:${service.grpcPort}`);
    handle = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, logger });
    trail = new AuditTrail(handle.db, auditRecordsStore);
  });

  afterAll(async () => {
    audit?.close();
    await bus?.drain();
    await service?.stop();
    await handle?.close();
    await Promise.all([database?.drop(), nats?.stop()]);
  });

  /** Publishes as the gateway does: the event id is the message id. */
  const publish = async (data: AuditRecordData, id: string = randomUUID(), msgID = id) => {
    const event: EventEnvelope<'audit.v1.request.recorded'> = {
      id,
      type: 'audit.v1.request.recorded',
      occurredAt: new Date().toISOString(),
      data,
    };
    await bus.js.publish(event.type, JSON.stringify(event), { msgID });
    return id;
  };

  const listAll = (practiceId: string, filters: Partial<auditV1.ListAuditEventsRequest> = {}) =>
    audit.listAuditEvents({
      practiceId,
      actorId: '',
      chatId: '',
      action: '',
      cursor: '',
      limit: 0,
      ...filters,
    });

  it('C1: appends each published record once, chained per practice, and lists them newest first with filters', async () => {
    const first = await publish(record('pa'));
    // The same event delivered again (another message id past JetStream's de-duplication): one record.
    await publish(record('pa'), first, randomUUID());
    await publish(record('pa', { actorId: 'client-1', action: 'search.performed', chatId: null }));
    await publish(
      record('pb', { action: 'participant.removed', targetIds: ['person-9'], details: { messages: 'keep' } }),
    );

    const pa = await eventually(async () => {
      const page = await listAll('pa');
      expect(page.events).toHaveLength(2);
      return page;
    });
    expect(pa.events.map((event) => event.seq)).toEqual([2, 1]);
    expect(pa.events[1]).toMatchObject({
      id: first,
      actorId: 'owner-1',
      chatId: 'chat-1',
      clientIp: '203.0.113.7',
    });
    const pb = await eventually(async () => {
      const page = await listAll('pb');
      expect(page.events).toHaveLength(1);
      return page;
    });
    expect(pb.events[0]).toMatchObject({ seq: 1, targetIds: ['person-9'], details: { messages: 'keep' } });

    expect((await listAll('pa', { actorId: 'client-1' })).events.map((e) => e.action)).toEqual([
      'search.performed',
    ]);
    expect((await listAll('pa', { action: 'chat.messages.read' })).events).toHaveLength(1);
    expect((await listAll('pa', { chatId: 'chat-1' })).events).toHaveLength(1);
    expect((await listAll('pa', { from: new Date(Date.now() + 60_000) })).events).toHaveLength(0);

    const page1 = await listAll('pa', { limit: 1 });
    expect(page1.events.map((e) => e.seq)).toEqual([2]);
    const page2 = await listAll('pa', { limit: 1, cursor: page1.nextCursor });
    expect(page2).toMatchObject({ nextCursor: '' });
    expect(page2.events.map((e) => e.seq)).toEqual([1]);
    await expect(listAll('pa', { cursor: 'bogus' })).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('C1: serialises concurrent appends of one practice into one unbroken chain', async () => {
    await Promise.all(Array.from({ length: 40 }, () => publish(record('pc'))));
    await eventually(async () => expect((await listAll('pc', { limit: 100 })).events).toHaveLength(40));
    const report = await trail.verify('pc');
    expect(report).toMatchObject({ practices: 1, records: 40, problems: [] });
  });

  it('C1: the database refuses to update or delete a record', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await expect(client.query("update audit_records set actor_id = 'x'")).rejects.toThrow(/append-only/);
      await expect(client.query('delete from audit_records')).rejects.toThrow(/append-only/);
      await expect(client.query('truncate audit_records')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
    expect((await trail.verify()).problems).toEqual([]);
  });

  it('C1: verify finds a record edited and a record deleted behind the triggers (as a superuser could)', async () => {
    for (let n = 0; n < 4; n++) await publish(record('pd', { requestId: `r${n}` }));
    await eventually(async () => expect((await listAll('pd')).events).toHaveLength(4));
    expect((await trail.verify('pd')).problems).toEqual([]);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // Replica mode skips ordinary triggers: only a superuser may set it.
      await client.query("set session_replication_role = 'replica'");
      await client.query(
        "update audit_records set actor_id = 'someone-else' where practice_id = 'pd' and seq = 2",
      );
      await client.query("delete from audit_records where practice_id = 'pd' and seq = 3");
    } finally {
      await client.end();
    }
    const report = await trail.verify();
    expect(report.problems).toEqual([
      { practiceId: 'pd', seq: 2, problem: 'edited' },
      { practiceId: 'pd', fromSeq: 3, toSeq: 3, problem: 'deleted' },
    ]);
    // The other practices' chains are untouched and still verify.
    expect(report.practices).toBe(4);
  });

  it('refuses a list without a practice as bad input', async () => {
    await expect(listAll('')).rejects.toBeInstanceOf(HuddleError);
  });
});
