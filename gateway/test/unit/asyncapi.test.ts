import { Parser } from '@asyncapi/parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { testApp } from './support';

/** The realtime protocol as a document (issue 14): /asyncapi.json, valid AsyncAPI 3, one source with /openapi.json. */
describe('/asyncapi.json', () => {
  let app: App;
  let document: any;
  let openapi: any;

  beforeAll(async () => {
    ({ app } = await testApp());
    const response = await app.inject({ method: 'GET', url: '/asyncapi.json' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    document = response.json();
    openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  afterAll(() => app.close());

  it('is public, like /openapi.json, and a valid AsyncAPI 3 document for @asyncapi/parser (no error or warning)', async () => {
    expect(document.asyncapi).toMatch(/^3\./);
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    // Spectral severities: 0 error, 1 warning, 2 information, 3 hint.
    expect(diagnostics.filter((diagnostic) => diagnostic.severity <= 1)).toEqual([]);
    expect(parsed).toBeDefined();
    expect(
      parsed!
        .channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual(['/v1/stream']);
    expect(
      parsed!
        .operations()
        .all()
        .map((operation) => operation.action())
        .sort(),
    ).toEqual(['receive', 'send']);
    // The parser's rule engine takes a few seconds on a busy machine.
  }, 60_000);

  it('documents every event the gateway sends with the payload schema of the /openapi.json 101 response', () => {
    const received = document.operations.receiveEvents.messages.map((ref: { $ref: string }) =>
      ref.$ref.split('/').pop(),
    );
    const upgrade: Array<{ title: string }> =
      openapi.paths['/v1/stream'].get.responses['101'].content['application/json'].schema.anyOf;
    expect(received).toEqual(upgrade.map((event) => event.title));
    expect(received).toEqual(
      expect.arrayContaining([
        'message.created',
        'reaction.added',
        'personal_state.updated',
        'chat.left',
        'stream.reset',
      ]),
    );
    for (const event of upgrade) {
      const payload = document.components.messages[event.title].payload;
      expect(payload.required, event.title).toEqual(['id', 'type', 'chatId', 'data']);
      expect(payload.properties.type.const, event.title).toBe(event.title);
      // OpenAPI 3.0 writes a nullable as `nullable: true` where AsyncAPI keeps `anyOf [.., null]`: same fields.
      const { data } = (
        event as unknown as { properties: { data: { properties?: object; required?: string[] } } }
      ).properties;
      expect(Object.keys(payload.properties.data.properties ?? {}), event.title).toEqual(
        Object.keys(data.properties ?? {}),
      );
      expect(payload.properties.data.required, event.title).toEqual(data.required);
    }
  });

  it('G5/G7: per-viewer payloads are as present.ts shapes them (pins carry the message or null, reactions the reactor)', () => {
    const data = (type: string) => document.components.messages[type].payload.properties.data;
    expect(Object.keys(data('message.pinned').properties)).toEqual(['messageId', 'message']);
    expect(
      data('message.deleted').properties.message.anyOf.map((schema: { type: string }) => schema.type),
    ).toEqual(['object', 'null']);
    expect(Object.keys(data('reaction.added').properties)).toEqual([
      'messageId',
      'emoji',
      'count',
      'reactedByMe',
      'person',
    ]);
    expect(Object.keys(data('typing').properties)).toEqual(['person']);
  });

  it('documents the client frames, the query and headers, resume semantics and every close code', () => {
    const sent = document.operations.sendFrames.messages.map((ref: { $ref: string }) =>
      ref.$ref.split('/').pop(),
    );
    expect(sent).toEqual(['client.typing', 'client.auth']);
    const { ws } = document.channels.stream.bindings;
    expect(Object.keys(ws.query.properties)).toEqual(['access_token', 'last_event_id']);
    expect(Object.keys(ws.headers.properties)).toEqual(['authorization', 'last-event-id']);
    expect(Object.keys(document.channels.stream['x-close-codes'])).toEqual(
      expect.arrayContaining(['1003', '1013', '4401', '4403', '4429']),
    );
    expect(document.info.description).toMatch(/last_event_id/);
    expect(document.info.description).toMatch(/stream\.reset/);
    expect(document.info.description).toMatch(/4429/);
  });
});
