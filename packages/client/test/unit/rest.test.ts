import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  createHuddleClient,
  HuddleError,
  HuddleNetworkError,
  newIdempotencyKey,
  unwrap,
} from '../../src';
import { retryAfterMs } from '../../src/errors';
import { retryingFetch } from '../../src/retry';

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({
      type: `urn:huddle:problem:${code}`,
      title: 'Problem',
      status,
      code,
      detail: `Detail of ${code}`,
    }),
    { status, headers: { 'content-type': 'application/problem+json', ...headers } },
  );

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const message = (id: string) => ({
  id,
  chatId: 'c1',
  seq: 1,
  parentId: null,
  author: { id: 'olivia', name: 'Olivia Owens', photoUrl: null, kind: 'practitioner' },
  body: 'Hello',
  mentions: [],
  attachments: [],
  pinned: false,
  editedAt: null,
  deletedAt: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  replyCount: 0,
  reactions: [],
  latestReplies: [],
});

/** A scripted gateway: answers in turn, recording what was asked (headers and body as sent). */
function scripted(...answers: Array<Response | Error>) {
  const requests: Array<{ method: string; url: string; headers: Headers; body: string }> = [];
  const fetch = async (request: Request) => {
    requests.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body ? await request.text() : '',
    });
    const answer = answers.shift();
    if (!answer) throw new Error('no more answers scripted');
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch, requests };
}

const noWait = { baseDelayMs: 0, maxDelayMs: 0 };

