import { randomUUID } from 'node:crypto';
import Type from 'typebox';
import { type StreamHub, socketClose } from '../realtime/hub';
import type { App } from './types';

/**
 * GET /v1/stream: the viewer's realtime events over a WebSocket. The socket is
 * accepted before authentication is judged, so a browser can read why it was
 * refused from the close code (4401 unauthenticated, 4403 not a person).
 */
export function streamRoutes(app: App, hub: StreamHub) {
  app.get(
    '/v1/stream',
    {
      websocket: true,
      config: { auth: 'socket' },
      schema: {
        summary: 'Realtime events for the viewer (WebSocket)',
        description:
          'Each frame is {id, type, chatId, data}, presented for the viewer as REST presents it. ' +
          'Authenticate with the Authorization header or ?access_token=.',
        tags: ['realtime'],
        security: [{ bearer: [] }],
        querystring: Type.Object(
          { access_token: Type.Optional(Type.String({ maxLength: 8192 })) },
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
      // `stream.ready` tells the client that events from now on will reach it.
      hub.attach(person, socket).then(
        () => socket.send(JSON.stringify({ id: randomUUID(), type: 'stream.ready', chatId: null, data: {} })),
        () => socket.close(socketClose.tryAgainLater, 'Realtime is unavailable; reconnect shortly'),
      );
    },
  );
}
