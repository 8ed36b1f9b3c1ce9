import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 11, several replicas: two instances of every service and two gateways
 * on the same databases and NATS. Each event is published once (the relay's
 * lease) and applied once (shared durable consumers and the inbox), each
 * webhook is sent once (claimed deliveries), realtime reaches every socket
 * whichever gateway holds it (G5, N1), and each scheduled message is sent once
 * by whichever chat replica claims it (X2).
 */

/** A local webhook receiver that answers 200 and keeps every request. */
async function startReceiver() {
  const hooks: Array<{ delivery: string; body: any }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hooks.push({
        delivery: String(request.headers['huddle-delivery']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hooks, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const POSTS = 200;
const CONCURRENCY = 20;

describe('several replicas: two of every service and two gateways', () => {
  let system: System;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let nats: NatsConnection;
  const practice = 'p-replicas';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
  };
  type Name = keyof typeof people;
  const names = Object.keys(people) as Name[];
  /** Each person's socket on each gateway. */
  const sockets: Array<{ who: Name; gateway: number; socket: Socket }> = [];
  /** Every event publish on the wire (the message id), before JetStream's de-duplication. */
  const published: string[] = [];
  let chatId: string;

  const query = async <T>(service: keyof System['databaseUrls'], text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: system.databaseUrls[service] });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    system = await startSystem('replicas', { notification: { OUTBOUND_POLL_MS: '25' } }, undefined, {
      replicas: 2,
    });
    expect(system.urls).toHaveLength(2);
    nats = await connect({ servers: system.natsUrl });
    nats.subscribe('*.v1.>', {
      callback: (_error, message) => {
        const id = message.headers?.get('Nats-Msg-Id');
        if (id) published.push(id);
      },
    });
    await nats.flush();
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'R', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    const settings = await directory('PUT', `/v1/practices/${practice}/notification-settings`, {
      webhookUrl: `${receiver.url}/ok`,
      webhookSecret: 'webhook-secret-for-the-replicas',
    });
    expect(settings.status).toBe(200);
    for (const who of names) {
      for (const [gateway, url] of system.urls.entries()) {
        const socket = await openStream(url, await system.personToken(practice, who));
        await socket.next((event) => event.type === 'stream.ready');
        sockets.push({ who, gateway, socket });
      }
    }
    const created = await api(system.url, await system.personToken(practice, 'olivia'))('POST', '/v1/chats', {
      name: 'Replicas',
      style: 'feed',
      participantIds: ['terry', 'dana', 'eli'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    // Each person, through each gateway, once the chat service has their membership.
    for (const who of names) {
      for (const url of system.urls) {
        const caller = api(url, await system.personToken(practice, who));
        for (let attempt = 0; (await caller('GET', `/v1/chats/${chatId}`)).status !== 200; attempt += 1) {
          if (attempt > 100) throw new Error(`${who} never became a member`);
          await sleep(100);
        }
      }
    }
  });

  afterAll(async () => {
    for (const { socket } of sockets) socket.close();
    await nats?.close();
    await system?.stop();
    await receiver?.stop();
  });

  it('N1/G5: concurrent posts through both gateways are stored, notified, pushed and sent once each', async () => {
    const callers = await Promise.all(
      names.flatMap((who) =>
        system.urls.map(async (url) => ({ who, call: api(url, await system.personToken(practice, who)) })),
      ),
    );
    const posted: Array<{ id: string; author: Name }> = [];
    for (let start = 0; start < POSTS; start += CONCURRENCY) {
      const replies = await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, POSTS - start) }, async (_, offset) => {
          const { who, call } = callers[(start + offset) % callers.length]!;
          // Ten servers share this process on a busy machine: a post the gateway answers 503
          // ("try again shortly") is retried, as a client would, under the same Idempotency-Key.
          const key = `replicas-post-${start + offset}`;
          let reply = await call(
            'POST',
            `/v1/chats/${chatId}/messages`,
            { body: `post ${start + offset}` },
            {
              'idempotency-key': key,
            },
          );
          let retried = false;
          for (let retry = 0; reply.status === 503 && retry < 5; retry++) {
            retried = true;
            await sleep(200);
            reply = await call(
              'POST',
              `/v1/chats/${chatId}/messages`,
              { body: `post ${start + offset}` },
              {
                'idempotency-key': key,
              },
            );
          }
          return { who, reply, retried };
        }),
      );
      for (const { who, reply, retried } of replies) {
        // A retry answers 200 with the same message when the 503'd attempt had been stored after all.
        const created = reply.status === 201 || (retried && reply.status === 200);
        expect({ created, body: created ? undefined : reply.body }).toEqual({ created: true });
        posted.push({ id: reply.body.id, author: who });
      }
    }
    const postedIds = new Set(posted.map((post) => post.id));
    expect(postedIds.size).toBe(POSTS);

    // Stored once.
    const stored = await query<{ id: string; n: number }>(
      'chat',
      'select id, count(*)::int as n from messages where chat_id = $1 group by id',
      [chatId],
    );
    expect(stored).toHaveLength(POSTS);
    expect(stored.every((row) => row.n === 1 && postedIds.has(row.id))).toBe(true);

    // Every participant but the author notified, exactly once each.
    const owed = POSTS * (names.length - 1);
    const notifications = async () =>
      query<{ message_id: string; person_id: string }>(
        'notification',
        "select message_id, person_id from notifications where chat_id = $1 and type = 'message'",
        [chatId],
      );
    await expect
      .poll(async () => (await notifications()).length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(owed);
    const rows = await notifications();
    expect(rows).toHaveLength(owed);
    const authorOf = new Map(posted.map((post) => [post.id, post.author]));
    expect(new Set(rows.map((row) => `${row.message_id}/${row.person_id}`)).size).toBe(owed);
    expect(
      rows.every((row) => authorOf.has(row.message_id) && authorOf.get(row.message_id) !== row.person_id),
    ).toBe(true);

    // Each notification's webhook (these and the chat's `added` ones) sent once, though two
    // notification instances poll the deliveries.
    const webhooksOwed = owed + names.length - 1;
    const [all] = await query<{ n: number }>('notification', 'select count(*)::int as n from notifications');
    expect(all?.n).toBe(webhooksOwed);
    await expect.poll(() => receiver.hooks.length, { timeout: 60_000 }).toBeGreaterThanOrEqual(webhooksOwed);
    await expect
      .poll(
        () =>
          query<{ status: string; attempts: number; n: number }>(
            'notification',
            'select status, attempts, count(*)::int as n from deliveries group by status, attempts',
          ),
        { timeout: 30_000 },
      )
      .toEqual([{ status: 'delivered', attempts: 1, n: webhooksOwed }]);
    expect(receiver.hooks).toHaveLength(webhooksOwed);
    expect(new Set(receiver.hooks.map((hook) => hook.delivery)).size).toBe(webhooksOwed);
    expect(new Set(receiver.hooks.map((hook) => hook.body.notification.id)).size).toBe(webhooksOwed);

    // Every socket, on either gateway, got each message.created once.
    const createdOn = (socket: Socket) =>
      socket.events.filter((event) => event.type === 'message.created' && event.chatId === chatId);
    for (const { socket } of sockets) {
      await expect.poll(() => createdOn(socket).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(POSTS);
    }

    // Every outbox drained, and no event was published twice by the two relays.
    for (const service of Object.keys(system.databaseUrls) as Array<keyof System['databaseUrls']>) {
      await expect
        .poll(
          async () => (await query<{ n: number }>(service, 'select count(*)::int as n from outbox'))[0]?.n,
          {
            timeout: 30_000,
          },
        )
        .toBe(0);
    }
    await nats.flush();
    expect(published.length).toBeGreaterThan(POSTS);
    expect(new Set(published).size).toBe(published.length);
    for (const { who, gateway, socket } of sockets) {
      const ids = createdOn(socket).map((event) => event.data.id);
      expect({ who, gateway, received: ids.length }).toEqual({ who, gateway, received: POSTS });
      expect(new Set(ids)).toEqual(postedIds);
    }
  }, 240_000);

  it('X2: with two chat replicas claiming, every scheduled message falls due and is sent exactly once', async () => {
    const olivia = api(system.url, await system.personToken(practice, 'olivia'));
    const created = await olivia('POST', '/v1/chats', {
      name: 'Later',
      style: 'feed',
      participantIds: ['dana'],
    });
    expect(created.status).toBe(201);
    const laterChat = created.body.id as string;
    const callers = await Promise.all(
      system.urls.map(async (url) => api(url, await system.personToken(practice, 'dana'))),
    );
    for (const caller of callers) {
      for (let attempt = 0; (await caller('GET', `/v1/chats/${laterChat}`)).status !== 200; attempt += 1) {
        if (attempt > 100) throw new Error('dana never became a member');
        await sleep(100);
      }
    }
    const sendAt = new Date(Date.now() + 2 * 60_000).toISOString();
    const ids: string[] = [];
    for (let index = 0; index < 30; index++) {
      const reply = await callers[index % callers.length]!(
        'POST',
        `/v1/chats/${laterChat}/scheduled-messages`,
        {
          body: `later ${index}`,
          sendAt,
        },
      );
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
      ids.push(reply.body.id);
    }
    // As if two minutes had passed: all fall due at once, for both replicas' schedulers.
    await query('chat', 'update scheduled_messages set send_at = now() where id = any($1)', [ids]);
    const statuses = () =>
      query<{ status: string; n: number }>(
        'chat',
        'select status, count(*)::int as n from scheduled_messages where id = any($1) group by status',
        [ids],
      );
    await expect.poll(statuses, { timeout: 60_000, interval: 250 }).toEqual([{ status: 'sent', n: 30 }]);
    const stored = await query<{ body: string; n: number }>(
      'chat',
      'select body, count(*)::int as n from messages where chat_id = $1 group by body',
      [laterChat],
    );
    expect(stored.map((row) => row.n)).toEqual(Array(30).fill(1));
    expect(stored.map((row) => row.body).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `later ${i}`).sort(),
    );
  }, 120_000);
});
