import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X6 rich notifications through the real system: inbox items and notification.created
 * events carry the chat, the actor and a snippet, presented for their viewer when shown:
 * identity hiding (G5) holds, a deleted message has no snippet, someone removed (P4) sees
 * ids only. Also: files in realtime message events are described as REST describes them.
 */
describe('X6 rich notifications', () => {
  let system: System;
  const practice = 'p-rich';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith', photoUrl: 'https://img.example/dana.png' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const streams = {} as Record<Name, Socket>;
  let chatId: string;

  async function untilMember(who: Name) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`${who} never became a member`);
  }

  async function post(who: Name, body: string, attachmentIds: string[] = []) {
    const reply = await (await as(who))('POST', `/v1/chats/${chatId}/messages`, { body, attachmentIds });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id as string;
  }

  /** The person's inbox item of a message, once it is there. */
  async function itemOf(who: Name, messageId: string) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const inbox = await caller('GET', '/v1/notifications?limit=200');
      expect(inbox.status, JSON.stringify(inbox.body)).toBe(200);
      const item = inbox.body.items.find((n: { messageId: string | null }) => n.messageId === messageId);
      if (item) return item;
      await sleep(100);
    }
    throw new Error(`${who} was never notified`);
  }

  beforeAll(async () => {
    system = await startSystem('rich-notifications');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X6', plan: 'team' })).status).toBe(
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
      avatar: 'sun',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['dana', 'eli'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    chatId = created.body.id;
    await untilMember('dana');
    await untilMember('eli');
  });

  afterAll(async () => {
    for (const stream of Object.values(streams)) stream.close();
    await system?.stop();
  });

  it('X6: an inbox item and its event carry the chat, the actor and a snippet cut between graphemes', async () => {
    const long = `Weekly check-in 🧑‍🤝‍🧑 ${'walk more, eat greens 🥦 '.repeat(12)}`;
    const messageId = await post('dana', long);
    const item = await itemOf('olivia', messageId);
    expect(item).toMatchObject({
      type: 'message',
      chatId,
      messageId,
      chat: { id: chatId, title: 'Walkers', avatar: 'sun' },
      actor: { id: 'dana', name: 'Dana Smith', photoUrl: 'https://img.example/dana.png', kind: 'client' },
    });
    expect(item.snippet.length).toBeLessThanOrEqual(140);
    expect(item.snippet.endsWith('…')).toBe(true);
    expect(long.startsWith(item.snippet.slice(0, -1))).toBe(true);
    expect(item.snippet).not.toMatch(/[\uD800-\uDBFF]$/);

    const event = await streams.olivia.next(
      (e) => e.type === 'notification.created' && e.data.messageId === messageId,
    );
    expect(event.data).toEqual(item);
  });

  it('G5: a client of an identity-hiding group sees no other client in a notification', async () => {
    const messageId = await post('dana', 'See you all at seven');
    const item = await itemOf('eli', messageId);
    expect(item).toMatchObject({
      chat: { id: chatId, title: 'Walkers' },
      actor: { id: null, photoUrl: null, kind: 'client' },
      snippet: 'See you all at seven',
    });
    expect(item.actor.name).not.toMatch(/Dana|Smith/);
    const event = await streams.eli.next(
      (e) => e.type === 'notification.created' && e.data.messageId === messageId,
    );
    expect(event.data).toEqual(item);
    expect(JSON.stringify(event)).not.toMatch(/dana|Smith/i);
    const inbox = await (await as('eli'))('GET', '/v1/notifications?limit=200');
    expect(JSON.stringify(inbox.body)).not.toMatch(/dana|Smith/i);
  });

  it('X6: an added notification names who added the person', async () => {
    const inbox = await (await as('eli'))('GET', '/v1/notifications?limit=200');
    const added = inbox.body.items.find((n: { type: string }) => n.type === 'added');
    expect(added).toMatchObject({
      chatId,
      messageId: null,
      chat: { id: chatId, title: 'Walkers' },
      actor: { id: 'olivia', name: 'Olivia Owens', kind: 'practitioner' },
      snippet: null,
    });
  });

  it('X6: a deleted message leaves its notification without a snippet', async () => {
    const messageId = await post('dana', 'Oops, wrong chat');
    expect((await itemOf('olivia', messageId)).snippet).toBe('Oops, wrong chat');
    expect((await (await as('dana'))('DELETE', `/v1/chats/${chatId}/messages/${messageId}`)).status).toBe(
      200,
    );
    expect((await itemOf('olivia', messageId)).snippet).toBeNull();
  });

  it('X5, X6: files in realtime message events carry filename, type and size as REST does', async () => {
    const form = new FormData();
    form.append('file', new Blob(['meal plan'], { type: 'text/plain' }), 'plan.txt');
    const uploaded = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.personToken(practice, 'olivia')}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const { id } = (await uploaded.json()) as { id: string };
    const messageId = await post('olivia', 'The plan', [id]);
    const event = await streams.eli.next((e) => e.type === 'message.created' && e.data.id === messageId);
    const page = await (await as('eli'))('GET', `/v1/chats/${chatId}/messages`);
    const rest = page.body.items.find((m: { id: string }) => m.id === messageId);
    expect(event.data.attachments).toEqual([
      {
        id,
        filename: 'plan.txt',
        contentType: expect.stringContaining('text/plain'),
        size: 9,
        url: `/v1/attachments/${id}`,
      },
    ]);
    expect(event.data.attachments).toEqual(rest.attachments);
  });

  it('P4, X6: someone removed sees ids only in their notifications of that chat', async () => {
    const messageId = await post('dana', 'Before Eli leaves');
    expect((await itemOf('eli', messageId)).snippet).toBe('Before Eli leaves');
    const removed = await (await as('olivia'))(
      'DELETE',
      `/v1/chats/${chatId}/participants/eli?messages=keep`,
    );
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    const inbox = await (await as('eli'))('GET', '/v1/notifications?limit=200');
    expect(inbox.status).toBe(200);
    expect(inbox.body.items.length).toBeGreaterThan(0);
    for (const item of inbox.body.items) {
      expect(item).toMatchObject({
        chatId,
        chat: { id: chatId, title: null, avatar: null },
        actor: null,
        snippet: null,
      });
    }
    expect(JSON.stringify(inbox.body)).not.toMatch(/Before Eli leaves|Walkers/);
  });
  it('P2, X6: an author removed with their messages kept is a former participant in notifications', async () => {
    const messageId = await post('dana', 'Thanks for the group');
    expect((await itemOf('olivia', messageId)).actor).toMatchObject({ id: 'dana' });
    const removed = await (await as('olivia'))(
      'DELETE',
      `/v1/chats/${chatId}/participants/dana?messages=keep`,
    );
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);
    const item = await itemOf('olivia', messageId);
    expect(item).toMatchObject({
      actor: { id: null, name: 'Former participant', photoUrl: null, kind: null },
      snippet: 'Thanks for the group',
    });
    expect(JSON.stringify(item)).not.toMatch(/dana|Smith/i);
  });
});
