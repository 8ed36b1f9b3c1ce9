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

describe('X1 reaction routes', () => {
  it('X1: PUT passes the URL-decoded emoji to the chat service and answers the presented message', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `/v1/chats/chat1/messages/m1/reactions/${encodeURIComponent('👨‍👩‍👧')}`,
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().reactions).toEqual([{ emoji: '👨‍👩‍👧', count: 1, reactedByMe: true }]);
    expect(setup.services.chat.addReaction).toHaveBeenCalledWith(
      expect.objectContaining({ chatId: 'chat1', messageId: 'm1', actorId: 'dana', emoji: '👨‍👩‍👧' }),
    );
  });

  it('X1: an emoji segment longer than any emoji is 400 before reaching the chat service', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `/v1/chats/chat1/messages/m1/reactions/${'a'.repeat(65)}`,
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe('validation_failed');
    expect(setup.services.chat.addReaction).not.toHaveBeenCalled();
  });
});
