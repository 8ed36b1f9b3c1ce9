import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { contentDisposition } from '../../src/routes/attachments';
import { CHAT_AVATARS } from '../../src/schemas';
import { message, personToken, serviceCalls, testApp, testConfig } from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

/** A refused request: 4xx problem+json with its code, and no service was called. */
async function expectRefused(request: InjectOptions, status = 400, code = 'validation_failed') {
  const response = await app.inject(request);
  expect(response.statusCode, JSON.stringify(request)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, code });
  expect(serviceCalls(setup.services)).toBe(0);
}

describe('G1: GET /v1/chat-avatars', () => {
  it('serves the preset list', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chat-avatars',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ items: CHAT_AVATARS.map((id) => ({ id })), nextCursor: null });
  });

  it('G1: an avatar outside the preset list is 400 before any service is called', async () => {
    await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: await bearer('olivia'),
      payload: { name: 'Walkers', style: 'feed', avatar: 'https://evil.example/x.png' },
    });
  });
});

describe('G3/G6: PATCH /v1/chats/{id}', () => {
  it('passes only the fields sent, as the caller, and presents the updated chat', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/v1/chats/chat1',
      headers: await bearer('olivia'),
      payload: { name: 'Evening walkers', locked: true },
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.updateChat).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      actorId: 'olivia',
      name: 'Evening walkers',
      locked: true,
    });
    expect(response.json()).toMatchObject({ title: 'Evening walkers', locked: true });
  });

  it('G3: a non-owner gets 403 not_chat_owner from the chat service', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/v1/chats/chat1',
      headers: await bearer('terry'),
      payload: { style: 'direct' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'not_chat_owner' });
  });

  it('an empty change, an unknown field, a bad value or a bad avatar is 400', async () => {
    const headers = await bearer('olivia');
    for (const payload of [
      {},
      { colour: 'red' },
      { style: 'sideways' },
      { clientNaming: 'last' },
      { avatar: 'unicorn' },
      { name: '' },
      { locked: 'yes' },
    ]) {
      await expectRefused({ method: 'PATCH', url: '/v1/chats/chat1', headers, payload });
    }
  });
});

describe('U1: GET /v1/chats', () => {
  it('lists my chats with unreadCount and lastMessage, with one directory look-up for the page', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats?limit=10',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.listChats).toHaveBeenCalledWith({
      practiceId: 'p1',
      personId: 'olivia',
      cursor: '',
      limit: 10,
      archived: false,
      pinned: undefined,
    });
    expect(response.json()).toEqual({
      items: [
        expect.objectContaining({
          id: 'chat1',
          kind: 'group',
          title: 'Morning walkers',
          unreadCount: 2,
          lastMessage: expect.objectContaining({ seq: 1, author: expect.objectContaining({ id: 'dana' }) }),
          pinned: false,
          archived: false,
          mutedUntil: null,
        }),
      ],
      nextCursor: null,
    });
    expect(setup.services.participant.getPeople).toHaveBeenCalledTimes(1);
    expect(setup.services.participant.listParticipants).not.toHaveBeenCalled();
  });

  it("G5: a client sees a hidden client's last message by pseudonym, with no id", async () => {
    setup.state.chat = { ...setup.state.chat, hideClientIdentities: true };
    const response = await app.inject({ method: 'GET', url: '/v1/chats', headers: await bearer('eli') });
    expect(response.json().items[0].lastMessage.author).toEqual({
      id: null,
      name: 'Member 3',
      photoUrl: null,
      kind: 'client',
    });
    expect(response.body).not.toMatch(/dana|Smith/);
  });

  it('limit is 1-200 and unknown parameters are refused', async () => {
    const headers = await bearer('olivia');
    for (const query of ['limit=0', 'limit=201', 'limit=ten', 'sort=name', 'cursor=']) {
      await expectRefused({ method: 'GET', url: `/v1/chats?${query}`, headers });
    }
  });
});

describe('G2: threads', () => {
  it('GET …/replies passes cursor and limit and presents the replies', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/messages/m1/replies?limit=5&cursor=abc',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.listReplies).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      viewerId: 'dana',
      messageId: 'm1',
      cursor: 'abc',
      limit: 5,
    });
    expect(response.json()).toMatchObject({
      items: [{ id: 'r1', parentId: 'm1', author: { id: 'eli' } }],
      nextCursor: null,
    });
  });

  it('G2: feed pages present each post with its latest replies', async () => {
    setup.state.messages = [
      message({ replyCount: 1, latestReplies: [message({ id: 'r1', parentId: 'm1', authorId: 'terry' })] }),
    ];
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/messages',
      headers: await bearer('dana'),
    });
    expect(response.json().items[0]).toMatchObject({
      replyCount: 1,
      latestReplies: [{ id: 'r1', author: { id: 'terry', name: 'Terry Team' } }],
    });
  });
});