describe('@huddle/client REST', () => {
  it('problem+json answers become a typed HuddleError with status, code, title and detail', async () => {
    const gateway = scripted(problem(403, 'chat_locked'));
    const huddle = createHuddleClient({ baseUrl: 'http://gateway', token: 't', fetch: gateway.fetch });
    const error = await huddle
      .postMessage('c1', { body: 'Hi' })
      .then(() => undefined)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HuddleError);
    expect(error).toMatchObject({
      status: 403,
      code: 'chat_locked',
      title: 'Problem',
      detail: 'Detail of chat_locked',
      type: 'urn:huddle:problem:chat_locked',
      errors: [],
    });
  });

  it('validation failures carry their fields; an answer without a problem document is unexpected_response', async () => {
    const invalid = new Response(
      JSON.stringify({
        type: 'urn:huddle:problem:validation_failed',
        title: 'Bad Request',
        status: 400,
        code: 'validation_failed',
        detail: 'body: too long',
        errors: [{ in: 'body', field: 'body', message: 'too long' }],
      }),
      { status: 400, headers: { 'content-type': 'application/problem+json' } },
    );
    const proxy = new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    const gateway = scripted(invalid, proxy);
    const huddle = createHuddleClient({ baseUrl: 'http://gateway', token: 't', fetch: gateway.fetch });
    await expect(huddle.rest.GET('/v1/me')).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ in: 'body', field: 'body', message: 'too long' }],
    });
    await expect(huddle.rest.GET('/v1/me')).rejects.toMatchObject({
      status: 502,
      code: 'unexpected_response',
      title: 'Bad Gateway',
    });
  });

  it('sends the bearer token from a token source before each request', async () => {
    let issued = 0;
    const gateway = scripted(json({ id: 'me' }), json({ id: 'me' }));
    const huddle = createHuddleClient({
      baseUrl: 'http://gateway/',
      token: async () => `token-${++issued}`,
      fetch: gateway.fetch,
    });
    await unwrap(huddle.rest.GET('/v1/me'));
    await unwrap(huddle.rest.GET('/v1/me'));
    expect(gateway.requests.map((request) => request.headers.get('authorization'))).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(gateway.requests[0]?.url).toBe('http://gateway/v1/me');
  });

  it('a post carries an Idempotency-Key and is retried with the same key and body after a network error, a 503 and a 429', async () => {
    const gateway = scripted(
      new TypeError('fetch failed'),
      problem(503, 'unavailable'),
      problem(429, 'rate_limited', { 'retry-after': '0' }),
      json(message('m1'), 201),
    );
    const huddle = createHuddleClient({
      baseUrl: 'http://gateway',
      token: 't',
      fetch: gateway.fetch,
      retry: noWait,
    });
    const posted = await huddle.postMessage('c1', { body: 'Hello' });
    expect(posted.id).toBe('m1');
    const keys = gateway.requests.map((request) => request.headers.get('idempotency-key'));
    expect(keys).toHaveLength(4);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(gateway.requests.map((request) => request.body)).toEqual(Array(4).fill('{"body":"Hello"}'));
  });

  it('a post through rest.POST gets a key too; a given key is used as is; two posts get two keys', async () => {
    const gateway = scripted(json(message('m1'), 201), json(message('m1'), 200), json(message('m2'), 201));
    const huddle = createHuddleClient({ baseUrl: 'http://gateway', token: 't', fetch: gateway.fetch });
    await unwrap(
      huddle.rest.POST('/v1/chats/{chatId}/messages', {
        params: { path: { chatId: 'c1' } },
        body: { body: 'A' },
      }),
    );
    await huddle.postMessage('c1', { body: 'A' }, { idempotencyKey: 'draft-7' });
    await huddle.postMessage('c1', { body: 'B' });
    const [first, given, third] = gateway.requests.map((request) => request.headers.get('idempotency-key'));
    expect(first).toBeTruthy();
    expect(given).toBe('draft-7');
    expect(third).not.toBe(first);
  });

  it('other POSTs are never retried: a 503 on creating a group is thrown at once', async () => {
    const gateway = scripted(problem(503, 'unavailable'), json({}));
    const huddle = createHuddleClient({
      baseUrl: 'http://gateway',
      token: 't',
      fetch: gateway.fetch,
      retry: noWait,
    });
    await expect(
      huddle.rest.POST('/v1/chats', { body: { name: 'Walkers', participantIds: [] } as never }),
    ).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(gateway.requests).toHaveLength(1);
  });

  it('gives up after the policy’s retries: the last 503 is thrown, a network failure as HuddleNetworkError', async () => {
    const busy = scripted(...Array.from({ length: 3 }, () => problem(503, 'unavailable')));
    const huddle = createHuddleClient({
      baseUrl: 'http://gateway',
      token: 't',
      fetch: busy.fetch,
      retry: { ...noWait, retries: 2 },
    });
    await expect(huddle.rest.GET('/v1/me')).rejects.toMatchObject({ status: 503 });
    expect(busy.requests).toHaveLength(3);

    const offline = scripted(new TypeError('fetch failed'), new TypeError('fetch failed'));
    const cut = createHuddleClient({
      baseUrl: 'http://gateway',
      token: 't',
      fetch: offline.fetch,
      retry: { ...noWait, retries: 1 },
    });
    await expect(cut.rest.GET('/v1/me')).rejects.toBeInstanceOf(HuddleNetworkError);
  });

  it('honours Retry-After (seconds or a date); one longer than maxRetryAfterMs is thrown with retryAfterMs', async () => {
    const waits: number[] = [];
    const gateway = scripted(problem(429, 'rate_limited', { 'retry-after': '2' }), json({ id: 'me' }));
    const fetch = retryingFetch({
      policy: { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 60_000 },
      fetch: gateway.fetch,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect((await fetch(new Request('http://gateway/v1/me'))).status).toBe(200);
    expect(waits).toEqual([2000]);

    const slow = scripted(problem(429, 'rate_limited', { 'retry-after': '120' }));
    const huddle = createHuddleClient({ baseUrl: 'http://gateway', token: 't', fetch: slow.fetch });
    await expect(huddle.rest.GET('/v1/me')).rejects.toMatchObject({
      code: 'rate_limited',
      retryAfterMs: 120_000,
    });
    expect(slow.requests).toHaveLength(1);

    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, () => 0.999_999))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(2, policy, () => 0.5)).toBe(200);
  });

  it('an aborted request is not retried', async () => {
    const controller = new AbortController();
    const gateway = scripted(problem(503, 'unavailable'), json({}));
    const fetch = retryingFetch({
      policy: { retries: 3, baseDelayMs: 10_000, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 },
      fetch: gateway.fetch,
      random: () => 1,
    });
    const pending = fetch(new Request('http://gateway/v1/me', { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('left the page'));
    await expect(pending).rejects.toThrow('left the page');
    expect(gateway.requests).toHaveLength(1);
  });

  it('iterates a cursor-paged list page by page, passing nextCursor on, and stops when the caller stops', async () => {
    const gateway = scripted(
      json({ items: [message('m3'), message('m2')], nextCursor: 'k2', pinned: [] }),
      json({ items: [message('m1')], nextCursor: null, pinned: [] }),
      json({ items: [{ id: 'c1' }], nextCursor: 'more' }),
    );
    const huddle = createHuddleClient({ baseUrl: 'http://gateway', token: 't', fetch: gateway.fetch });
    const ids: string[] = [];
    for await (const item of huddle.items('/v1/chats/{chatId}/messages', {
      path: { chatId: 'c1' },
      query: { limit: 2 },
    })) {
      ids.push(item.id);
    }
    expect(ids).toEqual(['m3', 'm2', 'm1']);
    expect(gateway.requests.map((request) => new URL(request.url).search)).toEqual([
      '?limit=2',
      '?limit=2&cursor=k2',
    ]);

    for await (const page of huddle.pages('/v1/chats')) {
      expect(page.nextCursor).toBe('more');
      break;
    }
    expect(gateway.requests).toHaveLength(3);
  });

  it('makes version 4 UUIDs as idempotency keys', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newIdempotencyKey()));
    expect(keys.size).toBe(100);
  });
});
