import { gatewayDocuments } from '@huddle/gateway/src/documents';
import { describe, expect, it } from 'vitest';
import { everyEventTypeListed, streamEventTypes } from '../../src/stream-events';

/**
 * The SDK's event union is generated from the gateway's OpenAPI description of
 * /v1/stream; the AsyncAPI document is built from the same schemas. Here the
 * SDK's run-time list is checked against the AsyncAPI document both ways (the
 * compile-time checks in stream-events.ts tie the list to the union).
 */
describe('@huddle/client stream events', () => {
  it('every event type of /asyncapi.json is in the SDK’s union, and every one of the SDK’s is in the document', async () => {
    const { asyncapi } = (await gatewayDocuments()) as {
      asyncapi: { operations: { receiveEvents: { messages: Array<{ $ref: string }> } } };
    };
    const documented = asyncapi.operations.receiveEvents.messages.map((ref) => ref.$ref.split('/').pop());
    expect([...streamEventTypes].sort()).toEqual(documented.sort());
    expect(everyEventTypeListed).toBe(true);
  }, 60_000);
});