describe('G8: edits and revisions', () => {
  it('PATCH …/messages/{id} edits as the caller; files left out stay as they are', async () => {
    const response = await app.inject({
      method: 'PATCH',
      url: '/v1/chats/chat1/messages/m1',
      headers: await bearer('dana'),
      payload: { body: 'Hello, everyone' },
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.editMessage).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      editorId: 'dana',
      messageId: 'm1',
      body: 'Hello, everyone',
      attachmentIds: [],
      keepAttachments: true,
    });
    expect(response.json()).toMatchObject({ body: 'Hello, everyone', editedAt: '2025-01-03T00:00:00.000Z' });
  });

  it('an edit without body, with unknown fields or too many files is 400', async () => {
    const headers = await bearer('dana');
    for (const payload of [
      {},
      { body: 'x', pinned: true },
      { body: 'x'.repeat(10_001) },
      { body: 'x', attachmentIds: Array.from({ length: 11 }, (_, n) => `a${n}`) },
    ]) {
      await expectRefused({ method: 'PATCH', url: '/v1/chats/chat1/messages/m1', headers, payload });
    }
  });

  it('GET …/revisions answers {items} of revisions', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/messages/m1/revisions',
      headers: await bearer('terry'),
    });
    expect(response.json()).toEqual({
      items: [{ number: 1, body: 'First', attachmentIds: [], replacedAt: '2025-01-03T00:00:00.000Z' }],
      nextCursor: null,
    });
  });
});

describe('delete, pins and read markers', () => {
  it('DELETE …/messages/{id} answers 200 with the tombstone', async () => {
    const response = await app.inject({
      method: 'DELETE',
      url: '/v1/chats/chat1/messages/m1',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.deleteMessage).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      actorId: 'olivia',
      messageId: 'm1',
    });
    expect(response.json()).toMatchObject({ id: 'm1', body: '', deletedAt: '2025-01-04T00:00:00.000Z' });
  });

  it('G7: PUT and DELETE …/pins/{id} pin and unpin as the caller', async () => {
    const headers = await bearer('terry');
    const pinned = await app.inject({ method: 'PUT', url: '/v1/chats/chat1/pins/m1', headers });
    expect(pinned.json()).toMatchObject({ id: 'm1', pinned: true });
    const unpinned = await app.inject({ method: 'DELETE', url: '/v1/chats/chat1/pins/m1', headers });
    expect(unpinned.json()).toMatchObject({ id: 'm1', pinned: false });
    const target = { practiceId: 'p1', chatId: 'chat1', actorId: 'terry', messageId: 'm1' };
    expect(setup.services.chat.pinMessage).toHaveBeenCalledWith(target);
    expect(setup.services.chat.unpinMessage).toHaveBeenCalledWith(target);
  });

  it('U1: PUT …/read takes {seq} or {unread: true}', async () => {
    const headers = await bearer('dana');
    const read = await app.inject({
      method: 'PUT',
      url: '/v1/chats/chat1/read',
      headers,
      payload: { seq: 5 },
    });
    expect(read.json()).toEqual({ readSeq: 5, unreadCount: 0 });
    const unread = await app.inject({
      method: 'PUT',
      url: '/v1/chats/chat1/read',
      headers,
      payload: { unread: true },
    });
    expect(unread.json()).toEqual({ readSeq: 1, unreadCount: 1 });
    expect(setup.services.chat.markRead.mock.calls.map(([request]) => request)).toEqual([
      { practiceId: 'p1', chatId: 'chat1', personId: 'dana', seq: 5, unread: false },
      { practiceId: 'p1', chatId: 'chat1', personId: 'dana', seq: 0, unread: true },
    ]);
  });

  it('U1: PUT …/read refuses anything but exactly one of {seq ≥ 0} or {unread: true}', async () => {
    const headers = await bearer('dana');
    for (const payload of [
      {},
      { seq: -1 },
      { seq: 1.5 },
      { seq: '3' },
      { unread: false },
      { seq: 1, unread: true },
      { seq: 1, extra: 1 },
    ]) {
      await expectRefused({ method: 'PUT', url: '/v1/chats/chat1/read', headers, payload });
    }
  });

  it('A1/ids: a message id outside the id pattern is 400 on every message route', async () => {
    const headers = await bearer('dana');
    for (const [method, url] of [
      ['GET', '/v1/chats/chat1/messages/bad.id/replies'],
      ['PATCH', '/v1/chats/chat1/messages/bad.id'],
      ['GET', '/v1/chats/chat1/messages/bad.id/revisions'],
      ['DELETE', '/v1/chats/chat1/messages/bad.id'],
      ['PUT', '/v1/chats/chat1/pins/bad.id'],
      ['DELETE', '/v1/chats/chat1/pins/bad.id'],
    ] as const) {
      await expectRefused({ method, url, headers, payload: method === 'PATCH' ? { body: 'x' } : undefined });
    }
  });
});

