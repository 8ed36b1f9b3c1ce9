import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type System, startSystem } from '../../../../test/support/system';
import {
  createHuddleClient,
  type HuddleClient,
  HuddleError,
  type HuddleStream,
  type StreamEvent,
  type StreamEventOf,
  unwrap,
} from '../../src';

/**
 * A TCP proxy in front of the gateway that the test can cut, as a network
 * would: sockets through it are destroyed (the client sees 1006) and, while
 * blocked, new connections are refused.
 */
async function cuttableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let blocked = false;
  const server: Server = createServer((client) => {
    if (blocked) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: hostname, port: Number(port) });
    open.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    block() {
      blocked = true;
      for (const socket of open) socket.destroy();
    },
    unblock() {
      blocked = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const until = async (check: () => boolean, what: string, timeoutMs = 10_000) => {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

/**
 * Issue 14: @huddle/client against the whole system (real PostgreSQL, NATS,
 * services and gateway): typed calls, idempotent posts that survive a lost
 * answer, cursor pages, and the realtime client receiving live events and
 * resuming after a forced reconnect.
 */
describe('@huddle/client against the real system', () => {
  let system: System;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;
  const practice = 'p-sdk';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
  } as const;
  let olivia: HuddleClient;
  let dana: HuddleClient;
  let chatId: string;
  const streams: HuddleStream[] = [];

  beforeAll(async () => {
    system = await startSystem('client-sdk');
    proxy = await cuttableProxy(system.url);
    const platform = createHuddleClient({
      baseUrl: system.url,
      token: await system.serviceToken(practice, 'directory:write'),
    });
    await unwrap(
      platform.rest.PUT('/v1/practices/{practiceId}', {
        params: { path: { practiceId: practice } },
        body: { name: 'SDK practice', plan: 'team' },
      }),
    );
    for (const [personId, person] of Object.entries(people)) {
      await unwrap(
        platform.rest.PUT('/v1/practices/{practiceId}/people/{personId}', {
          params: { path: { practiceId: practice, personId } },
          body: person,
        }),
      );
    }
    olivia = createHuddleClient({
      baseUrl: system.url,
      token: () => system.personToken(practice, 'olivia'),
      WebSocket: WebSocket as never,
    });
    // Dana's calls and stream go through the proxy, so the test can cut them.
    dana = createHuddleClient({
      baseUrl: proxy.url,
      token: () => system.personToken(practice, 'dana'),
      WebSocket: WebSocket as never,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
    });
  });

  afterAll(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await proxy?.close();
    await system?.stop();
  });

  it('creates a chat with typed calls; a missing chat is a HuddleError 404 not_found', async () => {
    const chat = await unwrap(
      olivia.rest.POST('/v1/chats', {
        body: { name: 'Morning walkers', style: 'feed', participantIds: ['dana'] },
      }),
    );
    chatId = chat.id;
    expect(chat.title).toBe('Morning walkers');
    // Dana's membership reaches the chat service through the bus: wait for it.
    for (let attempt = 0; ; attempt += 1) {
      const seen = await unwrap(dana.rest.GET('/v1/chats/{chatId}', { params: { path: { chatId } } })).catch(
        (error: unknown) => error,
      );
      if (!(seen instanceof Error)) break;
      if (attempt > 100) throw seen;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const missing = await unwrap(
      olivia.rest.GET('/v1/chats/{chatId}', { params: { path: { chatId: 'nope' } } }),
    ).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(HuddleError);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('a post whose answer is lost is retried with the same Idempotency-Key: one message, answered once', async () => {
    let lost = 0;
    const flaky = createHuddleClient({
      baseUrl: system.url,
      token: () => system.personToken(practice, 'olivia'),
      retry: { baseDelayMs: 10, maxDelayMs: 50 },
      // The gateway gets the post and answers; the answer is lost on the way back, once.
      fetch: async (request) => {
        const response = await fetch(request);
        if (lost++ === 0) throw new TypeError('socket hang up');
        return response;
      },
    });
    const posted = await flaky.postMessage(chatId, { body: 'Walk at 8 tomorrow' });
    expect(lost).toBe(2);
    const { items } = await unwrap(
      olivia.rest.GET('/v1/chats/{chatId}/messages', { params: { path: { chatId } } }),
    );
    expect(
      items.filter((message) => message.body === 'Walk at 8 tomorrow').map((message) => message.id),
    ).toEqual([posted.id]);
  });

  it('iterates messages across cursor pages, newest first, fetching one page at a time', async () => {
    for (const body of ['one', 'two', 'three', 'four']) await olivia.postMessage(chatId, { body });
    let pageCount = 0;
    for await (const page of olivia.pages('/v1/chats/{chatId}/messages', {
      path: { chatId },
      query: { limit: 2 },
    })) {
      pageCount += 1;
      expect(page.items.length).toBeLessThanOrEqual(2);
    }
    const bodies: string[] = [];
    for await (const message of olivia.items('/v1/chats/{chatId}/messages', {
      path: { chatId },
      query: { limit: 2 },
    })) {
      bodies.push(message.body);
    }
    expect(bodies).toEqual(['four', 'three', 'two', 'one', 'Walk at 8 tomorrow']);
    expect(pageCount).toBe(3);
  });

  it('receives live typed events and typing, and after a forced reconnect gets what it missed, then live again', async () => {
    const stream = dana.stream();
    streams.push(stream);
    const events: StreamEvent[] = [];
    const created: Array<StreamEventOf<'message.created'>> = [];
    stream.onEvent((event) => events.push(event));
    stream.on('message.created', (event) => created.push(event));
    await stream.ready();

    const live = await olivia.postMessage(chatId, { body: 'Live one' });
    await until(() => created.some((event) => event.data.id === live.id), 'the live message');
    // Presented for Dana exactly as REST presents it to her.
    expect(created.find((event) => event.data.id === live.id)).toMatchObject({
      chatId,
      data: { body: 'Live one', author: { name: 'Olivia Owens', kind: 'practitioner' } },
    });

    const oliviaStream = olivia.stream();
    streams.push(oliviaStream);
    await oliviaStream.ready();
    const typing: Array<StreamEventOf<'typing'>> = [];
    stream.on('typing', (event) => typing.push(event));
    expect(oliviaStream.typing(chatId)).toBe(true);
    await until(() => typing.length === 1, 'the typing event');
    expect(typing[0]).toMatchObject({ chatId, data: { person: { name: 'Olivia Owens' } } });

    // The network drops Dana's stream; two messages are posted while she is away.
    const before = events.length;
    // The last kept event (a message, or the notification that followed it), never a typing or ready id.
    expect(stream.lastEventId).toBe(events.filter((event) => !event.id.startsWith('eph_')).at(-1)?.id);
    proxy.block();
    await until(() => stream.state === 'waiting', 'the drop');
    const missed = [
      await olivia.postMessage(chatId, { body: 'Missed one' }),
      await olivia.postMessage(chatId, { body: 'Missed two' }),
    ];
    proxy.unblock();
    await until(() => stream.state === 'live', 'live again', 20_000);

    const after = events.slice(before);
    const ready = after.findIndex((event) => event.type === 'stream.ready');
    const caughtUp = after.slice(0, ready);
    expect(after.some((event) => event.type === 'stream.reset')).toBe(false);
    // The missed messages came first, in order, before stream.ready (resumed with last_event_id).
    expect(
      caughtUp.filter((event) => event.type === 'message.created').map((event) => event.data.id),
    ).toEqual(missed.map((message) => message.id));

    const next = await olivia.postMessage(chatId, { body: 'Live again' });
    await until(() => created.some((event) => event.data.id === next.id), 'the next live message');
    const ids = events.filter((event) => !event.id.startsWith('eph_')).map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('close() stops the stream for good', async () => {
    const stream = dana.stream();
    await stream.ready();
    await stream.close();
    expect(stream.state).toBe('closed');
  });
});
