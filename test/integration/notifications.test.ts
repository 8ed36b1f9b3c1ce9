import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 5, notifications through the real system: per-chat levels with
 * mentions that always notify (N1, G9), an inbox marked read, and unread
 * counts that clear with a read marker (U1).
 */
describe('notifications: inbox, levels, mentions, unread', () => {
  let system: System;
  const practice = 'p-notify';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    omar: { kind: 'client', firstName: 'Omar', lastName: 'Haddad' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));

  beforeAll(async () => {
    system = await startSystem('notify');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'N', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await system?.stop();
  });

  async function group(name: string) {
    const olivia = await as('olivia');
    const reply = await olivia('POST', '/v1/chats', {
      name,
      style: 'direct',
      participantIds: ['dana', 'eli'],
    });
    expect(reply.status).toBe(201);
    const chatId: string = reply.body.id;
    // The chat service learns of members from the participant service's events.
    for (const who of ['dana', 'eli'] as Name[]) {
      const caller = await as(who);
      for (let attempt = 0; (await caller('GET', `/v1/chats/${chatId}`)).status !== 200; attempt += 1) {
        if (attempt > 50) throw new Error(`${who} never became a member`);
        await sleep(100);
      }
    }
    return chatId;
  }

  /** Waits until the inbox has `count` notifications of the chat matching `type` (or any). */
  async function inboxOf(who: Name, chatId: string, count: number, query = '') {
    const caller = await as(who);
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const reply = await caller('GET', `/v1/notifications${query}`);
      expect(reply.status).toBe(200);
      const items = reply.body.items.filter((item: { chatId: string }) => item.chatId === chatId);
      if (items.length >= count) return { ...reply.body, items };
      await sleep(100);
    }
    throw new Error(`${who} never had ${count} notifications`);
  }

  it('N1/G9: a muted chat stays silent for plain posts but not for a mention', async () => {
    const chatId = await group('Muted');
    const dana = await as('dana');
    const eli = await as('eli');
    expect((await dana('PUT', `/v1/chats/${chatId}/notification-level`, { level: 'none' })).body).toEqual({
      level: 'none',
    });
    expect((await eli('PUT', `/v1/chats/${chatId}/notification-level`, { level: 'mentions' })).status).toBe(
      200,
    );
    const olivia = await as('olivia');
    expect((await olivia('POST', `/v1/chats/${chatId}/messages`, { body: 'Plain post' })).status).toBe(201);
    const mention = await olivia('POST', `/v1/chats/${chatId}/messages`, {
      body: 'Dana, a question',
      mentions: ['dana'],
    });
    expect(mention.status).toBe(201);
    const danaInbox = await inboxOf('dana', chatId, 2);
    const messages = danaInbox.items.filter((item: { type: string }) => item.type !== 'added');
    expect(messages).toEqual([
      {
        id: expect.any(String),
        type: 'mention',
        chatId,
        messageId: mention.body.id,
        createdAt: expect.any(String),
        readAt: null,
        chat: { id: chatId, title: expect.any(String), avatar: expect.any(String) },
        actor: expect.objectContaining({ id: 'olivia', name: 'Olivia Owens' }),
        snippet: 'Dana, a question',
      },
    ]);
    // Eli (mentions only) was not mentioned: only the "added" notification.
    await sleep(300);
    const eliInbox = await inboxOf('eli', chatId, 1);
    expect(eliInbox.items.map((item: { type: string }) => item.type)).toEqual(['added']);
    // Levels back to all: plain posts notify again.
    expect((await eli('PUT', `/v1/chats/${chatId}/notification-level`, { level: 'all' })).status).toBe(200);
    expect((await olivia('POST', `/v1/chats/${chatId}/messages`, { body: 'Loud again' })).status).toBe(201);
    const again = await inboxOf('eli', chatId, 2);
    expect(again.items[0]).toMatchObject({ type: 'message', readAt: null });
  });

  it('N1: the inbox is marked read by ids, then all; unread only lists what is left', async () => {
    const chatId = await group('Inbox');
    const olivia = await as('olivia');
    for (const body of ['one', 'two', 'three']) {
      expect((await olivia('POST', `/v1/chats/${chatId}/messages`, { body })).status).toBe(201);
    }
    const inbox = await inboxOf('dana', chatId, 4);
    const dana = await as('dana');
    const [newest] = inbox.items;
    const marked = await dana('POST', '/v1/notifications/read', { ids: [newest.id] });
    expect(marked.status).toBe(200);
    expect(marked.body).toEqual({ marked: 1, unreadCount: inbox.unreadCount - 1 });
    const unread = await dana('GET', '/v1/notifications?unread=true');
    expect(unread.body.items.map((item: { id: string }) => item.id)).not.toContain(newest.id);
    // Paging: one at a time, with a cursor.
    const first = await dana('GET', '/v1/notifications?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await dana('GET', `/v1/notifications?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    const all = await dana('POST', '/v1/notifications/read', { all: true });
    expect(all.body).toEqual({ marked: inbox.unreadCount - 1, unreadCount: 0 });
    expect((await dana('GET', '/v1/notifications?unread=true')).body).toMatchObject({
      items: [],
      unreadCount: 0,
    });
    // Bad requests change nothing.
    expect((await dana('POST', '/v1/notifications/read', { ids: [] })).status).toBe(400);
    expect((await dana('POST', '/v1/notifications/read', { all: true, ids: ['x'] })).status).toBe(400);
  });

  it('U1: unread counts clear with a read marker', async () => {
    const chatId = await group('Unread');
    const olivia = await as('olivia');
    let last = 0;
    for (const body of ['a', 'b']) {
      const posted = await olivia('POST', `/v1/chats/${chatId}/messages`, { body });
      last = posted.body.seq;
    }
    const dana = await as('dana');
    const unreadIn = async () =>
      (await dana('GET', '/v1/chats')).body.items.find((item: { id: string }) => item.id === chatId)
        .unreadCount;
    expect(await unreadIn()).toBe(2);
    expect((await dana('PUT', `/v1/chats/${chatId}/read`, { seq: last })).body).toEqual({
      readSeq: last,
      unreadCount: 0,
    });
    expect(await unreadIn()).toBe(0);
  });

  it('A1: setting a level is 404 for someone not in the chat', async () => {
    const chatId = await group('Private');
    const omar = await as('omar');
    const reply = await omar('PUT', `/v1/chats/${chatId}/notification-level`, { level: 'none' });
    expect(reply.status).toBe(404);
    expect(reply.body.code).toBe('not_found');
  });
});
