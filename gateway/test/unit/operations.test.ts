import { createLogger } from '@huddle/logging';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { personToken, testApp } from './support';

let app: App | undefined;
afterEach(() => app?.close());

describe('operations', () => {
  it('/healthz is 200 while the process is up, even when dependencies are not ready', async () => {
    ({ app } = await testApp({ readiness: async () => ({ ready: false, checks: { chat: false } }) }));
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 with its checks when ready', async () => {
    ({ app } = await testApp());
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ready: true, checks: { chat: true, nats: true } });
  });

  it('/readyz is 503 with the failing checks when a dependency is down', async () => {
    ({ app } = await testApp({
      readiness: async () => ({ ready: false, checks: { chat: true, nats: false } }),
    }));
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ ready: false, checks: { chat: true, nats: false } });
  });

  it('/readyz is 503 when the readiness check itself fails', async () => {
    ({ app } = await testApp({
      readiness: async () => {
        throw new Error('boom');
      },
    }));
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
  });

  it('/metrics serves the metrics text, or empty text without a source', async () => {
    ({ app } = await testApp({ metricsText: async () => 'huddle_up 1\n' }));
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    expect(response.body).toBe('huddle_up 1\n');
    await app.close();
    ({ app } = await testApp());
    const empty = await app.inject({ method: 'GET', url: '/metrics' });
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toBe('');
  });

  it('/openapi.json documents the public routes and /docs serves the UI', async () => {
    ({ app } = await testApp());
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/practices/{practiceId}',
        '/v1/practices/{practiceId}/people/{personId}',
        '/v1/me',
        '/v1/chats',
        '/v1/chats/{chatId}',
        '/v1/chats/{chatId}/messages',
        '/v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}',
        '/v1/chats/{chatId}/messages/{messageId}/reactions',
        '/v1/chats/{chatId}/read-markers',
        '/v1/chats/{chatId}/attachments',
        '/v1/search',
        '/v1/chats/{chatId}/scheduled-messages',
        '/v1/scheduled-messages',
        '/v1/scheduled-messages/{id}',
      ]),
    );
    expect(Object.keys(document.paths['/v1/scheduled-messages/{id}']).sort()).toEqual(['delete', 'patch']);
    expect(document.paths['/v1/search'].get.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['q', 'chatId', 'cursor', 'limit']),
    );
    expect(document.paths['/v1/chats'].post.responses['201']).toBeDefined();
    const docs = await app.inject({ method: 'GET', url: '/docs/' });
    expect(docs.statusCode).toBe(200);
  });

  it('probes and scrapes are logged at debug, other requests at info', async () => {
    const lines: Array<{ level: number; msg: string; req?: { url: string }; res?: unknown }> = [];
    const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
    ({ app } = await testApp({ logger: createLogger({ service: 'gateway', level: 'info', destination }) }));
    for (const url of ['/readyz', '/healthz', '/metrics']) await app.inject({ method: 'GET', url });
    expect(lines).toEqual([]);
    await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${await personToken('dana')}` },
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [30, 'incoming request'],
      [30, 'request completed'],
    ]);
    lines.length = 0;
    await app.close();
    ({ app } = await testApp({ logger: createLogger({ service: 'gateway', level: 'debug', destination }) }));
    await app.inject({ method: 'GET', url: '/readyz' });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [20, 'incoming request'],
      [20, 'request completed'],
    ]);
  });

  it('/openapi.json describes the WebSocket /v1/stream: query, upgrade, every event type and the client frames', async () => {
    ({ app } = await testApp());
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const stream = document.paths['/v1/stream']?.get;
    expect(stream).toBeDefined();
    expect(stream.security).toEqual([{ bearer: [] }]);
    expect(stream.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:access_token', 'query:last_event_id', 'header:last-event-id']),
    );
    const upgrade = stream.responses['101'];
    expect(upgrade.description).toMatch(/Switching Protocols/);
    const events: Array<{ required: string[]; properties: { type: { enum: string[] } } }> =
      upgrade.content['application/json'].schema.anyOf;
    for (const event of events) expect(event.required).toEqual(['id', 'type', 'chatId', 'data']);
    expect(events.flatMap((event) => event.properties.type.enum)).toEqual(
      expect.arrayContaining([
        'message.created',
        'message.updated',
        'message.deleted',
        'message.pinned',
        'message.unpinned',
        'chat.updated',
        'chat.converted',
        'read_marker.moved',
        'participant.added',
        'participant.removed',
        'notification.created',
        'typing',
        'stream.ready',
        'stream.reset',
        'stream.authenticated',
      ]),
    );
    const frames: Array<{ title: string }> = stream['x-client-frames'].anyOf;
    expect(frames.map((frame) => frame.title)).toEqual(['typing', 'auth']);
  });
});
