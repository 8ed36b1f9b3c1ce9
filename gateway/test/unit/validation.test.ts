import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/routes/types';
import { personToken, serviceCalls, serviceToken, testApp } from './support';

let app: App;
let services: Awaited<ReturnType<typeof testApp>>['services'];
let olivia: string;
let platform: string;

beforeEach(async () => {
  ({ app, services } = await testApp());
  olivia = `Bearer ${await personToken('olivia')}`;
  platform = `Bearer ${await serviceToken()}`;
});
afterEach(() => app.close());

const group = { name: 'Morning walkers', style: 'feed' };

async function expectRefused(request: InjectOptions, status = 400, code = 'validation_failed') {
  const response = await app.inject(request);
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, code });
  expect(serviceCalls(services)).toBe(0);
  return response.json();
}

describe('request validation', () => {
  it('an unknown body field is rejected, not dropped, and named in the errors', async () => {
    const problem = await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia },
      payload: { ...group, isAdmin: true },
    });
    expect(problem.errors).toEqual([{ in: 'body', field: '/isAdmin', message: 'is not a known field' }]);
  });

  it('a wrong type is rejected, never coerced', async () => {
    const problem = await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia },
      payload: { ...group, name: 42, hideClientIdentities: 'true' },
    });
    expect(problem.errors.map((error: { field: string }) => error.field)).toEqual(
      expect.arrayContaining(['/name', '/hideClientIdentities']),
    );
  });

  it('G1: a group name over 100 characters or an unknown style is rejected', async () => {
    await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia },
      payload: { ...group, name: 'x'.repeat(101) },
    });
    await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia },
      payload: { ...group, style: 'thread' },
    });
  });

  it('G1: more than 500 participants or repeated participants are rejected', async () => {
    const many = Array.from({ length: 501 }, (_, index) => `c${index}`);
    for (const participantIds of [many, ['dana', 'dana']]) {
      await expectRefused({
        method: 'POST',
        url: '/v1/chats',
        headers: { authorization: olivia },
        payload: { ...group, participantIds },
      });
    }
  });

  it('an id in the path outside [A-Za-z0-9_-]{1,64} is 400, not 404 or 500', async () => {
    for (const chatId of ['bad.id', 'x'.repeat(65), '%24where']) {
      await expectRefused({ method: 'GET', url: `/v1/chats/${chatId}`, headers: { authorization: olivia } });
    }
  });

  it('NUL or an unpaired surrogate in any string of any part is rejected, naming the field', async () => {
    const problem = await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia, 'content-type': 'application/json' },
      payload: '{"name": "Walkers", "style": "feed", "participantIds": ["a\\u0000b"]}',
    });
    expect(problem.errors).toEqual([
      {
        in: 'body',
        field: '/participantIds/0',
        message: 'must not contain NUL characters or unpaired surrogates',
      },
    ]);
    await expectRefused({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { authorization: olivia, 'content-type': 'application/json' },
      payload: '{"body": "\\udc00 hello"}',
    });
    await expectRefused({ method: 'GET', url: '/v1/chats?cursor=a%00', headers: { authorization: olivia } });
  });

  it('a body nested far deeper than any schema is 400, not a 500 from a blown stack (found by schema fuzzing)', async () => {
    for (const payload of [
      '['.repeat(60_000) + ']'.repeat(60_000),
      `{"name": "Walkers", "style": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      `{"name": "Walkers", "style": "feed", "x": ${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`,
    ]) {
      const problem = await expectRefused({
        method: 'POST',
        url: '/v1/chats',
        headers: { authorization: olivia, 'content-type': 'application/json' },
        payload,
      });
      expect(problem.detail).not.toContain('[[');
    }
  });

  it('a message body of 10,000 emoji is accepted: limits count characters, not UTF-16 units', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { authorization: olivia },
      payload: { body: '😀'.repeat(10_000) },
    });
    expect(response.statusCode).toBe(201);
  });

  it('a read marker beyond 2^53 - 1 is rejected', async () => {
    for (const seq of ['9007199254740992', '1e20', '-1', '1.5']) {
      await expectRefused({
        method: 'PUT',
        url: '/v1/chats/chat1/read',
        headers: { authorization: olivia, 'content-type': 'application/json' },
        payload: `{"seq": ${seq}}`,
      });
    }
  });

  it('a message body over 10,000 characters is rejected', async () => {
    await expectRefused({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { authorization: olivia },
      payload: { body: 'x'.repeat(10_001) },
    });
  });

  it('a post may leave the body out when it carries files; the chat service judges emptiness', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { authorization: olivia },
      payload: { attachmentIds: ['a1'] },
    });
    expect(response.statusCode).toBe(201);
    expect(services.chat.postMessage).toHaveBeenCalledWith(
      expect.objectContaining({ body: '', attachmentIds: ['a1'] }),
    );
  });

  it('an Idempotency-Key over 200 characters is rejected', async () => {
    await expectRefused({
      method: 'POST',
      url: '/v1/chats/chat1/messages',
      headers: { authorization: olivia, 'idempotency-key': 'k'.repeat(201) },
      payload: { body: 'Hello' },
    });
  });

  it('a page limit outside 1-200 or not a whole number as written is rejected, never rounded', async () => {
    for (const limit of ['0', '201', 'ten', '1.5', '1e1', '0x10', '%2010', '']) {
      await expectRefused({
        method: 'GET',
        url: `/v1/chats/chat1/messages?limit=${limit}`,
        headers: { authorization: olivia },
      });
    }
  });

  it('a body over the size limit is 413 payload_too_large', async () => {
    await expectRefused(
      {
        method: 'POST',
        url: '/v1/chats/chat1/messages',
        headers: { authorization: olivia, 'content-type': 'application/json' },
        payload: JSON.stringify({ body: 'x'.repeat(300 * 1024) }),
      },
      413,
      'payload_too_large',
    );
  });

  it('malformed JSON is 400, not 500', async () => {
    await expectRefused({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
  });

  it('a body that is not JSON is 415 unsupported_media_type', async () => {
    await expectRefused(
      {
        method: 'POST',
        url: '/v1/chats',
        headers: { authorization: olivia, 'content-type': 'text/plain' },
        payload: 'name=Walkers',
      },
      415,
      'unsupported_media_type',
    );
  });

  it('a person with an invalid photo URL, too many tags or an overlong name is rejected', async () => {
    const client = { kind: 'client', firstName: 'Dana', lastName: 'Smith' };
    for (const payload of [
      { ...client, photoUrl: 'javascript:alert(1)' },
      { ...client, tags: Array.from({ length: 51 }, (_, index) => `t${index}`) },
      { ...client, tags: ['x'.repeat(51)] },
      { ...client, firstName: 'x'.repeat(101) },
      { ...client, firstName: '' },
    ]) {
      await expectRefused({
        method: 'PUT',
        url: '/v1/practices/p1/people/dana',
        headers: { authorization: platform },
        payload,
      });
    }
  });

  it('section 1: client-only and practitioner-only fields are not mixed', async () => {
    const problem = await expectRefused({
      method: 'PUT',
      url: '/v1/practices/p1/people/dana',
      headers: { authorization: platform },
      payload: { kind: 'client', firstName: 'Dana', lastName: 'Smith', teamRole: 'admin' },
    });
    expect(problem.details).toEqual({ fields: ['teamRole'] });
    await expectRefused({
      method: 'PUT',
      url: '/v1/practices/p1/people/olivia',
      headers: { authorization: platform },
      payload: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', tags: ['a'] },
    });
  });

  it('a practice with an unknown plan is rejected', async () => {
    await expectRefused({
      method: 'PUT',
      url: '/v1/practices/p1',
      headers: { authorization: platform },
      payload: { name: 'Healthy Habits', plan: 'enterprise' },
    });
  });
});

describe('problem+json', () => {
  it('has type, title, status, code, detail and instance', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats?x=1',
      headers: { authorization: olivia },
      payload: { ...group, extra: 1 },
    });
    expect(response.json()).toEqual({
      type: 'urn:huddle:problem:validation_failed',
      title: 'Validation failed',
      status: 400,
      code: 'validation_failed',
      detail: 'The body is not valid',
      instance: '/v1/chats',
      errors: [{ in: 'body', field: '/extra', message: 'is not a known field' }],
    });
  });

  it('an unknown route is 404 not_found, without echoing the path', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'not_found', status: 404 });
    expect(response.body).not.toContain('nothing-here');
  });

  it('malformed JSON is 400 without quoting the body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats',
      headers: { authorization: olivia, 'content-type': 'application/json' },
      payload: '{"name": "Quillfeather',
    });
    expect(response.json()).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(response.body).not.toContain('Quillfeather');
  });
});
