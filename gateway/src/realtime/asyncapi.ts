import type { TSchema } from 'typebox';
import { socketClose } from './hub';
import { StreamClientFrame, StreamEvent } from './stream-schema';

/** The close codes a client of `/v1/stream` may meet, and what it should do about each. */
export const streamCloseCodes: Record<number, { name: string; meaning: string; reconnect: boolean }> = {
  1000: { name: 'normal', meaning: 'Closed by the client', reconnect: false },
  1005: {
    name: 'no_status',
    meaning: 'Closed without a code: the gateway is shutting down; reconnect (another replica answers)',
    reconnect: true,
  },
  1006: {
    name: 'abnormal',
    meaning: 'The connection dropped (seen by the client only); reconnect',
    reconnect: true,
  },
  [socketClose.unsupportedData]: {
    name: 'unsupported_data',
    meaning: 'The client sent 20 frames the stream does not understand',
    reconnect: false,
  },
  [socketClose.tryAgainLater]: {
    name: 'try_again_later',
    meaning:
      'The client reads too slowly (1 MiB unsent or 256 events waiting), an event could not be presented, ' +
      'or realtime is unavailable: reconnect with last_event_id after a backoff',
    reconnect: true,
  },
  [socketClose.unauthenticated]: {
    name: 'unauthenticated',
    meaning:
      'The token is missing, bad, expired, or names no person of its practice; a re-authentication frame ' +
      'was refused. Reconnect only with a fresh token',
    reconnect: false,
  },
  [socketClose.forbidden]: {
    name: 'forbidden',
    meaning: 'A service token: the stream is for people',
    reconnect: false,
  },
  [socketClose.tooManySockets]: {
    name: 'too_many_streams',
    meaning:
      'The person already holds STREAM_MAX_SOCKETS_PER_PERSON open streams on this gateway; close one first ' +
      '(or retry after a long backoff)',
    reconnect: true,
  },
};

const resume = [
  'Every frame the gateway sends is `{id, type, chatId, data}`, JSON text, presented for the viewer exactly as',
  'REST presents the same thing to them after the same change (G4, G5, P2, S6): two people in one chat may',
  'get different payloads for one event (a pseudonym instead of a name, no read markers for clients).',
  '',
  '**Resume.** A client that reconnects passes the id of the last event it received as `?last_event_id=`',
  '(or the `Last-Event-ID` header). Ids starting `eph_` (`stream.ready`, `stream.reset`, `stream.authenticated`,',
  '`typing`) are never kept: keep the last other id. The gateway first sends the events missed since then, in',
  'order, judged for access now (of a chat the viewer has left since, only their own `chat.left`), then',
  '`stream.ready`; later events flow live. When the id is no longer kept (about 15 minutes or 1,000',
  'events), unknown, or the catch-up cannot be completed, it sends `stream.reset` (refetch over REST, then carry on) and then `stream.ready`. Ids are unique:',
  'a client may drop an id it has seen already (a retried event can arrive twice).',
  '',
  '**Leaving a chat.** A viewer removed from a chat (P2), or leaving it (P3), gets `chat.left` with only',
  '`{chatId}` on every socket of theirs, and nothing more of that chat from then on (P4): drop it from the',
  'list and close it. Nobody else gets it; the others get `participant.removed`.',
  '',
  '**Authentication.** `Authorization: Bearer <jwt>` or, for browsers, `?access_token=<jwt>`. The socket is',
  'accepted before the token is judged, so a refusal is a close code (below), never an HTTP status. A socket lives',
  'as long as its token: send `{type: "auth", token}` with a newer token of the same person before `exp` to extend',
  'it (answered by `stream.authenticated`).',
  '',
  '**Close codes** (also in `x-close-codes` of the channel):',
  ...Object.entries(streamCloseCodes).map(
    ([code, { name, meaning }]) => `- ${code} \`${name}\`: ${meaning}.`,
  ),
].join('\n');

interface TitledSchema {
  title: string;
  description?: string;
  properties?: Record<string, TSchema>;
}

/** Plain JSON: TypeBox schemas may carry symbols and functions that a document must not. */
const plain = (schema: unknown) => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const messageName = (direction: 'event' | 'frame', title: string) =>
  direction === 'event' ? title : `client.${title}`;

function messagesOf(union: { anyOf: TSchema[] }, direction: 'event' | 'frame') {
  return Object.fromEntries(
    (union.anyOf as unknown as TitledSchema[]).map((schema) => [
      messageName(direction, schema.title),
      {
        name: schema.title,
        title: schema.title,
        summary: schema.description,
        contentType: 'application/json',
        payload: plain(schema),
      },
    ]),
  );
}

/**
 * The AsyncAPI 3 document of `GET /v1/stream`, built from the same TypeBox
 * schemas as its OpenAPI description (stream-schema.ts), so the two cannot
 * drift; @huddle/client's event types are generated from those too.
 */
export function streamAsyncApi() {
  const events = messagesOf(StreamEvent as unknown as { anyOf: TSchema[] }, 'event');
  const frames = messagesOf(StreamClientFrame as unknown as { anyOf: TSchema[] }, 'frame');
  const refs = (messages: Record<string, unknown>, prefix: string) =>
    Object.keys(messages).map((name) => ({ $ref: `${prefix}/${name}` }));
  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Huddle realtime stream',
      version: '1',
      description: resume,
    },
    defaultContentType: 'application/json',
    channels: {
      stream: {
        address: '/v1/stream',
        title: 'The viewer’s realtime events',
        description:
          'One WebSocket per device. The gateway sends events; the client may send typing and auth frames ' +
          '(JSON text, at most 10 KiB each; other frames are ignored, and the 20th closes the socket with 1003).',
        messages: Object.fromEntries(
          Object.keys({ ...events, ...frames }).map((name) => [
            name,
            { $ref: `#/components/messages/${name}` },
          ]),
        ),
        bindings: {
          ws: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                access_token: {
                  type: 'string',
                  maxLength: 8192,
                  description: 'The bearer token, for browsers',
                },
                last_event_id: {
                  type: 'string',
                  minLength: 1,
                  maxLength: 200,
                  description: 'Resume after this event (the last id received that does not start eph_)',
                },
              },
              additionalProperties: false,
            },
            headers: {
              type: 'object',
              properties: {
                authorization: { type: 'string', description: 'Bearer <jwt>' },
                'last-event-id': { type: 'string', maxLength: 200, description: 'As ?last_event_id=' },
              },
            },
          },
        },
        'x-close-codes': streamCloseCodes,
      },
    },
    operations: {
      receiveEvents: {
        action: 'receive',
        title: 'Events for the viewer',
        summary: 'Every frame the gateway sends, presented for the viewer',
        channel: { $ref: '#/channels/stream' },
        messages: refs(events, '#/channels/stream/messages'),
      },
      sendFrames: {
        action: 'send',
        title: 'Frames from the client',
        summary: 'Typing indicators and token renewals',
        channel: { $ref: '#/channels/stream' },
        messages: refs(frames, '#/channels/stream/messages'),
      },
    },
    components: { messages: { ...events, ...frames } },
  };
}
