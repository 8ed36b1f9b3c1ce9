import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { personToken, testApp } from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

describe('X2 scheduled message routes', () => {
  it('X2: listing without ?status= lists my pending scheduled messages', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/scheduled-messages',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: [], nextCursor: null });
    expect(setup.services.chat.listScheduledMessages).toHaveBeenCalledWith(
      expect.objectContaining({ authorId: 'dana', status: 'pending' }),
    );
  });

  it('X2: a status that is none of pending, sent, failed is 400 before reaching the chat service', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/scheduled-messages?status=draft',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(setup.services.chat.listScheduledMessages).not.toHaveBeenCalled();
  });
});
