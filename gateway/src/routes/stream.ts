import type { SwaggerTransform } from '@fastify/swagger';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import type { KnownPeople } from '../known-people';
import { type Authenticator, unknownPerson } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { type StreamHub, socketClose } from '../realtime/hub';
import { ephemeralId } from '../realtime/port';
import { StreamClientFrame, StreamEvent } from '../realtime/stream-schema';
import { TokenDeadline } from '../realtime/token-deadline';
import type { TypingIndicators } from '../realtime/typing';
import { idPattern, problemResponses } from '../schemas';

const ids = new RegExp(idPattern);
/** Frames a client may get wrong before the socket is closed with 1003 (unsupported data). */
const MAX_BAD_FRAMES = 20;

/** The longest token a client may send, as in `?access_token=`. */
const MAX_TOKEN_LENGTH = 8192;

/** A frame a client may send on the stream. */
export type ClientFrame = { type: 'typing'; chatId: string } | { type: 'auth'; token: string };

/** A client frame the stream understands: typing, or a newer token (re-authentication). Anything else is null. */
export function parseClientFrame(raw: unknown, isBinary: boolean): ClientFrame | null {
  if (isBinary) return null;
  let frame: unknown;
  try {
    frame = JSON.parse(String(raw));
  } catch {
    return null;
  }
  const { type, chatId, token } = (typeof frame === 'object' && frame !== null ? frame : {}) as Record<
    string,
    unknown
  >;
  if (type === 'typing' && typeof chatId === 'string' && ids.test(chatId)) return { type, chatId };
  if (type === 'auth' && typeof token === 'string' && token && token.length <= MAX_TOKEN_LENGTH) {
    return { type, token };
  }
  return null;
}

/** The Last-Event-ID header, as EventSource clients send it; ignored when empty or too long. */
function lastEventIdHeader(value: string | string[] | undefined): string | undefined {
  const id = Array.isArray(value) ? value[0] : value;
  return id && id.length <= 200 ? id : undefined;
}

export interface StreamRouteDeps {
  hub: StreamHub;
  typing: TypingIndicators;
  /** Checks the tokens of re-authentication frames. */
  authenticator: Authenticator;
  people: KnownPeople;
}

const OPEN = 1;

/**
 * @fastify/websocket hides its routes from the OpenAPI document; the stream is
 * part of the API, so its document shows the upgrade, the frames each way and
 * the header a resuming EventSource-style client sends.
 */
const describeStream: SwaggerTransform = ({ schema, url }) => ({
  url,
  schema: {
    ...schema,
    hide: false,
    headers: Type.Object({
      'last-event-id': Type.Optional(
        Type.String({ maxLength: 200, description: 'Resume after this event (as ?last_event_id=)' }),
      ),
    }),
    response: {
      101: { ...StreamEvent, 'x-response-description': 'Switching Protocols: the frames the gateway sends' },
      ...problemResponses,
    },
    'x-client-frames': StreamClientFrame,
  },
});
const send = (socket: { send(data: string): void }, type: string, data: unknown) =>
  socket.send(JSON.stringify({ id: ephemeralId(), type, chatId: null, data }));

/**
 * GET /v1/stream: the viewer's realtime events over a WebSocket. The socket is
 * accepted before authentication is judged, so a browser can read why it was
 * refused from the close code (4401 unauthenticated, 4403 not a person, 4429
 * too many open streams for this person). It
 * closes with 4401 when its token expires, unless the client sent a newer token
 * of the same person first (`{type: "auth", token}`).
 */
export const streamRoutes = routeGroup({ tags: ['realtime'], auth: 'socket' }, stream);

