import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, problemResponses, Seq } from '../schemas';
import type { RouteDeps } from './types';

const ReadBody = Type.Union(
  [
    Type.Object({ seq: Seq }, { additionalProperties: false }),
    Type.Object({ unread: Type.Literal(true) }, { additionalProperties: false }),
  ],
  { description: '{seq}: read up to and including seq; {unread: true}: mark the chat unread again' },
);

const ChatParams = Type.Object({ chatId: Id });

/** U1: my read marker of a chat (everyone's, for team members, is in receipts.ts). */
export const readMarkerRoutes = routeGroup({ tags: ['messages'], auth: 'person' }, readMarkers);

function readMarkers(app: App, { services }: RouteDeps) {
  app.put(
    '/v1/chats/:chatId/read',
    {
      schema: {
        summary: 'Move my read marker, or mark the chat unread again (U1)',
        params: ChatParams,
        body: ReadBody,
        response: {
          200: Type.Object({ readSeq: Seq, unreadCount: Type.Integer({ minimum: 0 }) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { body } = request;
      const unread = 'unread' in body;
      return services.chat.markRead({
        practiceId,
        chatId: request.params.chatId,
        personId,
        seq: unread ? 0 : body.seq,
        unread,
      });
    },
  );
}
