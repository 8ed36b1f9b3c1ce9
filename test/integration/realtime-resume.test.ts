import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

type Frame = Socket['events'][number];

/**
 * Issue 5, resumable streams through the real system: a socket that
 * reconnects with the last event id it saw gets exactly what it missed, in
 * order and presented for its viewer (G5), then live events; an id the log
 * does not hold gets `stream.reset`; a participant removed while away gets
 * nothing of that chat but their own `chat.left` (P4).
 */
describe('realtime: resuming a stream from the last event id', () => {
  let system: System;
  const practice = 'p-resume';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    fay: { kind: 'client', firstName: 'Fay', lastName: 'Quill' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const stream = async (who: Name, lastEventId?: string) =>
    openStream(system.url, await system.personToken(practice, who), { lastEventId });
  const open: Socket[] = [];
  let chatId: string;

  /** Frames up to (not including) `stream.ready`, once it came. */
  async function untilReady(socket: Socket): Promise<Frame[]> {
    const ready = await socket.next((event) => event.type === 'stream.ready');
    return socket.events.slice(0, socket.events.indexOf(ready));
  }

  /** Waits until `count` events of `type` for the chat arrived after `from`. */
  async function untilCount(socket: Socket, from: number, type: string, count: number) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const seen = socket.events.slice(from).filter((event) => event.type === type).length;
      if (seen >= count) return;
      await sleep(50);
    }
    throw new Error(`fewer than ${count} ${type}: ${JSON.stringify(socket.events.map((e) => e.type))}`);
  }

  const lastKept = (socket: Socket) =>
    [...socket.events].reverse().find((event) => !event.id.startsWith('eph_')) as Frame;

  beforeAll(async () => {
    system = await startSystem('realtime-resume');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'RS', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    const olivia = await as('olivia');
    const created = await olivia('POST', '/v1/chats', {
      name: 'Walkers',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['dana', 'eli', 'fay'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    for (const who of ['dana', 'eli', 'fay'] as Name[]) {
      const caller = await as(who);
      for (let attempt = 0; (await caller('GET', `/v1/chats/${chatId}`)).status !== 200; attempt += 1) {
        if (attempt > 50) throw new Error(`${who} never became a member`);
        await sleep(100);
      }
    }
  });

  afterAll(async () => {
    for (const socket of open) socket.close();
    await system?.stop();
  });

  it('a client that reconnects with the last id gets exactly what it missed, in order and presented for it, then live events', async () => {
    const eli = await as('eli');
    const olivia = await as('olivia');
    // Dana keeps one socket open throughout: it shows what the reconnecting one should catch up on.
    const kept = await stream('dana');
    const away = await stream('dana');
    open.push(kept, away);
    await Promise.all([untilReady(kept), untilReady(away)]);

    expect((await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Before the break' })).status).toBe(
      201,
    );
    await untilCount(away, 0, 'message.created', 1);
    await untilCount(away, 0, 'notification.created', 1);
    await sleep(300);
    const lastSeen = lastKept(away);
    expect(lastKept(kept).id).toBe(lastSeen.id);
    away.close();
    const from = kept.events.length;

    const first = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Missed one' });
    const second = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Missed two' });
    expect((await olivia('PUT', `/v1/chats/${chatId}/pins/${first.body.id}`)).status).toBe(200);
    await untilCount(kept, from, 'message.created', 2);
    await untilCount(kept, from, 'message.pinned', 1);
    await untilCount(kept, from, 'notification.created', 2);
    await sleep(300);
    const missed = kept.events.slice(from).filter((event) => !event.id.startsWith('eph_'));

    const back = await stream('dana', lastSeen.id);
    open.push(back);
    const replayed = await untilReady(back);
    // Exactly what the open socket got while this one was away, presented the same way (G5).
    const byId = (a: Frame, b: Frame) => a.id.localeCompare(b.id);
    expect([...replayed].sort(byId)).toEqual([...missed].sort(byId));
    // Messages, pins and each person's events keep their order.
    const chatOrder = (frames: Frame[]) =>
      frames
        .filter((event) => event.type.startsWith('message.'))
        .map((event) => [event.type, event.data.id ?? event.data.messageId]);
    expect(chatOrder(replayed)).toEqual([
      ['message.created', first.body.id],
      ['message.created', second.body.id],
      ['message.pinned', first.body.id],
    ]);
    const post = replayed.find((event) => event.type === 'message.created');
    expect(post?.data).toMatchObject({ body: 'Missed one', author: { id: null, photoUrl: null } });
    expect(JSON.stringify(replayed)).not.toMatch(/Eli|Jones/);

    // Then live events, once each.
    const live = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Back live' });
    await back.next((event) => event.type === 'message.created' && event.data.id === live.body.id);
    await sleep(300);
    const ids = back.events.map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('an id the log does not hold gets stream.reset, then stream.ready', async () => {
    const socket = await stream('dana', 'no-such-event');
    open.push(socket);
    const before = await untilReady(socket);
    expect(before.map((event) => event.type)).toEqual(['stream.reset']);
    expect(before[0]).toMatchObject({ chatId: null, data: {} });
  });

  it('P4: a participant removed while away gets nothing of that chat on resume but their own chat.left', async () => {
    const eli = await as('eli');
    const olivia = await as('olivia');
    const fay = await as('fay');
    const watcher = await stream('olivia');
    const away = await stream('fay');
    open.push(watcher, away);
    await Promise.all([untilReady(watcher), untilReady(away)]);

    expect((await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Hello Fay' })).status).toBe(201);
    await untilCount(away, 0, 'notification.created', 1);
    await sleep(300);
    const lastSeen = lastKept(away);
    away.close();

    // Logged for Fay while she is still a participant, then she is removed.
    const from = watcher.events.length;
    const missed = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'While Fay is away' });
    await watcher.next((event) => event.type === 'message.created' && event.data.id === missed.body.id);
    expect(
      (await olivia('DELETE', `/v1/chats/${chatId}/participants/fay?messages=keep`)).status,
    ).toBeLessThan(300);
    await untilCount(watcher, from, 'participant.removed', 1);
    for (let attempt = 0; (await fay('GET', `/v1/chats/${chatId}`)).status !== 404; attempt += 1) {
      if (attempt > 50) throw new Error('Fay still sees the chat');
      await sleep(100);
    }

    const back = await stream('fay', lastSeen.id);
    open.push(back);
    // Her id was found (no reset), and of the chat she was removed from only her own notice is
    // replayed: the chat id alone, not the message logged for her before the removal.
    const replayed = await untilReady(back);
    expect(replayed).toEqual([{ id: expect.any(String), type: 'chat.left', chatId, data: { chatId } }]);
    await sleep(300);
    expect(back.events.filter((event) => event.chatId === chatId)).toEqual(replayed);
  });
});
