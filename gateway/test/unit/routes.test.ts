import { HuddleError } from '@huddle/errors';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { message, personToken, serviceToken, testApp } from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

describe('directory', () => {
  it('PUT /v1/practices/{id} upserts the practice: 201 when created, 200 when updated', async () => {
    const headers = { authorization: `Bearer ${await serviceToken()}` };
    const created = await app.inject({
      method: 'PUT',
      url: '/v1/practices/p1',
      headers,
      payload: { name: 'Healthy Habits', plan: 'plus' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: 'p1', name: 'Healthy Habits', plan: 'plus' });
    const updated = await app.inject({
      method: 'PUT',
      url: '/v1/practices/p1',
      headers,
      payload: { name: 'Existing', plan: 'team' },
    });
    expect(updated.statusCode).toBe(200);
  });

  it('PUT /v1/practices/{id}/people/{id} gives a practitioner the member role by default', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/practices/p1/people/terry',
      headers: { authorization: `Bearer ${await serviceToken()}` },
      payload: {
        kind: 'practitioner',
        firstName: 'Terry',
        lastName: 'Team',
        clientTagRestriction: ['diabetes'],
        email: 'terry@example.test',
      },
    });
    expect(response.statusCode).toBe(201);
    expect(setup.services.participant.upsertPerson).toHaveBeenCalledWith({
      person: expect.objectContaining({ id: 'terry', practiceId: 'p1', teamRole: 'member' }),
    });
    expect(response.json()).toEqual({
      id: 'terry',
      kind: 'practitioner',
      firstName: 'Terry',
      lastName: 'Team',
      photoUrl: null,
      tags: [],
      teamRole: 'member',
      canManageTeamSettings: false,
      clientTagRestriction: ['diabetes'],
      zoomLinked: false,
      email: 'terry@example.test',
    });
  });

  it('N1: PUT /v1/practices/{id}/notification-settings answers the settings without the secret', async () => {
    const headers = { authorization: `Bearer ${await serviceToken()}` };
    const url = '/v1/practices/p1/notification-settings';
    const secret = 'a-webhook-secret-1234';
    const response = await app.inject({
      method: 'PUT',
      url,
      headers,
      payload: { webhookUrl: 'https://hooks.example/huddle', webhookSecret: secret, emailEnabled: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      practiceId: 'p1',
      webhookUrl: 'https://hooks.example/huddle',
      webhookSecretSet: true,
      emailEnabled: true,
      includeContent: false,
    });
    expect(response.body).not.toContain(secret);
    expect(setup.services.notification.setPracticeChannels).toHaveBeenCalledWith({
      practiceId: 'p1',
      webhookUrl: 'https://hooks.example/huddle',
      webhookSecret: secret,
      emailEnabled: true,
      includeContent: false,
    });
    for (const payload of [
      { webhookUrl: 'ftp://hooks.example/huddle', webhookSecret: secret },
      { webhookUrl: 'https://hooks.example/huddle', webhookSecret: 'too-short' },
      { webhookUrl: 'https://hooks.example/huddle', webhookSecret: 'x'.repeat(257) },
      { includeContent: 'yes' },
    ]) {
      const refused = await app.inject({ method: 'PUT', url, headers, payload });
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const otherPractice = await app.inject({
      method: 'PUT',
      url: '/v1/practices/p2/notification-settings',
      headers,
      payload: {},
    });
    expect(otherPractice.statusCode).toBe(403);
    const read = await app.inject({ method: 'GET', url, headers });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({
      practiceId: 'p1',
      webhookUrl: null,
      webhookSecretSet: false,
      emailEnabled: false,
      includeContent: false,
    });
  });
});

describe('GET /v1/me', () => {
  it('answers the directory entry of the token holder', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('dana') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: 'dana',
      kind: 'client',
      firstName: 'Dana',
      lastName: 'Smith',
    });
  });

  it("is 401 unauthenticated when the directory does not know the token's subject", async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('nobody') });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'unauthenticated' });
  });
});

