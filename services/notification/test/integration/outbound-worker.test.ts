import { fileURLToPath } from 'node:url';
import { type DatabaseHandle, openDatabase, type Transaction } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase } from '@huddle/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Outbound } from '../../src/app/outbound';
import type { WebhookRequest } from '../../src/app/outbound-ports';
import { channelsStore } from '../../src/store/outbound';
import { notificationStore } from '../../src/store/repositories';
import { deliveries } from '../../src/store/schema';

/** The outbound worker (N1) against a real PostgreSQL, with a fake receiver and clock. */
describe('N1: outbound worker', () => {
  let database: FreshDatabase;
  let handle: DatabaseHandle;
  let now: Date;
  let answer: (request: WebhookRequest) => Promise<{ status: number }>;
  const posted: WebhookRequest[] = [];
  const logger = createLogger({ service: 'test', level: 'silent' });
  const config = {
    pollMs: 10_000,
    webhook: { backoffMs: 1000, maxAttempts: 4 },
    email: { smtpUrl: undefined, from: 'x@example.test', windowMs: 60_000 },
  };
  const outbound = () =>
    new Outbound(
      handle.db,
      notificationStore,
      config,
      {
        webhooks: {
          post: (request) => {
            posted.push(request);
            return answer(request);
          },
        },
        mailer: null,
        people: { emails: async () => new Map() },
        participants: {
          list: async (chatId) => [
            {
              chatId,
              personId: 'dana',
              role: 'client',
              via: 'created',
              addedBy: 'olivia',
              addedAt: '',
              pseudonym: '',
              kind: 'client',
            },
          ],
        },
        clock: { now: () => now },
      },
      logger,
    );

  beforeAll(async () => {
    database = await freshDatabase('notification_outbound_worker');
    handle = await openDatabase({
      url: database.url,
      dataDir: '',
      migrationsFolder: fileURLToPath(new URL('../../src/store/migrations', import.meta.url)),
      logger,
    });
    await channelsStore.put(handle.db, {
      practiceId: 'p1',
      webhookUrl: 'https://hooks.example/huddle',
      webhookSecret: 'a-secret-of-sixteen-chars',
      emailEnabled: false,
      includeContent: true,
    });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });
  beforeEach(async () => {
    posted.length = 0;
    now = new Date('2026-01-01T00:00:00Z');
    await handle.db.delete(deliveries);
  });

  async function queue(worker: Outbound, text: string) {
    await handle.db.transaction((tx) =>
      worker.notificationsCreated(
        tx as Transaction,
        'p1',
        [
          {
            personId: 'dana',
            notification: {
              id: 'n1',
              type: 'message',
              chatId: 'c1',
              messageId: 'm1',
              createdAt: now.toISOString(),
              readAt: null,
            },
          },
        ],
        text,
      ),
    );
    const [row] = await handle.db.select().from(deliveries);
    // Queued a moment ago by the database's clock: due from the worker's (fake) now on.
    await handle.db.update(deliveries).set({ nextAttemptAt: now });
    return row!;
  }

  const row = async () => (await handle.db.select().from(deliveries))[0]!;
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };

  it('retries after 1 s, 2 s, 4 s, then the delivery is dead, with its content kept for inspection', async () => {
    answer = async () => ({ status: 500 });
    const worker = outbound();
    await queue(worker, 'Hello');
    expect(await worker.runOnce()).toBe(1);
    for (const delay of [1000, 2000, 4000]) {
      const pending = await row();
      expect(pending).toMatchObject({ status: 'pending', lastError: 'HTTP 500' });
      expect(pending.nextAttemptAt.getTime() - now.getTime()).toBe(delay);
      advance(delay - 1);
      expect(await worker.runOnce()).toBe(0);
      advance(1);
      expect(await worker.runOnce()).toBe(1);
    }
    expect(await row()).toMatchObject({ status: 'dead', attempts: 4, lastError: 'HTTP 500' });
    expect(posted).toHaveLength(4);
    expect(new Set(posted.map((request) => request.headers['huddle-delivery'])).size).toBe(1);
    advance(60 * 60 * 1000);
    expect(await worker.runOnce()).toBe(0);
  });

  it('a delivered webhook keeps no message text', async () => {
    answer = async () => ({ status: 204 });
    const worker = outbound();
    await queue(worker, 'Hello');
    await worker.runOnce();
    expect(JSON.parse(posted[0]!.body).notification.body).toBe('Hello');
    const delivered = await row();
    expect(delivered.status).toBe('delivered');
    expect(JSON.stringify(delivered.body)).not.toContain('Hello');
  });

  it('stopping aborts a post that hangs past the grace period and records a failed attempt', async () => {
    answer = (request) =>
      new Promise((_resolve, reject) =>
        request.signal.addEventListener('abort', () => reject(new Error('aborted by stop'))),
      );
    const worker = outbound();
    const queued = await queue(worker, 'Hello');
    worker.start();
    const sending = worker.runOnce();
    while (posted.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    await worker.stop(100);
    await sending;
    expect(Date.now() - started).toBeLessThan(2000);
    const [failed] = await handle.db.select().from(deliveries).where(eq(deliveries.id, queued.id));
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, claimedAt: null });
  });
});