describe('attachments', () => {
  const form = (parts: Array<{ name: string; filename?: string; type?: string; data: string }>) => {
    const boundary = 'huddle-test-boundary';
    const body = parts
      .map(
        (part) =>
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"` +
          (part.filename ? `; filename="${part.filename}"\r\nContent-Type: ${part.type}` : '') +
          `\r\n\r\n${part.data}\r\n`,
      )
      .join('');
    return {
      payload: `${body}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    };
  };

  it('POST /v1/attachments stores one file part and answers 201 with its metadata', async () => {
    const upload = form([{ name: 'file', filename: 'notes.txt', type: 'text/plain', data: 'hello' }]);
    const response = await app.inject({
      method: 'POST',
      url: '/v1/attachments',
      headers: { ...(await bearer('dana')), ...upload.headers },
      payload: upload.payload,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: 'a1',
      filename: 'notes.txt',
      contentType: 'text/plain',
      size: 5,
      createdAt: '2025-01-05T00:00:00.000Z',
    });
    expect(setup.services.chat.uploadAttachment).toHaveBeenCalledWith({
      practiceId: 'p1',
      uploaderId: 'dana',
      filename: 'notes.txt',
      contentType: 'text/plain',
      data: Buffer.from('hello'),
    });
  });

  it('a file over ATTACHMENT_MAX_BYTES is 413 payload_too_large without reaching the chat service', async () => {
    await app.close();
    setup = await testApp({}, { ...testConfig, attachments: { maxBytes: 4 } });
    app = setup.app;
    const upload = form([{ name: 'file', filename: 'notes.txt', type: 'text/plain', data: 'hello' }]);
    await expectRefused(
      {
        method: 'POST',
        url: '/v1/attachments',
        headers: { ...(await bearer('dana')), ...upload.headers },
        payload: upload.payload,
      },
      413,
      'payload_too_large',
    );
  });

  it('other fields, a second file, a wrongly named part or no multipart at all are refused', async () => {
    const headers = await bearer('dana');
    const cases = [
      form([
        { name: 'note', data: 'hi' },
        { name: 'file', filename: 'a.txt', type: 'text/plain', data: 'a' },
      ]),
      form([
        { name: 'file', filename: 'a.txt', type: 'text/plain', data: 'a' },
        { name: 'file', filename: 'b.txt', type: 'text/plain', data: 'b' },
      ]),
      form([{ name: 'upload', filename: 'a.txt', type: 'text/plain', data: 'a' }]),
      form([]),
    ];
    for (const upload of cases) {
      await expectRefused({
        method: 'POST',
        url: '/v1/attachments',
        headers: { ...headers, ...upload.headers },
        payload: upload.payload,
      });
    }
    await expectRefused(
      { method: 'POST', url: '/v1/attachments', headers, payload: { file: 'x' } },
      415,
      'unsupported_media_type',
    );
  });

  it('GET /v1/attachments/{id} serves the bytes with safe download headers', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/attachments/a1',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.rawPayload).toEqual(Buffer.from('%PDF'));
    expect(response.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-length': '4',
      'x-content-type-options': 'nosniff',
      'cache-control': 'private, no-store',
    });
    expect(setup.services.chat.getAttachment).toHaveBeenCalledWith({
      practiceId: 'p1',
      attachmentId: 'a1',
      viewerId: 'dana',
    });
  });

  it('A1: GET /v1/attachments/{id} is 404 for anyone who may not see it', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/attachments/a1',
      headers: await bearer('stranger'),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('Content-Disposition keeps the plain filename printable ASCII without quotes, and the real name in filename*', () => {
    expect(contentDisposition('plan "v2"é.pdf')).toBe(
      `attachment; filename="plan _v2__.pdf"; filename*=UTF-8''plan%20%22v2%22%C3%A9.pdf`,
    );
    expect(contentDisposition('')).toBe(`attachment; filename="attachment"; filename*=UTF-8''`);
  });
});

describe('X4: PUT /v1/chats/{chatId}/me', () => {
  it('passes the change, null mutedUntil as unmute, and answers the state', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: '/v1/chats/chat1/me',
      headers: await bearer('dana'),
      payload: { pinned: true, mutedUntil: null },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ pinned: true, archived: false, mutedUntil: null });
    expect(setup.services.chat.setPersonalState).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      personId: 'dana',
      pinned: true,
      archived: undefined,
      mutedUntil: undefined,
      unmute: true,
    });
  });

  it('refuses an empty, unknown or badly typed change before any service is called', async () => {
    const headers = await bearer('dana');
    for (const payload of [
      {},
      { starred: true },
      { pinned: 'yes' },
      { archived: null },
      { mutedUntil: 'tomorrow' },
      { mutedUntil: 1767225600 },
    ]) {
      await expectRefused({ method: 'PUT', url: '/v1/chats/chat1/me', headers, payload });
    }
    await expectRefused({ method: 'GET', url: '/v1/chats?pinned=maybe', headers });
  });
});
