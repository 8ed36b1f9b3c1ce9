import type { AddressInfo } from 'node:net';
import type { RealtimeEvent } from '@huddle/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { App } from '../../src/fastify-app';
import { type SocketEvent, StreamHub, type StreamSocket } from '../../src/realtime/hub';
import type { CatchUp } from '../../src/realtime/port';
import {
  fakeRealtime,
  groupParticipants,
  personToken,
  practiceId,
  serviceToken,
  testApp,
  testConfig,
} from './support';

const messageCreated = (
  overrides: Partial<RealtimeEvent> = {},
  data: Record<string, unknown> = {},
): RealtimeEvent => ({
  id: 'evt1',
  type: 'message.created',
  practiceId,
  chatId: 'chat1',
  data: {
    practiceId,
    message: {
      id: 'm9',
      chatId: 'chat1',
      seq: 9,
      parentId: null,
      authorId: 'eli',
      body: 'See you at 7',
      mentions: ['dana'],
      attachmentIds: [],
      createdAt: '2025-01-02T03:04:05.000Z',
      ...data,
    },
  },
  ...overrides,
});

describe('GET /v1/stream', () => {
  let setup: Awaited<ReturnType<typeof testApp>>;
  let app: App;
  let base: string;
  const open: WebSocket[] = [];

  beforeEach(async () => {
    setup = await testApp();
    app = setup.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/stream`;
  });
  afterEach(async () => {
    for (const socket of open.splice(0)) socket.terminate();
    await app.close();
  });

  function connect(query: string, headers: Record<string, string> = {}) {
    const socket = new WebSocket(`${base}${query}`, { headers });
    open.push(socket);
    const frames: SocketEvent[] = [];
    // `opened` waits for `stream.ready`: from then on, published events reach the socket.
    let ready: () => void = () => {};
    const opened = new Promise<void>((resolve, reject) => {
      ready = resolve;
      socket.once('error', reject);
    });
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as SocketEvent;
      if (frame.type === 'stream.ready') ready();
      else frames.push(frame);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
    return { socket, frames, opened, closed };
  }

  const until = (check: () => boolean) => vi.waitFor(() => expect(check()).toBe(true), { timeout: 2_000 });

  it('closes with 4401 when the token is missing or bad', async () => {
    expect((await connect('').closed).code).toBe(4401);
    expect((await connect('?access_token=not-a-token').closed).code).toBe(4401);
  });

  it('closes with 4403 for a service token', async () => {
    expect((await connect(`?access_token=${await serviceToken()}`).closed).code).toBe(4403);
  });

  it('delivers a new message presented for the viewer, as REST presents it', async () => {
    const dana = connect('', { authorization: `Bearer ${await personToken('dana')}` });
    await dana.opened;
    await until(() => setup.realtime.handlers.size === 1);
    setup.realtime.publish('dana', messageCreated());
    await until(() => dana.frames.length === 1);
    expect(dana.frames[0]).toEqual({
      id: 'evt1',
      type: 'message.created',
      chatId: 'chat1',
      data: expect.objectContaining({
        id: 'm9',
        seq: 9,
        author: { id: 'eli', name: 'Eli Jones', photoUrl: 'https://img.example/eli.png', kind: 'client' },
        mentions: [
          { id: 'dana', name: 'Dana Smith', photoUrl: 'https://img.example/dana.png', kind: 'client' },
        ],
        body: 'See you at 7',
        createdAt: '2025-01-02T03:04:05.000Z',
      }),
    });
  });

  it('G5: a client receives other clients under their pseudonym when identities are hidden', async () => {
    setup.state.chat = { ...setup.state.chat, hideClientIdentities: true };
    const dana = connect(`?access_token=${await personToken('dana')}`);
    await dana.opened;
    await until(() => setup.realtime.handlers.size === 1);
    setup.realtime.publish('dana', messageCreated());
    await until(() => dana.frames.length === 1);
    expect(dana.frames[0]?.data).toMatchObject({
      author: {
        id: null,
        name: 'Member 4',
        photoUrl: null,
        kind: 'client',
      },
    });
    expect(JSON.stringify(dana.frames[0])).not.toMatch(/eli|Jones/);
  });

  it('P4: a removed participant receives nothing more for that chat', async () => {
    const dana = connect(`?access_token=${await personToken('dana')}`);
    await dana.opened;
    await until(() => setup.realtime.handlers.size === 1);
    setup.state.participants = groupParticipants.filter((p) => p.personId !== 'dana');
    setup.realtime.publish('dana', messageCreated());
    setup.realtime.publish('dana', messageCreated({ id: 'evt2', type: 'chat.renamed', data: {} }));
    await until(() => setup.services.chat.getChat.mock.calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dana.frames).toEqual([]);
  });

  it("issue 11: a person's socket past STREAM_MAX_SOCKETS_PER_PERSON closes with 4429; after a close one is accepted", async () => {
    await app.close();
    setup = await testApp({}, { ...testConfig, stream: { maxSocketsPerPerson: 2 } });
    app = setup.app;
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/stream`;
    const token = await personToken('dana');
    const first = connect(`?access_token=${token}`);
    const second = connect(`?access_token=${token}`);
    await Promise.all([first.opened, second.opened]);
    expect(await connect(`?access_token=${token}`).closed).toEqual({
      code: 4429,
      reason: 'Too many open streams for this person',
    });
    // Existing sockets keep working.
    setup.realtime.publish('dana', messageCreated());
    await until(() => first.frames.length === 1 && second.frames.length === 1);
    first.socket.close();
    await first.closed;
    // The gateway counts the socket gone once it sees the close; until then a new one may still be refused.
    await vi.waitFor(
      async () => {
        const next = connect(`?access_token=${token}`);
        const outcome = await Promise.race([
          next.opened.then(() => 'ready'),
          next.closed.then(({ code }) => code),
        ]);
        expect(outcome).toBe('ready');
      },
      { timeout: 2_000 },
    );
  });

  it("one subscription serves all of a person's sockets and ends with the last of them", async () => {
    const token = await personToken('dana');
    const first = connect(`?access_token=${token}`);
    const second = connect(`?access_token=${token}`);
    await Promise.all([first.opened, second.opened]);
    await until(
      () =>
        setup.realtime.feed.subscriptions === 1 &&
        setup.realtime.handlers.size === 1 &&
        setup.realtime.chatHandlers.size === 1,
    );
    setup.realtime.publish('dana', messageCreated());
    await until(() => first.frames.length === 1 && second.frames.length === 1);
    expect(setup.services.chat.getChat).toHaveBeenCalledTimes(1);
    first.socket.close();
    await first.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(setup.realtime.feed.unsubscriptions).toBe(0);
    second.socket.close();
    await until(() => setup.realtime.feed.unsubscriptions === 1 && setup.realtime.chatHandlers.size === 0);
  });
});

