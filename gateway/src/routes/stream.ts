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
      hub.attach(person, socket);
      socket.on('close', () => hub.detach(person, socket));
    },
  );
}
