import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { HuddleStream, type StreamEvent, type StreamState } from '../../src';
import { tokenExpiry } from '../../src/stream';

/**
 * The stream client against a local WebSocket server speaking the gateway's
 * frames: reconnects, resume ids, close codes, typing and token renewal.
 */

interface Connection {
  socket: WebSocket;
  url: URL;
  received: string[];
}

async function streamServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const connections: Connection[] = [];
  const waiting: Array<(connection: Connection) => void> = [];
  server.on('connection', (socket, request) => {
    const connection = { socket, url: new URL(request.url ?? '/', 'ws://x'), received: [] as string[] };
    socket.on('message', (data) => connection.received.push(String(data)));
    connections.push(connection);
    waiting.shift()?.(connection);
  });
  let taken = 0;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/stream`,
    connections,
    /** The next connection not yet handed out. */
    next(): Promise<Connection> {
      const index = taken++;
      const ready = connections[index];
      if (ready) return Promise.resolve(ready);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

const frame = (id: string, type: string, data: unknown = {}, chatId: string | null = 'c1') =>
  JSON.stringify({ id, type, chatId, data });

const until = async (check: () => boolean, what: string) => {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

let cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((step) => step()));
  cleanup = [];
});

async function setUp(token: HuddleStream['lastEventId'] | (() => string) = 'token-1', lastEventId?: string) {
  const server = await streamServer();
  const stream = new HuddleStream({
    url: server.url,
    token: token ?? 'token-1',
    WebSocket: WebSocket as never,
    backoff: { baseDelayMs: 1, maxDelayMs: 5 },
    ...(lastEventId ? { lastEventId } : {}),
  });
  const events: StreamEvent[] = [];
  const states: StreamState[] = [];
  stream.onEvent((event) => events.push(event));
  stream.onState(({ state }) => states.push(state));
  cleanup.push(
    () => stream.close(),
    () => server.close(),
  );
  stream.start();
  return { server, stream, events, states };
}

describe('HuddleStream', () => {
  it('authenticates with ?access_token=, narrows events by type and tracks the resume id (never an eph_ id)', async () => {
    const { server, stream, events } = await setUp('token-1', 'e0');
    const created: string[] = [];
    stream.on('message.created', (event) => created.push(event.data.body));
    const connection = await server.next();
    expect(connection.url.pathname).toBe('/v1/stream');
    expect(connection.url.searchParams.get('access_token')).toBe('token-1');
    expect(connection.url.searchParams.get('last_event_id')).toBe('e0');

    connection.socket.send(frame('e1', 'message.created', { body: 'Hello', id: 'm1' }));
    connection.socket.send(frame('eph_1', 'stream.ready', {}, null));
    await stream.ready();
    connection.socket.send(frame('eph_2', 'typing', { person: { name: 'Dana' } }));
    // The gateway may deliver an event twice (a retried publish): the repeat is dropped.
    connection.socket.send(frame('e1', 'message.created', { body: 'Hello', id: 'm1' }));
    connection.socket.send(frame('e2', 'message.deleted', { messageId: 'm1', message: null }));
    await until(() => events.length === 4, 'four events');
    expect(events.map((event) => event.type)).toEqual([
      'message.created',
      'stream.ready',
      'typing',
      'message.deleted',
    ]);
    expect(created).toEqual(['Hello']);
    expect(stream.lastEventId).toBe('e2');
    expect(stream.state).toBe('live');
  });

  it('reconnects after a drop (1013, then a cut connection) with backoff, resuming after the last kept event', async () => {
    const { server, stream, states } = await setUp();
    const first = await server.next();
    first.socket.send(frame('e7', 'message.updated', { body: 'Edited' }));
    first.socket.send(frame('eph_9', 'stream.ready', {}, null));
    await stream.ready();
    first.socket.close(1013, 'Try again later');

    const second = await server.next();
    expect(second.url.searchParams.get('last_event_id')).toBe('e7');
    await until(() => stream.state === 'catching_up', 'open again');
    expect(states).toEqual(['connecting', 'catching_up', 'live', 'waiting', 'connecting', 'catching_up']);
    second.socket.send(frame('eph_10', 'stream.reset', {}, null));
    second.socket.send(frame('eph_11', 'stream.ready', {}, null));
    await stream.ready();

    second.socket.terminate();
    const third = await server.next();
    expect(third.url.searchParams.get('last_event_id')).toBe('e7');
  });

  it('surfaces stream.reset to its listeners', async () => {
    const { server, stream } = await setUp('token-1', 'e-old');
    const resets: StreamEvent[] = [];
    stream.on('stream.reset', (event) => resets.push(event));
    const connection = await server.next();
    connection.socket.send(frame('eph_1', 'stream.reset', {}, null));
    await until(() => resets.length === 1, 'the reset');
    expect(resets[0]).toMatchObject({ type: 'stream.reset', chatId: null });
  });

  it('stops for good on 4403 and on 4401 with a fixed token', async () => {
    for (const code of [4403, 4401]) {
      const { server, stream, states } = await setUp();
      const connection = await server.next();
      connection.socket.close(code, 'No');
      await until(() => stream.state === 'closed', `closed after ${code}`);
      await expect(stream.ready()).rejects.toThrow(String(code));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(server.connections).toHaveLength(1);
      expect(states.at(-1)).toBe('closed');
    }
  });

  it('4401 with a token source: reconnects once with a fresh token, stops after a second 4401 in a row', async () => {
    let issued = 0;
    const { server, stream } = await setUp(() => `token-${++issued}`);
    (await server.next()).socket.close(4401, 'The token has expired');
    const second = await server.next();
    expect(second.url.searchParams.get('access_token')).toBe('token-2');
    second.socket.close(4401, 'Still not');
    await until(() => stream.state === 'closed', 'closed');
    expect(server.connections).toHaveLength(2);
  });

  it('close() stops cleanly: the socket closes with 1000 and nothing reconnects', async () => {
    const { server, stream } = await setUp();
    const connection = await server.next();
    await until(() => stream.state === 'catching_up', 'open');
    const closed = new Promise<number>((resolve) => connection.socket.once('close', (code) => resolve(code)));
    await stream.close();
    expect(await closed).toBe(1000);
    expect(stream.state).toBe('closed');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(server.connections).toHaveLength(1);
  });

  it('reconnect() resumes at once; the async iterator ends when the stream closes', async () => {
    const { server, stream } = await setUp();
    const first = await server.next();
    first.socket.send(frame('e1', 'chat.updated', { title: 'Walkers' }));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of stream) seen.push(event.id);
    })();
    await until(() => stream.lastEventId === 'e1', 'the first event');
    stream.reconnect();
    const second = await server.next();
    expect(second.url.searchParams.get('last_event_id')).toBe('e1');
    second.socket.send(frame('e2', 'chat.updated', { title: 'Walkers' }));
    await until(() => seen.includes('e2'), 'the second event');
    await stream.close();
    await reading;
  });

  it('sends typing frames, at most one per chat every 2 s', async () => {
    const { server, stream } = await setUp();
    const connection = await server.next();
    await until(() => stream.state === 'catching_up', 'open');
    expect(stream.typing('c1', 10_000)).toBe(true);
    expect(stream.typing('c1', 11_000)).toBe(false);
    expect(stream.typing('c2', 11_000)).toBe(true);
    expect(stream.typing('c1', 12_000)).toBe(true);
    await until(() => connection.received.length === 3, 'three frames');
    expect(connection.received.map((raw) => JSON.parse(raw))).toEqual([
      { type: 'typing', chatId: 'c1' },
      { type: 'typing', chatId: 'c2' },
      { type: 'typing', chatId: 'c1' },
    ]);
  });

  it('renews a token about to expire on the socket ({type: "auth"}) with the token source’s next token', async () => {
    const jwt = (exp: number) =>
      `h.${Buffer.from(JSON.stringify({ sub: 'dana', exp })).toString('base64url')}.s`;
    const soon = jwt(Math.floor(Date.now() / 1000) + 30);
    const later = jwt(Math.floor(Date.now() / 1000) + 3600);
    const tokens = [soon, later];
    const { server } = await setUp(() => tokens.shift() ?? later);
    const connection = await server.next();
    // Renewal is due a minute before exp: at once for a token with 30 s left.
    await until(() => connection.received.length === 1, 'the auth frame');
    expect(JSON.parse(connection.received[0]!)).toEqual({ type: 'auth', token: later });
    expect(tokenExpiry(later)).toBeGreaterThan(Date.now());
    expect(tokenExpiry('not-a-jwt')).toBeUndefined();
  });
});