describe('chats', () => {
  it('G1: POST /v1/chats creates a group for its creator with defaults and answers 201 with the presented chat', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: await bearer('olivia'),
      payload: { name: 'Morning walkers', style: 'feed', participantIds: ['dana'] },
    });
    expect(response.statusCode).toBe(201);
    expect(setup.services.chat.createGroup).toHaveBeenCalledWith({
      practiceId: 'p1',
      creatorId: 'olivia',
      name: 'Morning walkers',
      avatar: '',
      style: 'feed',
      clientNaming: 'full',
      hideClientIdentities: false,
      participantIds: ['dana'],
    });
    expect(response.json()).toMatchObject({
      id: 'chat2',
      kind: 'group',
      title: 'Morning walkers',
      ownerId: 'olivia',
    });
  });

  it("G1: the chat service's refusal passes through with its code", async () => {
    setup.services.chat.createGroup.mockRejectedValueOnce(
      new HuddleError('tag_restricted', 'Dana is outside your client tags', { personIds: ['dana'] }),
    );
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: await bearer('terry'),
      payload: { name: 'Walkers', style: 'direct', participantIds: ['dana'] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({
      code: 'tag_restricted',
      detail: 'Dana is outside your client tags',
      details: { personIds: ['dana'] },
    });
  });

  it('GET /v1/chats/{id} presents the chat for the viewer', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      id: 'chat1',
      kind: 'group',
      name: 'Morning walkers',
      title: 'Morning walkers',
      avatar: 'sunrise',
      style: 'feed',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: false,
      ownerId: 'olivia',
      programId: null,
    });
  });

  it('A1: a chat the caller is not in is 404 not_found', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1',
      headers: await bearer('stranger'),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('an unexpected failure is 500 internal without detail', async () => {
    setup.services.chat.getChat.mockRejectedValueOnce(new TypeError('secret stack detail'));
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toMatchObject({ code: 'internal', detail: 'Internal error' });
    expect(response.body).not.toContain('secret');
  });

  it('a service that is down is 503 unavailable, saying when to ask again', async () => {
    setup.services.chat.getChat.mockRejectedValueOnce(
      new HuddleError('unavailable', 'A Huddle service is unavailable'),
    );
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(response.json()).toMatchObject({ code: 'unavailable' });
  });
});

describe('messages', () => {
  it('POST /v1/chats/{id}/messages posts as the caller and answers 201 with the presented message', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { ...(await bearer('eli')), 'idempotency-key': 'k1' },
      payload: { body: 'Hi Dana', mentions: ['dana'] },
    });
    expect(response.statusCode).toBe(201);
    expect(setup.services.chat.postMessage).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      authorId: 'eli',
      body: 'Hi Dana',
      parentId: undefined,
      mentions: ['dana'],
      attachmentIds: [],
      idempotencyKey: 'k1',
    });
    expect(response.json()).toMatchObject({
      id: 'm2',
      author: { id: 'eli', name: 'Eli Jones' },
      mentions: [{ id: 'dana', name: 'Dana Smith', kind: 'client' }],
      createdAt: '2025-01-02T03:04:05.000Z',
    });
  });

  it('a retried post with a known Idempotency-Key answers 200', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { ...(await bearer('eli')), 'idempotency-key': 'seen-before' },
      payload: { body: 'Hi' },
    });
    expect(response.statusCode).toBe(200);
  });

  it('G5: messages listed for a client hide other clients when the chat hides identities', async () => {
    setup.state.chat = { ...setup.state.chat, hideClientIdentities: true };
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/messages',
      headers: await bearer('eli'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        expect.objectContaining({ author: { id: null, name: 'Member 3', photoUrl: null, kind: 'client' } }),
      ],
      nextCursor: null,
      pinned: [],
    });
    expect(response.body).not.toMatch(/dana|Smith/);
  });

  it('GET messages passes cursor and limit, converting the limit to a number, default 50', async () => {
    const headers = await bearer('dana');
    await app.inject({ method: 'GET', url: '/v1/chats/chat1/messages?cursor=abc&limit=20', headers });
    await app.inject({ method: 'GET', url: '/v1/chats/chat1/messages', headers });
    expect(setup.services.chat.listMessages.mock.calls.map(([request]) => request)).toEqual([
      { practiceId: 'p1', chatId: 'chat1', viewerId: 'dana', cursor: 'abc', limit: 20 },
      { practiceId: 'p1', chatId: 'chat1', viewerId: 'dana', cursor: '', limit: 50 },
    ]);
  });

  it('G2: pinned feed posts come back presented, apart from the page', async () => {
    setup.services.chat.listMessages.mockResolvedValueOnce({
      messages: [],
      nextCursor: 'next',
      pinned: [message({ id: 'pin1', pinned: true, authorId: 'olivia' })],
    });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/messages',
      headers: await bearer('dana'),
    });
    expect(response.json()).toMatchObject({
      items: [],
      nextCursor: 'next',
      pinned: [{ id: 'pin1', pinned: true, author: { id: 'olivia', name: 'Olivia Owens' } }],
    });
  });

  it('a burst of reads for one chat loads its participants once (short per-chat cache)', async () => {
    const headers = await bearer('dana');
    for (let index = 0; index < 3; index += 1) {
      await app.inject({ method: 'GET', url: '/v1/chats/chat1/messages', headers });
    }
    expect(setup.services.participant.listParticipants).toHaveBeenCalledTimes(1);
  });
});
