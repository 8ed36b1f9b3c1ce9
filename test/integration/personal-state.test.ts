import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X4 personal chat state through the real system: PUT /v1/chats/{id}/me validated and
 * for participants only; chat lists order pinned first, hide archived unless asked and
 * page across both; a new message unarchives; a mute lets only mentions notify (G9) and
 * runs out by itself; the person's other sockets learn each change, nobody else does.
 */
describe('X4 personal chat state', () => {
  let system: System;
  const practice = 'p-personal';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    omar: { kind: 'client', firstName: 'Omar', lastName: 'Outsider' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const chats = {} as Record<'a' | 'b' | 'c', string>;
  let oliviaPhone: Socket;
  let oliviaLaptop: Socket;
  let danaSocket: Socket;

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  /** The chat service learns of members from the participant service: wait until it has. */
  async function untilMember(who: Name, chatId: string) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`${who} never became a member`);
  }

  async function post(who: Name, chatId: string, body: string, mentions: string[] = []) {
    const reply = await (await as(who))('POST', `/v1/chats/${chatId}/messages`, { body, mentions });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id as string;
  }

  const setState = async (who: Name, chatId: string, state: Record<string, unknown>) =>
    (await as(who))('PUT', `/v1/chats/${chatId}/me`, state);

  const listIds = async (who: Name, query = '') => {
    const reply = await (await as(who))('GET', `/v1/chats${query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.items.map((item: { id: string }) => item.id) as string[];
  };

  /** The person's notification of a message, once the inbox consumer has handled it for someone. */
  async function notificationsOf(who: Name, messageId: string) {
    const inbox = await (await as(who))('GET', '/v1/notifications?limit=200');
    return inbox.body.items.filter((item: { messageId: string | null }) => item.messageId === messageId);
  }

  /** Terry is never muted: once Terry is notified of a message, its fan-out is done for everyone. */
  async function fannedOut(messageId: string) {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await notificationsOf('terry', messageId)).length > 0) return;
      await sleep(100);
    }
    throw new Error('the message was never fanned out');
  }

  beforeAll(async () => {
    system = await startSystem('personal-state');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X4', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    const olivia = await as('olivia');
    for (const key of ['a', 'b', 'c'] as const) {
      const created = await olivia('POST', '/v1/chats', {
        name: `Chat ${key}`,
        style: 'direct',
        participantIds: ['terry', 'dana'],
      });
      expect(created.status).toBe(201);
      chats[key] = created.body.id;
      await untilMember('dana', chats[key]);
      await untilMember('terry', chats[key]);
    }
    oliviaPhone = await openStream(system.url, await system.personToken(practice, 'olivia'));
    oliviaLaptop = await openStream(system.url, await system.personToken(practice, 'olivia'));
    danaSocket = await openStream(system.url, await system.personToken(practice, 'dana'));
    for (const socket of [oliviaPhone, oliviaLaptop, danaSocket]) {
      await socket.next((event) => event.type === 'stream.ready');
    }
  });

  afterAll(async () => {
    for (const socket of [oliviaPhone, oliviaLaptop, danaSocket]) socket?.close();
    await system?.stop();
  });

  it('X4: PUT /me refuses bad input with 400 and answers 404 to non-participants', async () => {
    const { a } = chats;
    expectProblem(await setState('olivia', a, {}), 400, 'validation_failed');
    expectProblem(await setState('olivia', a, { pinned: 'yes' }), 400, 'validation_failed');
    expectProblem(await setState('olivia', a, { starred: true }), 400, 'validation_failed');
    expectProblem(await setState('olivia', a, { mutedUntil: 'tomorrow' }), 400, 'validation_failed');
    expectProblem(
      await setState('olivia', a, { mutedUntil: new Date(Date.now() - 60_000).toISOString() }),
      400,
      'validation_failed',
    );
    expectProblem(
      await (await as('olivia'))('PUT', `/v1/chats/${a}/me`, 'not json'),
      400,
      'validation_failed',
    );
    expectProblem(await setState('omar', a, { pinned: true }), 404, 'not_found');
    expectProblem(await setState('olivia', 'no-such-chat', { pinned: true }), 404, 'not_found');
    // Nothing changed.
    const item = (await (await as('olivia'))('GET', '/v1/chats')).body.items.find(
      (chat: { id: string }) => chat.id === a,
    );
    expect(item).toMatchObject({ pinned: false, archived: false, mutedUntil: null });
  });

  it('X4: pinned chats come first, archived ones only when asked, across pages; my state is mine alone', async () => {
    const { a, b, c } = chats;
    // Activity: c oldest, then b, then a newest.
    await post('olivia', c, 'c');
    await post('olivia', b, 'b');
    await post('olivia', a, 'a');
    expect(await listIds('olivia')).toEqual([a, b, c]);

    const pinned = await setState('olivia', c, { pinned: true });
    expect(pinned.body).toEqual({ pinned: true, archived: false, mutedUntil: null });
    expect((await setState('olivia', b, { archived: true })).body).toEqual({
      pinned: false,
      archived: true,
      mutedUntil: null,
    });

    expect(await listIds('olivia')).toEqual([c, a]);
    expect(await listIds('olivia', '?archived=true')).toEqual([b]);
    expect(await listIds('olivia', '?pinned=true')).toEqual([c]);
    expect(await listIds('olivia', '?pinned=false')).toEqual([a]);
    const list = (await (await as('olivia'))('GET', '/v1/chats')).body.items;
    expect(list[0]).toMatchObject({ id: c, pinned: true, archived: false });

    // Keyset pages run from the pinned part into the rest without losing or repeating a chat.
    const olivia = await as('olivia');
    const first = await olivia('GET', '/v1/chats?limit=1');
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([c]);
    const second = await olivia('GET', `/v1/chats?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([a]);
    expect(second.body.nextCursor).toBeNull();
    expectProblem(await olivia('GET', '/v1/chats?archived=maybe'), 400, 'validation_failed');
    expectProblem(await olivia('GET', '/v1/chats?cursor=bm9wZQ'), 400, 'validation_failed');

    // Dana's list is her own: nothing pinned or archived for her.
    expect(await listIds('dana')).toEqual([a, b, c]);
  });

  it('X4: my other sockets learn each change; nobody else does', async () => {
    const { a } = chats;
    expect((await setState('olivia', a, { pinned: true })).status).toBe(200);
    for (const socket of [oliviaPhone, oliviaLaptop]) {
      const event = await socket.next(
        (e) => e.type === 'personal_state.updated' && e.chatId === a && e.data.pinned === true,
      );
      expect(event.data).toEqual({ pinned: true, archived: false, mutedUntil: null });
    }
    // A later event of Dana's proves hers has passed: she never got Olivia's.
    await post('olivia', a, 'after the pin');
    await danaSocket.next((e) => e.type === 'message.created' && e.data.body === 'after the pin');
    expect(danaSocket.events.some((e) => e.type === 'personal_state.updated')).toBe(false);
    expect((await setState('olivia', a, { pinned: false })).status).toBe(200);
  });

  it('X4: a new message brings an archived chat back', async () => {
    const { b } = chats;
    expect(await listIds('olivia', '?archived=true')).toEqual([b]);
    await post('dana', b, 'Are you there?');
    expect(await listIds('olivia', '?archived=true')).toEqual([]);
    const item = (await (await as('olivia'))('GET', '/v1/chats')).body.items.find(
      (chat: { id: string }) => chat.id === b,
    );
    expect(item).toMatchObject({ archived: false });
  });

  it('X4, G9: a muted chat notifies of mentions only; unmuting restores the rest', async () => {
    const { a } = chats;
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const muted = await setState('olivia', a, { mutedUntil: inAnHour });
    expect(muted.body).toEqual({ pinned: false, archived: false, mutedUntil: inAnHour });
    await oliviaLaptop.next((e) => e.type === 'personal_state.updated' && e.data.mutedUntil === inAnHour);

    // The notification service keeps the mute from the chat service's event: a post fanned out
    // before it arrived may still notify; from then on, plain posts do not.
    let silent = false;
    for (let attempt = 0; attempt < 20 && !silent; attempt += 1) {
      const messageId = await post('dana', a, `quiet ${attempt}`);
      await fannedOut(messageId);
      silent = (await notificationsOf('olivia', messageId)).length === 0;
    }
    expect(silent).toBe(true);
    const quiet = await post('dana', a, 'still quiet');
    await fannedOut(quiet);
    expect(await notificationsOf('olivia', quiet)).toEqual([]);

    const mention = await post('dana', a, 'Olivia, a question', ['olivia']);
    await fannedOut(mention);
    expect((await notificationsOf('olivia', mention)).map((n: { type: string }) => n.type)).toEqual([
      'mention',
    ]);

    expect((await setState('olivia', a, { mutedUntil: null })).body.mutedUntil).toBeNull();
    let heard = false;
    for (let attempt = 0; attempt < 20 && !heard; attempt += 1) {
      const messageId = await post('dana', a, `loud ${attempt}`);
      await fannedOut(messageId);
      heard = (await notificationsOf('olivia', messageId)).length === 1;
    }
    expect(heard).toBe(true);
  });

  it('X4: a mute runs out by itself', async () => {
    const { c } = chats;
    const soon = new Date(Date.now() + 2_000);
    expect((await setState('olivia', c, { mutedUntil: soon.toISOString() })).body.mutedUntil).toBe(
      soon.toISOString(),
    );
    await oliviaLaptop.next(
      (e) => e.type === 'personal_state.updated' && e.chatId === c && e.data.mutedUntil !== null,
    );
    // Wait for the time to pass, not for anyone to unmute.
    while (Date.now() <= soon.getTime()) await sleep(100);
    const item = (await (await as('olivia'))('GET', '/v1/chats')).body.items.find(
      (chat: { id: string }) => chat.id === c,
    );
    expect(item).toMatchObject({ mutedUntil: null });
    const messageId = await post('dana', c, 'after the mute');
    await fannedOut(messageId);
    expect((await notificationsOf('olivia', messageId)).map((n: { type: string }) => n.type)).toEqual([
      'message',
    ]);
  });
});
