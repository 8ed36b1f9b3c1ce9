import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@huddle/db';
import { loadConfig as gatewayConfig } from '@huddle/gateway/src/config';
import { type RunningGateway, startGateway } from '@huddle/gateway/src/server';
import { createLogger } from '@huddle/logging';
import { loadConfig as notificationConfig } from '@huddle/notification/src/config';
import { startNotificationService } from '@huddle/notification/src/service';
import { loadConfig as participantConfig } from '@huddle/participant/src/config';
import { startParticipantService } from '@huddle/participant/src/service';
import type { RunningService } from '@huddle/runtime';
import { loadConfig as sharingPolicyConfig } from '@huddle/sharing-policy/src/config';
import { startSharingPolicyService } from '@huddle/sharing-policy/src/service';
import {
  type FreshDatabase,
  freshDatabase,
  mintToken,
  type NatsServer,
  startNatsServer,
} from '@huddle/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sleep } from '../support/http';
import { freePort } from '../support/ports';
import { type ProcessHandle, startProcess } from '../support/processes';
import { untilReady } from '../support/system';

/**
 * Issue 12 (X2): a chat service process SIGKILLed between claiming a due scheduled message
 * and sending it. Two chat replicas run as processes of their own on one database, both
 * scheduling. The test holds the chat's row lock, which every post takes, so whichever
 * replica claims the message stops inside its send with the claim committed and the post
 * not: the test sees that replica's connection wait on its lock (named by the replica's
 * `application_name`) and kills that process there. The database then drops its
 * connections, as it does once it finds them gone, and the lock is let go. The other
 * replica must send the message once its claim's lease lapses, within 5 s of that, and
 * nothing may be sent twice: one message row, one message.created event in the stream, one
 * notification to each other participant.
 */

const SECRET = 'scheduled-kill-test-secret-that-is-long-enough';
const practice = 'p-scheduled-kill';
/** Long enough for the test to see the claim and kill its replica before it lapses, on a busy machine. */
const LEASE_MS = 5_000;
const POLL_MS = 500;
/** Issue 12: sent within 5 s of when it may be sent, here of when the dead replica's claim lapses. */
const BOUND_MS = 5_000;
const replicaNames = ['chat-a', 'chat-b'] as const;
type ReplicaName = (typeof replicaNames)[number];