function stream(app: App, { hub, typing, authenticator, people }: StreamRouteDeps) {
  app.get(
    '/v1/stream',
    {
      websocket: true,
      config: { swaggerTransform: describeStream },
      schema: {
        summary: 'Realtime events for the viewer (WebSocket)',
        description:
          'A WebSocket upgrade (101). Each frame the gateway sends is {id, type, chatId, data} (see the 101 response), ' +
          'presented for the viewer as REST presents it. ' +
          'Authenticate with the Authorization header or ?access_token=. The socket closes with 4401 when the token is bad, ' +
          'names no person of its practice, or expires, 4403 for a service token, 4429 when the person already holds ' +
          'as many open streams on this gateway as allowed (STREAM_MAX_SOCKETS_PER_PERSON; close one first), ' +
          '1013 when the client is too slow or ' +
          'realtime is unavailable (reconnect), 1003 after many frames the gateway does not understand. ' +
          'The client may send {type: "typing", chatId} and, before its token expires, {type: "auth", token} with a newer ' +
          'token of the same person (see x-client-frames); other frames are ignored. ' +
          'A client that reconnects passes the id of the last event it received (?last_event_id= or the Last-Event-ID header; ' +
          'ids starting eph_ are never kept): it first gets the events it missed, in order, or {type: "stream.reset"} when ' +
          'they are no longer kept (about 15 minutes, 1,000 events), meaning: refetch over REST. Then {type: "stream.ready"}.',
        querystring: Type.Object(
          {
            access_token: Type.Optional(
              Type.String({ maxLength: MAX_TOKEN_LENGTH, description: 'The bearer token, for browsers' }),
            ),
            last_event_id: Type.Optional(
              Type.String({ minLength: 1, maxLength: 200, description: 'Resume after this event' }),
            ),
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
      const deadline = new TokenDeadline(principal.expiresAt, () =>
        socket.close(socketClose.unauthenticated, 'The token has expired'),
      );
      socket.on('close', () => {
        deadline.cancel();
        hub.detach(person, socket);
      });

      /** A newer token moves the deadline; a token of anyone else, or a bad one, ends the socket. */
      const reauthenticate = async (token: string) => {
        let next: Awaited<ReturnType<Authenticator['verify']>>;
        try {
          next = await authenticator.verify(token);
        } catch (error) {
          if (!(error instanceof HuddleError) || error.code !== 'unauthenticated') {
            // The keys cannot be fetched now: the current token still holds until it expires.
            request.log.warn({ err: error }, 'socket re-authentication not checked');
            return;
          }
          socket.close(socketClose.unauthenticated, error.message);
          return;
        }
        if (
          next.kind !== 'person' ||
          next.practiceId !== person.practiceId ||
          next.personId !== person.personId
        ) {
          socket.close(socketClose.unauthenticated, 'The token is not for the same person and practice');
          return;
        }
        if (socket.readyState !== OPEN) return;
        deadline.extend(next.expiresAt);
        send(socket, 'stream.authenticated', { expiresAt: new Date(next.expiresAt).toISOString() });
      };

      let badFrames = 0;
      socket.on('message', (raw, isBinary) => {
        const frame = parseClientFrame(raw, isBinary);
        if (!frame) {
          badFrames += 1;
          if (badFrames === MAX_BAD_FRAMES) socket.close(socketClose.unsupportedData, 'Unsupported frames');
          return;
        }
        if (frame.type === 'auth') {
          void reauthenticate(frame.token);
          return;
        }
        typing.typing(person, frame.chatId).catch((error: unknown) => {
          request.log.warn({ err: error }, 'typing indicator not sent');
        });
      });
      const lastEventId = request.query.last_event_id ?? lastEventIdHeader(request.headers['last-event-id']);
      const attach = async () => {
        if (!(await people.isKnown(person))) {
          socket.close(socketClose.unauthenticated, unknownPerson().message);
          return;
        }
        // Closed while the directory answered: attaching now would leave the person subscribed.
        if (socket.readyState !== OPEN) return;
        await hub.attach(person, socket, lastEventId);
        // `stream.ready` tells the client that events from now on will reach it (after any missed ones).
        if (socket.readyState === OPEN) send(socket, 'stream.ready', {});
      };
      attach().catch(() =>
        socket.close(socketClose.tryAgainLater, 'Realtime is unavailable; reconnect shortly'),
      );
    },
  );
}