describe('StreamHub', () => {
  const person = { practiceId, personId: 'dana' };
  const logger = { warn: vi.fn() };
  const limits = { maxBufferedBytes: 1024, maxPendingEvents: 2, maxSocketsPerPerson: 20 };

  function socket(bufferedAmount = 0): StreamSocket & { sent: string[]; closedWith?: number } {
    const fake = {
      bufferedAmount,
      readyState: 1,
      sent: [] as string[],
      closedWith: undefined as number | undefined,
      send: (data: string) => fake.sent.push(data),
      close: (code: number) => {
        fake.closedWith = code;
      },
    };
    return fake;
  }

  const presented = async (_: unknown, event: RealtimeEvent): Promise<SocketEvent> => ({
    id: event.id,
    type: event.type,
    chatId: event.chatId,
    data: {},
  });

  it("issue 11: closes a person's socket past the cap with 4429; after one closes, a new one is accepted", async () => {
    const realtime = fakeRealtime();
    const hub = new StreamHub(
      realtime.feed,
      presented,
      logger,
      { ...limits, maxSocketsPerPerson: 2 },
      realtime.log,
      realtime.chatsOf,
    );
    const [first, second, third] = [socket(), socket(), socket()];
    expect(await hub.attach(person, first)).toBe('live');
    expect(await hub.attach(person, second)).toBe('live');
    expect(await hub.attach(person, third)).toBe('refused');
    expect(third.closedWith).toBe(4429);
    // Another person is not held to dana's count.
    expect(await hub.attach({ practiceId, personId: 'eli' }, socket())).toBe('live');
    // The open ones keep working.
    realtime.publish('dana', messageCreated());
    await vi.waitFor(() => expect(second.sent).toHaveLength(1));
    expect(first.sent).toHaveLength(1);
    expect(third.sent).toEqual([]);
    hub.detach(person, first);
    const fourth = socket();
    expect(await hub.attach(person, fourth)).toBe('live');
    expect(fourth.closedWith).toBeUndefined();
  });

  it('closes a socket with 1013 instead of buffering past its limit', async () => {
    const realtime = fakeRealtime();
    const hub = new StreamHub(realtime.feed, presented, logger, limits, realtime.log, realtime.chatsOf);
    const slow = socket(1020);
    const fast = socket();
    await hub.attach(person, slow);
    await hub.attach(person, fast);
    realtime.publish('dana', messageCreated());
    await vi.waitFor(() => expect(fast.sent).toHaveLength(1));
    expect(slow.closedWith).toBe(1013);
    expect(slow.sent).toEqual([]);
  });

  it('closes the sockets with 1013 when events pile up faster than they are presented', async () => {
    const realtime = fakeRealtime();
    const never = () => new Promise<SocketEvent>(() => {});
    const hub = new StreamHub(realtime.feed, never, logger, limits, realtime.log, realtime.chatsOf);
    const client = socket();
    await hub.attach(person, client);
    for (let index = 0; index < 3; index += 1) realtime.publish('dana', messageCreated({ id: `e${index}` }));
    expect(client.closedWith).toBe(1013);
  });

  it('closes the sockets with 1013 when an event cannot be presented, rather than dropping it silently', async () => {
    const realtime = fakeRealtime();
    const failing = async () => {
      throw new Error('chat service down');
    };
    const hub = new StreamHub(realtime.feed, failing, logger, limits, realtime.log, realtime.chatsOf);
    const client = socket();
    await hub.attach(person, client);
    realtime.publish('dana', messageCreated());
    await vi.waitFor(() => expect(client.closedWith).toBe(1013));
  });

  it("delivers a person's events in the order they arrived", async () => {
    const realtime = fakeRealtime();
    const slowFirst = async (_: unknown, event: RealtimeEvent) => {
      if (event.id === 'first') await new Promise((resolve) => setTimeout(resolve, 20));
      return presented(_, event);
    };
    const hub = new StreamHub(
      realtime.feed,
      slowFirst,
      logger,
      { ...limits, maxPendingEvents: 10 },
      realtime.log,
      realtime.chatsOf,
    );
    const client = socket();
    await hub.attach(person, client);
    realtime.publish('dana', messageCreated({ id: 'first' }));
    realtime.publish('dana', messageCreated({ id: 'second' }));
    await vi.waitFor(() => expect(client.sent).toHaveLength(2));
    expect(client.sent.map((frame) => JSON.parse(frame).id)).toEqual(['first', 'second']);
  });

  it('drops an event it already delivered: realtime delivery is at least once', async () => {
    const realtime = fakeRealtime();
    const hub = new StreamHub(
      realtime.feed,
      presented,
      logger,
      { ...limits, maxPendingEvents: 10 },
      realtime.log,
      realtime.chatsOf,
    );
    const client = socket();
    await hub.attach(person, client);
    realtime.publish('dana', messageCreated({ id: 'once' }));
    realtime.publish('dana', messageCreated({ id: 'once' }));
    realtime.publish('dana', messageCreated({ id: 'next' }));
    await vi.waitFor(() =>
      expect(client.sent.map((frame) => JSON.parse(frame).id)).toEqual(['once', 'next']),
    );
  });

  const chatEvent = (event: RealtimeEvent, recipients: string[]) => ({ ...event, recipients });

  it("P4: a chat's event, sent once, reaches the connected people it names and no one else", async () => {
    const realtime = fakeRealtime();
    const hub = new StreamHub(realtime.feed, presented, logger, limits, realtime.log, realtime.chatsOf);
    const [dana, eli, olivia] = [socket(), socket(), socket()];
    await hub.attach(person, dana);
    await hub.attach({ practiceId, personId: 'eli' }, eli);
    await hub.attach({ practiceId, personId: 'olivia' }, olivia);
    // One subscription for the chat, however many of its people are connected here.
    expect(hub.followedChats).toBe(1);
    realtime.chatHandlers.get(`${practiceId}/chat1`)?.(chatEvent(messageCreated(), ['dana', 'olivia']));
    await vi.waitFor(() => expect(olivia.sent).toHaveLength(1));
    expect(dana.sent).toHaveLength(1);
    expect(eli.sent).toEqual([]);
  });

  it("follows a chat on the person's own participant.added, catching up on the chat's log from it, and drops it on their own chat.left", async () => {
    const realtime = fakeRealtime();
    realtime.chatsOf.mockResolvedValueOnce({ chatIds: [], leftChatIds: [] });
    const hub = new StreamHub(
      realtime.feed,
      presented,
      logger,
      { ...limits, maxPendingEvents: 10 },
      realtime.log,
      realtime.chatsOf,
    );
    const client = socket();
    await hub.attach(person, client);
    expect(hub.followedChats).toBe(0);
    const added: RealtimeEvent = {
      id: 'added',
      type: 'participant.added',
      practiceId,
      chatId: 'chat2',
      data: { practiceId, participant: { chatId: 'chat2', personId: 'dana', role: 'client' } },
    };
    realtime.log.joined.mockResolvedValueOnce({
      found: true,
      events: [chatEvent(messageCreated({ id: 'sent-meanwhile', chatId: 'chat2' }), ['dana'])],
    });
    realtime.handlers.get(`${practiceId}/dana`)?.(added);
    await vi.waitFor(() => expect(hub.followedChats).toBe(1));
    expect(realtime.log.joined).toHaveBeenCalledWith(
      { practiceId, personId: 'dana', chatId: 'chat2' },
      'added',
      expect.anything(),
    );
    // The chat's own copy of the same event is a repeat.
    realtime.chatHandlers.get(`${practiceId}/chat2`)?.(chatEvent(added, ['dana']));
    await vi.waitFor(() =>
      expect(client.sent.map((frame) => JSON.parse(frame).id)).toEqual(['added', 'sent-meanwhile']),
    );
    const removed: RealtimeEvent = {
      id: 'removed',
      type: 'participant.removed',
      practiceId,
      chatId: 'chat2',
      data: { practiceId, chatId: 'chat2', personId: 'dana', messages: 'keep' },
    };
    // The removal reaches the others; P4: its later events name her no more.
    realtime.chatHandlers.get(`${practiceId}/chat2`)?.(chatEvent(removed, ['olivia']));
    realtime.chatHandlers.get(`${practiceId}/chat2`)?.(
      chatEvent(messageCreated({ id: 'after', chatId: 'chat2' }), ['olivia']),
    );
    // Her own notice is all she gets of it, and her gateway stops following the chat.
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'removed',
      type: 'chat.left',
      practiceId,
      chatId: 'chat2',
      data: { chatId: 'chat2', personId: 'dana' },
    });
    expect(hub.followedChats).toBe(0);
    await vi.waitFor(() =>
      expect(client.sent.map((frame) => JSON.parse(frame).type)).toEqual([
        'participant.added',
        'message.created',
        'chat.left',
      ]),
    );
  });

  it("a just-joined chat's live events wait for what its log gives, and follow it in order", async () => {
    const realtime = fakeRealtime();
    realtime.chatsOf.mockResolvedValueOnce({ chatIds: [], leftChatIds: [] });
    const hub = new StreamHub(realtime.feed, presented, logger, limits, realtime.log, realtime.chatsOf);
    const client = socket();
    await hub.attach(person, client);
    let answer: (catchUp: CatchUp) => void = () => {};
    realtime.log.joined.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'added',
      type: 'participant.added',
      practiceId,
      chatId: 'chat2',
      data: { practiceId, participant: { chatId: 'chat2', personId: 'dana', role: 'client' } },
    });
    await vi.waitFor(() => expect(realtime.log.joined).toHaveBeenCalled());
    realtime.chatHandlers.get(`${practiceId}/chat2`)?.(
      chatEvent(messageCreated({ id: 'live', chatId: 'chat2' }), ['dana']),
    );
    answer({ found: true, events: [chatEvent(messageCreated({ id: 'logged', chatId: 'chat2' }), ['dana'])] });
    await vi.waitFor(() =>
      expect(client.sent.map((frame) => JSON.parse(frame).id)).toEqual(['added', 'logged', 'live']),
    );
  });

  it('P4: removed while the chat just joined is read from its log, the person gets nothing of it after their chat.left', async () => {
    const realtime = fakeRealtime();
    realtime.chatsOf.mockResolvedValueOnce({ chatIds: [], leftChatIds: [] });
    const hub = new StreamHub(
      realtime.feed,
      presented,
      logger,
      { ...limits, maxPendingEvents: 10 },
      realtime.log,
      realtime.chatsOf,
    );
    const client = socket();
    await hub.attach(person, client);
    let answer: (catchUp: CatchUp) => void = () => {};
    realtime.log.joined.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'added',
      type: 'participant.added',
      practiceId,
      chatId: 'chat2',
      data: { practiceId, participant: { chatId: 'chat2', personId: 'dana', role: 'client' } },
    });
    await vi.waitFor(() => expect(realtime.log.joined).toHaveBeenCalled());
    realtime.chatHandlers.get(`${practiceId}/chat2`)?.(
      chatEvent(messageCreated({ id: 'live', chatId: 'chat2' }), ['dana']),
    );
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'removed',
      type: 'chat.left',
      practiceId,
      chatId: 'chat2',
      data: { chatId: 'chat2', personId: 'dana' },
    });
    answer({ found: true, events: [chatEvent(messageCreated({ id: 'logged', chatId: 'chat2' }), ['dana'])] });
    await vi.waitFor(() => expect(client.sent.map((frame) => JSON.parse(frame).id)).toContain('removed'));
    // A later event of hers marks the end: her events are sent in the order they came.
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'later',
      type: 'personal_state.updated',
      practiceId,
      chatId: 'chat1',
      data: {
        practiceId,
        chatId: 'chat1',
        personId: 'dana',
        pinned: true,
        archived: false,
        mutedUntil: null,
      },
    });
    await vi.waitFor(() => expect(client.sent.map((frame) => JSON.parse(frame).id)).toContain('later'));
    expect(client.sent.map((frame) => JSON.parse(frame).id)).toEqual(['added', 'removed', 'later']);
    expect(hub.followedChats).toBe(0);
  });

  it("closes the person's sockets to resume when the chat just joined cannot be read from its log", async () => {
    const realtime = fakeRealtime();
    realtime.chatsOf.mockResolvedValueOnce({ chatIds: [], leftChatIds: [] });
    const hub = new StreamHub(realtime.feed, presented, logger, limits, realtime.log, realtime.chatsOf);
    const client = socket();
    await hub.attach(person, client);
    realtime.handlers.get(`${practiceId}/dana`)?.({
      id: 'added',
      type: 'participant.added',
      practiceId,
      chatId: 'chat2',
      data: { practiceId, participant: { chatId: 'chat2', personId: 'dana', role: 'client' } },
    });
    // The resume reads every chat's log from the socket's last event id, the new chat's too.
    await vi.waitFor(() => expect(client.closedWith).toBe(1013));
  });

  it('a person whose chats cannot be listed is not attached, and the next socket asks again', async () => {
    const realtime = fakeRealtime();
    realtime.chatsOf.mockRejectedValueOnce(new Error('chat service down'));
    const hub = new StreamHub(realtime.feed, presented, logger, limits, realtime.log, realtime.chatsOf);
    const first = socket();
    await expect(hub.attach(person, first)).rejects.toThrow('chat service down');
    hub.detach(person, first);
    expect(await hub.attach(person, socket())).toBe('live');
    expect(hub.followedChats).toBe(1);
  });
});
