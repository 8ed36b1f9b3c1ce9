import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { personToken, practiceId, serviceCalls, testApp } from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

async function expectRefused(request: InjectOptions, status = 400, code = 'validation_failed') {
  const response = await app.inject(request);
  expect(response.statusCode, JSON.stringify(request)).toBe(status);
  expect(response.json()).toMatchObject({ status, code });
  expect(serviceCalls(setup.services)).toBe(0);
}

describe('N1: GET /v1/notifications', () => {
  it('lists my inbox, unread only when asked, with the unread count', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/notifications?unread=true&limit=20',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        {
          id: 'n1',
          type: 'mention',
          chatId: 'chat1',
          messageId: 'm1',
          createdAt: '2025-01-02T03:04:05.000Z',
          readAt: null,
          chat: expect.objectContaining({ id: 'chat1' }),
          actor: null,
          snippet: null,
        },
      ],
      nextCursor: 'next',
      unreadCount: 1,
    });
    expect(setup.services.notification.listNotifications).toHaveBeenCalledWith({
      practiceId,
      personId: 'dana',
      unreadOnly: true,
      cursor: '',
      limit: 20,
    });
  });

  it('refuses bad paging and unknown parameters before calling the service', async () => {
    const headers = await bearer('dana');
    await expectRefused({ method: 'GET', url: '/v1/notifications?limit=0', headers });
    await expectRefused({ method: 'GET', url: '/v1/notifications?unread=maybe', headers });
    await expectRefused({ method: 'GET', url: '/v1/notifications?chatId=x', headers });
  });

  it('is for people only', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/notifications' });
    expect(response.statusCode).toBe(401);
  });
});

describe('N1: POST /v1/notifications/read', () => {
  it('marks the given ids read', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/notifications/read',
      headers: await bearer('dana'),
      payload: { ids: ['n1', 'n2'] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ marked: 2, unreadCount: 0 });
    expect(setup.services.notification.markNotificationsRead).toHaveBeenCalledWith({
      practiceId,
      personId: 'dana',
      ids: ['n1', 'n2'],
      all: false,
    });
  });

  it('marks all read', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/notifications/read',
      headers: await bearer('dana'),
      payload: { all: true },
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.notification.markNotificationsRead).toHaveBeenCalledWith(
      expect.objectContaining({ ids: [], all: true }),
    );
  });

  it('takes exactly one of ids (1-500) or all: true', async () => {
    const headers = await bearer('dana');
    const post = (payload: unknown) =>
      ({ method: 'POST', url: '/v1/notifications/read', headers, payload }) as InjectOptions;
    await expectRefused(post({}));
    await expectRefused(post({ ids: [] }));
    await expectRefused(post({ all: false }));
    await expectRefused(post({ ids: ['n1'], all: true }));
    await expectRefused(post({ ids: Array.from({ length: 501 }, (_, i) => `n${i}`) }));
    await expectRefused(post({ ids: ['bad id!'] }));
  });
});

describe('N1: PUT /v1/chats/{id}/notification-level', () => {
  it('sets my level for a chat I take part in', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/chats/chat1/notification-level',
      headers: await bearer('dana'),
      payload: { level: 'mentions' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ level: 'mentions' });
    expect(setup.services.notification.setNotificationLevel).toHaveBeenCalledWith({
      practiceId,
      chatId: 'chat1',
      personId: 'dana',
      level: 'mentions',
    });
  });

  it('A1: is 404 for someone not in the chat, and nothing is stored', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/chats/chat1/notification-level',
      headers: await bearer('stranger'),
      payload: { level: 'none' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
    expect(setup.services.notification.setNotificationLevel).not.toHaveBeenCalled();
  });

  it('refuses an unknown level', async () => {
    await expectRefused({
      method: 'PUT',
      url: '/v1/chats/chat1/notification-level',
      headers: await bearer('dana'),
      payload: { level: 'loud' },
    });
  });
});
