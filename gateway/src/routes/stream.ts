import Type from 'typebox';
import { type StreamHub, socketClose } from '../realtime/hub';
import { ephemeralId, type TypingIndicators } from '../realtime/typing';
import { idPattern } from '../schemas';
import type { App } from './types';

const ids = new RegExp(idPattern);
/** Frames a client may get wrong before the socket is closed with 1003 (unsupported data). */
const MAX_BAD_FRAMES = 20;

/** A client frame the stream understands: `{type: 'typing', chatId}`. Anything else is null. */
export function parseClientFrame(raw: unknown, isBinary: boolean): { type: 'typing'; chatId: string } | null {
  if (isBinary) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(String(raw));
  } catch {
    return null;
  }
  const { type, chatId } = (typeof frame === 'object' && frame !== null ? frame : {}) as Record<
    string,
    unknown
  >;
  if (type !== 'typing' || typeof chatId !== 'string' || !ids.test(chatId)) return null;
  return { type, chatId };
}

/** The Last-Event-ID header, as EventSource clients send it; ignored when empty or too long. */
function lastEventIdHeader(value: string | string[] | undefined): string | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return id && id.length <= 200 ? id : undefined;
}

/**
 * GET /v1/stream: the viewer's realtime events over a WebSocket. The socket is
 * accepted before authentication is judged, so a browser can read why it was
 * refused from the close code (4401 unauthenticated, 4403 not a person).
 */
export function streamRoutes(app: App, hub: StreamHub, typing: TypingIndicators) {
  app.get(
    '/v1/stream',
    {
      websocket: true,
      config: { auth: 'socket' },
      schema: {
        summary: 'Realtime events for the viewer (WebSocket)',
        description:
          'Each frame is {id, type, chatId, data}, presented for the viewer as REST presents it. ' +
          'Authenticate with the Authorization header or ?access_token=. ' +
          'The client may send {type: "typing", chatId}; other frames are ignored, and many of them close the socket (1003). ' +
          'A client that reconnects passes the id of the last event it received (?last_event_id= or the Last-Event-ID header; ' +
          'ids starting eph_ are never kept): it first gets the events it missed, in order, or {type: "stream.reset"} when ' +
          'they are no longer kept (about 15 minutes, 1,000 events), meaning: refetch over REST. Then {type: "stream.ready"}.',
        tags: ['realtime'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          {
            access_token: Type.Optional(Type.String({ maxLength: 8192 })),
            last_event_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    (socket, request) => {
      const { principal } = request;
      if (!principal) {
        socket.close(socketClose.unauthenticated, request.authFailure?.message ?? 'Unauthenticated');
        return;
      }
      if (principal.kind !== 'person') {
        socket.close(socketClose.forbidden, 'The stream is for people, not services');
        return;
      }
      const person = { practiceId: principal.practiceId, personId: principal.personId };
      socket.on('close', () => hub.detach(person, socket));
      let badFrames = 0;
      socket.on('message', (raw, isBinary) => {
        const frame = parseClientFrame(raw, isBinary);
        if (!frame) {
          badFrames += 1;
          if (badFrames === MAX_BAD_FRAMES) socket.close(socketClose.unsupportedData, 'Unsupported frames');
          return;
        }
        typing.typing(person, frame.chatId).catch((error: unknown) => {
          request.log.warn({ err: error }, 'typing indicator not sent');
        });
      });
      const lastEventId = request.query.last_event_id ?? lastEventIdHeader(request.headers['last-event-id']);
      // `stream.ready` tells the client that events from now on will reach it (after any missed ones).
      hub.attach(person, socket, lastEventId).then(
        () =>
          socket.send(JSON.stringify({ id: ephemeralId(), type: 'stream.ready', chatId: null, data: {} })),
        () => socket.close(socketClose.tryAgainLater, 'Realtime is unavailable; reconnect shortly'),
      );
    },
  );
}