describe('X2 scheduled messages: a chat process killed between claim and send', () => {
  const logger = createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const running: Array<{ stop(): Promise<void> }> = [];
  let nats: NatsServer;
  let dataDir: string;
  const databases = {} as Record<'participant' | 'sharing-policy' | 'chat' | 'notification', FreshDatabase>;
  /** Each chat replica: its process and a gateway calling it. */
  const replicas = {} as Record<ReplicaName, { chat: ProcessHandle; gateway: RunningGateway }>;
  let chatDb: pg.Client;

  const token = (who: string) => mintToken({ secret: SECRET, sub: who, practice });
  const as = async (replica: ReplicaName, who: string) =>
    api(replicas[replica].gateway.url, await token(who));

  /** The replica's connections carry its name, so the database tells which replica waits where. */
  const chatDatabaseUrl = (replica: ReplicaName) => {
    const url = new URL(databases.chat.url);
    url.searchParams.set('application_name', replica);
    return url.toString();
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'huddle-scheduled-kill-'));
    nats = await startNatsServer();
    const created = await Promise.all(
      (['participant', 'sharing-policy', 'chat', 'notification'] as const).map(
        async (name) => [name, await freshDatabase(`scheduled_kill_${name.replace('-', '_')}`)] as const,
      ),
    );
    Object.assign(databases, Object.fromEntries(created));
    const common = {
      NATS_URL: nats.url,
      GRPC_HOST: '127.0.0.1',
      GRPC_PORT: '0',
      METRICS_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    const address = (service: RunningService) => `127.0.0.1:${service.grpcPort}`;
    // What is not killed runs in this process, as in test/support/system.ts.
    const participant = await startParticipantService(
      participantConfig({ ...common, DATABASE_URL: databases.participant.url }),
      logger,
    );
    running.push(participant);
    const sharingPolicy = await startSharingPolicyService(
      sharingPolicyConfig({
        ...common,
        DATABASE_URL: databases['sharing-policy'].url,
        PARTICIPANT_ADDR: address(participant),
      }),
      logger,
    );
    running.push(sharingPolicy);
    const peers = { PARTICIPANT_ADDR: address(participant), SHARING_POLICY_ADDR: address(sharingPolicy) };
    const notification = await startNotificationService(
      notificationConfig({ ...common, ...peers, DATABASE_URL: databases.notification.url }),
      logger,
    );
    running.push(notification);

    // The chat database's schema first, so that both chat processes start at once and find it made.
    const migrated = await openDatabase({
      url: databases.chat.url,
      dataDir,
      migrationsFolder: fileURLToPath(new URL('../../services/chat/src/store/migrations', import.meta.url)),
      logger,
    });
    await migrated.close();
    const startChat = async (replica: ReplicaName) => {
      const port = await freePort();
      const chat = await startProcess('chat', 'services/chat/src/main.ts', {
        ...common,
        ...peers,
        GRPC_PORT: String(port),
        DATABASE_URL: chatDatabaseUrl(replica),
        DATABASE_POOL_SIZE: '5',
        DATA_DIR: join(dataDir, replica),
        SCHEDULER_LEASE_MS: String(LEASE_MS),
        SCHEDULER_POLL_MS: String(POLL_MS),
      });
      running.push(chat);
      const gateway = await startGateway(
        gatewayConfig({
          NATS_URL: nats.url,
          HOST: '127.0.0.1',
          PORT: '0',
          AUTH_JWT_SECRET: SECRET,
          MAX_EVENT_LOOP_DELAY_MS: '0',
          MAX_EVENT_LOOP_UTILIZATION: '0',
          ...peers,
          CHAT_ADDR: `127.0.0.1:${port}`,
          NOTIFICATION_ADDR: address(notification),
        }),
        { logger },
      );
      running.push(gateway);
      replicas[replica] = { chat, gateway };
    };
    await Promise.all(replicaNames.map(startChat));
    for (const { gateway } of Object.values(replicas)) await untilReady(gateway.url);

    chatDb = new pg.Client({ connectionString: databases.chat.url });
    await chatDb.connect();
    const directory = api(
      replicas['chat-a'].gateway.url,
      await mintToken({ secret: SECRET, sub: 'svc:test', practice, scope: 'directory:write' }),
    );
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X2', plan: 'team' })).status).toBe(
      201,
    );
    const people = {
      olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
      terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
      dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    };
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await chatDb?.end();
    for (const server of running.reverse()) await server.stop().catch(() => {});
    await nats?.stop();
    await Promise.all(Object.values(databases).map((database) => database.drop()));
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('X2: the replica that claimed a due message is SIGKILLed before sending it; the other sends it once within 5 s of the lease', async () => {
    const olivia = await as('chat-a', 'olivia');
    const created = await olivia('POST', '/v1/chats', {
      name: 'Scheduled',
      style: 'feed',
      participantIds: ['terry', 'dana'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const chatId = created.body.id as string;
    const dana = await as('chat-a', 'dana');
    await expect
      .poll(async () => (await dana('GET', `/v1/chats/${chatId}`)).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    const made = await dana('POST', `/v1/chats/${chatId}/scheduled-messages`, {
      body: 'Survives the replica that claimed it',
      sendAt: new Date(Date.now() + 120_000).toISOString(),
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.id as string;

    // Every post takes the chat's row lock: while the test holds it, a send stops there.
    const lock = new pg.Client({ connectionString: databases.chat.url });
    await lock.connect();
    try {
      await lock.query('begin');
      await lock.query('select 1 from chats where id = $1 for update', [chatId]);
      await chatDb.query('update scheduled_messages set send_at = now() where id = $1', [id]);

      // Claimed (its claim committed) and its replica inside the post, waiting on the lock.
      const holder = (await lock.query('select pg_backend_pid() as pid')).rows[0].pid as number;
      let waiting: { application_name: ReplicaName }[] = [];
      await expect
        .poll(
          async () => {
            ({ rows: waiting } = await chatDb.query(
              `select application_name from pg_stat_activity
               where $1 = any(pg_blocking_pids(pid)) and application_name = any($2::text[])`,
              [holder, replicaNames],
            ));
            return waiting.length;
          },
          { timeout: 15_000, interval: 50 },
        )
        .toBe(1);
      const victim = waiting[0]!.application_name;
      const survivor = replicaNames.find((name) => name !== victim)!;
      const [claim] = (
        await chatDb.query(
          'select status, attempts, claimed_until > now() as leased, claimed_until from scheduled_messages where id = $1',
          [id],
        )
      ).rows;
      expect(claim).toMatchObject({ status: 'pending', attempts: 1, leased: true });
      const leaseEnds = claim.claimed_until as Date;

      expect(replicas[victim].chat.alive(), replicas[victim].chat.output()).toBe(true);
      await replicas[victim].chat.kill();
      // The database drops a dead client's connections once it notices; here at once.
      await chatDb.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
        [victim],
      );
      await lock.query('rollback');
      // The claim outlived its replica: nothing was sent, and the lease still holds.
      const { rows: before } = await chatDb.query(
        'select count(*)::int as n from messages where chat_id = $1',
        [chatId],
      );
      expect(before[0].n).toBe(0);
      expect(
        (
          await chatDb.query('select claimed_until > now() as leased from scheduled_messages where id = $1', [
            id,
          ])
        ).rows[0].leased,
        'the lease lapsed before the kill: raise LEASE_MS for this machine',
      ).toBe(true);

      // The survivor claims it again once the lease lapses, and sends it.
      const terry = await as(survivor, 'terry');
      await expect
        .poll(async () => (await terry('GET', `/v1/chats/${chatId}/messages`)).body.items?.length, {
          timeout: LEASE_MS + BOUND_MS + 5_000,
          interval: 100,
        })
        .toBe(1);
      const { rows: messages } = await chatDb.query(
        'select id, author_id, body, created_at from messages where chat_id = $1',
        [chatId],
      );
      expect(messages).toHaveLength(1);
      const [message] = messages;
      expect(message).toMatchObject({ author_id: 'dana', body: 'Survives the replica that claimed it' });
      const late = (message.created_at as Date).getTime() - leaseEnds.getTime();
      expect(late, 'sent before the dead replica’s lease lapsed').toBeGreaterThanOrEqual(0);
      expect(late, 'sent more than 5 s after the lease lapsed').toBeLessThanOrEqual(BOUND_MS);
      const { rows: settled } = await chatDb.query(
        'select status, attempts, message_id, claimed_until from scheduled_messages where id = $1',
        [id],
      );
      expect(settled[0]).toEqual({
        status: 'sent',
        attempts: 2,
        message_id: message.id,
        claimed_until: null,
      });

      // One event, one notification to each other participant; and after a few more polls, still one.
      const notifications = new pg.Client({ connectionString: databases.notification.url });
      await notifications.connect();
      const nc = await connect({ servers: nats.url });
      try {
        const notified = async () =>
          (
            await notifications.query(
              "select person_id from notifications where type = 'message' and message_id = $1 order by person_id",
              [message.id],
            )
          ).rows.map((row) => row.person_id);
        await expect.poll(notified, { timeout: 10_000, interval: 100 }).toEqual(['olivia', 'terry']);
        await sleep(3 * POLL_MS);
        const stream = await (await jetstreamManager(nc)).streams.info('CHAT', {
          subjects_filter: 'chat.v1.message.created',
        });
        expect(stream.state.subjects).toEqual({ 'chat.v1.message.created': 1 });
        expect(await notified()).toEqual(['olivia', 'terry']);
        expect(
          (await chatDb.query('select count(*)::int as n from messages where chat_id = $1', [chatId])).rows[0]
            .n,
        ).toBe(1);
      } finally {
        await nc.close();
        await notifications.end();
      }
    } finally {
      await lock.end();
    }
  }, 60_000);
});
