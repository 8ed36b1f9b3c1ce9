import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X1 reactions through the real system: idempotent react and unreact, counts and
 * reactedByMe per viewer on every message shape, one emoji grapheme, at most 20
 * distinct, G6 lock, G5 privacy in lists and events, P4 removal, and realtime
 * reaction events to the right sockets.
 */
describe('X1 reactions', () => {
  let system: System;
  const practice = 'p-reactions';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith', photoUrl: 'https://img.example/dana.png' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    fay: { kind: 'client', firstName: 'Fay', lastName: 'Quill' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const streams = {} as Record<Name, Socket>;
  let chatId: string;

  const react = async (who: Name, messageId: string, emoji: string, method = 'PUT') =>
    (await as(who))(
      method,
      `/v1/chats/${chatId}/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`,
    );

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  /** The chat service learns of members from the participant service's events: wait until it has. */
  async function untilMember(who: Name) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`${who} never became a member`);
  }

  async function post(who: Name, body: string, parentId?: string): Promise<string> {
    const reply = await (await as(who))('POST', `/v1/chats/${chatId}/messages`, { body, parentId });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id;
  }

  async function shown(who: Name, messageId: string) {
    const page = await (await as(who))('GET', `/v1/chats/${chatId}/messages?limit=200`);
    expect(page.status).toBe(200);
    return [...page.body.items, ...page.body.pinned].find((m: { id: string }) => m.id === messageId);
  }

  beforeAll(async () => {
    system = await startSystem('reactions');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X1', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    for (const name of Object.keys(people) as Name[]) {
      streams[name] = await openStream(system.url, await system.personToken(practice, name));
      await streams[name].next((event) => event.type === 'stream.ready');
    }
    const created = await (await as('olivia'))('POST', '/v1/chats', {
      name: 'Walkers',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['terry', 'dana', 'eli', 'fay'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    for (const who of ['terry', 'dana', 'eli', 'fay'] as Name[]) await untilMember(who);
  });

  afterAll(async () => {
    for (const stream of Object.values(streams)) stream.close();
    await system?.stop();
  });

  it('X1: react and unreact are idempotent; counts and reactedByMe per viewer on pages, threads and edits', async () => {
    const messageId = await post('eli', 'Morning all');
    const first = await react('dana', messageId, '👍');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.reactions).toEqual([{ emoji: '👍', count: 1, reactedByMe: true }]);
    expect((await react('dana', messageId, '👍')).body.reactions).toEqual([
      { emoji: '👍', count: 1, reactedByMe: true },
    ]);
    expect((await react('eli', messageId, '👍')).body.reactions).toEqual([
      { emoji: '👍', count: 2, reactedByMe: true },
    ]);
    expect((await react('olivia', messageId, '🎉')).status).toBe(200);

    expect((await shown('olivia', messageId)).reactions).toEqual([
      { emoji: '👍', count: 2, reactedByMe: false },
      { emoji: '🎉', count: 1, reactedByMe: true },
    ]);
    expect((await shown('dana', messageId)).reactions).toEqual([
      { emoji: '👍', count: 2, reactedByMe: true },
      { emoji: '🎉', count: 1, reactedByMe: false },
    ]);

    // A thread and the feed page's latest replies show a reply's reactions too.
    const replyId = await post('terry', 'Morning!', messageId);
    expect((await react('dana', replyId, '❤️')).status).toBe(200);
    const thread = await (await as('eli'))('GET', `/v1/chats/${chatId}/messages/${messageId}/replies`);
    expect(thread.body.items[0].reactions).toEqual([{ emoji: '❤️', count: 1, reactedByMe: false }]);
    expect((await shown('dana', messageId)).latestReplies[0].reactions).toEqual([
      { emoji: '❤️', count: 1, reactedByMe: true },
    ]);

    // Pinned posts show theirs too.
    const olivia = await as('olivia');
    expect((await olivia('PUT', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);
    const pinned = (await olivia('GET', `/v1/chats/${chatId}/messages`)).body.pinned;
    expect(pinned[0]).toMatchObject({
      id: messageId,
      reactions: [{ emoji: '👍' }, { emoji: '🎉', reactedByMe: true }],
    });
    expect((await olivia('DELETE', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);

    // An edit keeps the reactions, shown for the editor.
    const edited = await (await as('eli'))('PATCH', `/v1/chats/${chatId}/messages/${messageId}`, {
      body: 'Morning, all!',
    });
    expect(edited.body.reactions).toEqual([
      { emoji: '👍', count: 2, reactedByMe: true },
      { emoji: '🎉', count: 1, reactedByMe: false },
    ]);

    // Unreact, twice: the second changes nothing.
    for (let n = 0; n < 2; n += 1) {
      const removed = await react('dana', messageId, '👍', 'DELETE');
      expect(removed.status).toBe(200);
      expect(removed.body.reactions).toEqual([
        { emoji: '👍', count: 1, reactedByMe: false },
        { emoji: '🎉', count: 1, reactedByMe: false },
      ]);
    }
  });

  it('X1: an emoji is one grapheme: 👍🏽 and 👨‍👩‍👧 are one each; "ab", "", two emoji and text are refused', async () => {
    const messageId = await post('dana', 'Emoji test');
    expect((await react('eli', messageId, '👍🏽')).status).toBe(200);
    const family = await react('eli', messageId, '👨‍👩‍👧');
    expect(family.body.reactions).toEqual([
      { emoji: '👍🏽', count: 1, reactedByMe: true },
      { emoji: '👨‍👩‍👧', count: 1, reactedByMe: true },
    ]);
    for (const emoji of ['ab', '👍👍', 'a', '%20']) {
      expectProblem(await react('eli', messageId, emoji), 400, 'validation_failed');
    }
    const empty = await (await as('eli'))('PUT', `/v1/chats/${chatId}/messages/${messageId}/reactions/`);
    expect(empty.status).toBeGreaterThanOrEqual(400);
    expect(empty.status).toBeLessThan(500);
    expect((await shown('eli', messageId)).reactions).toHaveLength(2);
  });

  it('X1: at most 20 distinct emoji per message (409 reaction_limit_reached); one already there is still taken', async () => {
    const messageId = await post('olivia', 'React away');
    const emoji = Array.from({ length: 20 }, (_, n) => String.fromCodePoint(0x1f600 + n));
    for (const one of emoji) expect((await react('olivia', messageId, one)).status).toBe(200);
    expectProblem(await react('dana', messageId, '🎉'), 409, 'reaction_limit_reached');
    const again = await react('dana', messageId, emoji[0]!);
    expect(again.status).toBe(200);
    expect(again.body.reactions).toHaveLength(20);
    expect(again.body.reactions[0]).toEqual({ emoji: emoji[0], count: 2, reactedByMe: true });
  });

  it('X1/G6: a locked chat takes reactions from its owner only', async () => {
    const messageId = await post('dana', 'Before the lock');
    const olivia = await as('olivia');
    expect((await olivia('PATCH', `/v1/chats/${chatId}`, { locked: true })).status).toBe(200);
    try {
      expectProblem(await react('dana', messageId, '👍'), 403, 'chat_locked');
      expectProblem(await react('terry', messageId, '👍'), 403, 'chat_locked');
      expect((await react('olivia', messageId, '👍')).status).toBe(200);
    } finally {
      expect((await olivia('PATCH', `/v1/chats/${chatId}`, { locked: false })).status).toBe(200);
    }
    expect((await react('dana', messageId, '👍')).status).toBe(200);
  });

  it('X1/A1: a deleted message takes no reactions (404) and shows none', async () => {
    const messageId = await post('eli', 'Soon gone');
    expect((await react('dana', messageId, '👍')).status).toBe(200);
    const deleted = await (await as('eli'))('DELETE', `/v1/chats/${chatId}/messages/${messageId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.reactions).toEqual([]);
    expectProblem(await react('dana', messageId, '🎉'), 404, 'not_found');
    expectProblem(await react('dana', messageId, '👍', 'DELETE'), 404, 'not_found');
    expect((await shown('olivia', messageId)).reactions).toEqual([]);
    expectProblem(
      await (await as('olivia'))('GET', `/v1/chats/${chatId}/messages/${messageId}/reactions`),
      404,
      'not_found',
    );
  });

  it('X1/G5: team members list who reacted, in full; clients may not (403)', async () => {
    const messageId = await post('terry', 'Who likes this?');
    for (const who of ['dana', 'eli', 'olivia'] as Name[]) {
      expect((await react(who, messageId, '👍')).status).toBe(200);
    }
    const listed = await (await as('terry'))('GET', `/v1/chats/${chatId}/messages/${messageId}/reactions`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        {
          emoji: '👍',
          count: 3,
          reactedByMe: false,
          people: [
            { id: 'dana', name: 'Dana Smith', photoUrl: 'https://img.example/dana.png', kind: 'client' },
            { id: 'eli', name: 'Eli Jones', photoUrl: null, kind: 'client' },
            { id: 'olivia', name: 'Olivia Owens', photoUrl: null, kind: 'practitioner' },
          ],
        },
      ],
      nextCursor: null,
    });
    for (const client of ['dana', 'eli'] as Name[]) {
      expectProblem(
        await (await as(client))('GET', `/v1/chats/${chatId}/messages/${messageId}/reactions`),
        403,
        'forbidden',
      );
    }
  });

  it('X1/G5: reaction events reach every participant per viewer: reactedByMe theirs, hidden clients by pseudonym', async () => {
    const messageId = await post('olivia', 'Live reactions');
    expect((await react('eli', messageId, '🔥')).status).toBe(200);
    const event = (who: Name, type: string) =>
      streams[who].next(
        (e) =>
          e.chatId === chatId && e.type === type && e.data.messageId === messageId && e.data.emoji === '🔥',
      );
    expect((await react('dana', messageId, '🔥')).status).toBe(200);
    await Promise.all(
      (['dana', 'eli', 'olivia', 'terry'] as Name[]).map((who) => event(who, 'reaction.added')),
    );
    // Eli's own reaction came first; Dana's is the one with count 2.
    const second = (e: { data: { count: number } }) => e.data.count === 2;
    const [danaSees, eliSees, oliviaSees] = await Promise.all(
      (['dana', 'eli', 'olivia'] as Name[]).map((who) =>
        streams[who].next(
          (e) =>
            e.chatId === chatId && e.type === 'reaction.added' && e.data.messageId === messageId && second(e),
        ),
      ),
    );
    expect(danaSees!.data).toMatchObject({ count: 2, reactedByMe: true, person: { id: 'dana' } });
    expect(eliSees!.data).toMatchObject({ count: 2, reactedByMe: true });
    expect(eliSees!.data.person).toEqual({
      id: null,
      name: expect.any(String),
      photoUrl: null,
      kind: 'client',
    });
    expect(JSON.stringify(eliSees)).not.toMatch(/dana|Smith/i);
    expect(oliviaSees!.data).toMatchObject({
      count: 2,
      reactedByMe: false,
      person: { id: 'dana', name: 'Dana Smith' },
    });

    expect((await react('eli', messageId, '🔥', 'DELETE')).status).toBe(200);
    const removedForDana = await streams.dana.next(
      (e) => e.chatId === chatId && e.type === 'reaction.removed' && e.data.messageId === messageId,
    );
    expect(removedForDana.data).toMatchObject({
      emoji: '🔥',
      count: 1,
      reactedByMe: true,
      person: { id: null },
    });
    const removedForEli = await streams.eli.next(
      (e) => e.chatId === chatId && e.type === 'reaction.removed' && e.data.messageId === messageId,
    );
    expect(removedForEli.data).toMatchObject({ count: 1, reactedByMe: false, person: { id: 'eli' } });

    // Message events carry the reactions too, counted for each viewer: an edit, then a pin.
    const olivia = await as('olivia');
    expect(
      (await olivia('PATCH', `/v1/chats/${chatId}/messages/${messageId}`, { body: 'Live, edited' })).status,
    ).toBe(200);
    const updated = (who: Name) =>
      streams[who].next(
        (e) => e.chatId === chatId && e.type === 'message.updated' && e.data.id === messageId,
      );
    expect((await updated('dana')).data.reactions).toEqual([{ emoji: '🔥', count: 1, reactedByMe: true }]);
    expect((await updated('eli')).data.reactions).toEqual([{ emoji: '🔥', count: 1, reactedByMe: false }]);
    expect((await olivia('PUT', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);
    const pinned = (who: Name) =>
      streams[who].next(
        (e) => e.chatId === chatId && e.type === 'message.pinned' && e.data.messageId === messageId,
      );
    expect((await pinned('dana')).data.message.reactions).toEqual([
      { emoji: '🔥', count: 1, reactedByMe: true },
    ]);
    expect((await pinned('terry')).data.message.reactions).toEqual([
      { emoji: '🔥', count: 1, reactedByMe: false },
    ]);
    expect((await olivia('DELETE', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);
  });

  it('X1/P4: a removed participant cannot react, and gets no more reaction events', async () => {
    const messageId = await post('olivia', 'Fay, still here?');
    expect((await react('fay', messageId, '👋')).status).toBe(200);
    expect(
      (await (await as('olivia'))('DELETE', `/v1/chats/${chatId}/participants/fay?messages=keep`)).status,
    ).toBeLessThan(300);
    expectProblem(await react('fay', messageId, '👍'), 404, 'not_found');
    expectProblem(await react('fay', messageId, '👋', 'DELETE'), 404, 'not_found');
    expect((await react('dana', messageId, '👋')).status).toBe(200);
    await streams.dana.next(
      (e) =>
        e.chatId === chatId &&
        e.type === 'reaction.added' &&
        e.data.messageId === messageId &&
        e.data.count === 2,
    );
    await streams.olivia.next(
      (e) =>
        e.chatId === chatId &&
        e.type === 'reaction.added' &&
        e.data.messageId === messageId &&
        e.data.count === 2,
    );
    expect(
      streams.fay.events.filter(
        (e) => e.type === 'reaction.added' && e.data.messageId === messageId && e.data.count === 2,
      ),
    ).toEqual([]);
  });
});
