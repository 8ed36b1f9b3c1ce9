import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentChatFile, presentReadMarker } from '../presenter';
import { viewChat } from '../presenter/chat-context';
import { ChatFile, Id, Nullable, PageQuery, problemResponses, ReadMarker } from '../schemas';
import type { RouteDeps } from './types';

const ChatParams = Type.Object({ chatId: Id });

/** X5: a chat's read receipts (team members) and its live files (participants). */
export const receiptRoutes = routeGroup({ tags: ['chats'], auth: 'person' }, receipts);

function receipts(app: App, { services, contexts }: RouteDeps) {
  app.get(
    '/v1/chats/:chatId/read-markers',
    {
      config: { audit: { action: 'chat.read_markers.read' } },
      schema: {
        summary: "Each participant's read marker (X5, U1), for team members",
        description:
          'Team-member participants only (clients: 403 forbidden). Every active participant with ' +
          'the seq they have read up to, ordered by person, in cursor pages.',
        params: ChatParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(ReadMarker), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const caller = personOf(request);
      const { chatId } = request.params;
      const page = await services.chat.listReadMarkers({
        practiceId: caller.practiceId,
        chatId,
        viewerId: caller.personId,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      const { context, viewer } = await viewChat(services.chat, contexts, caller, chatId, { fresh: true });
      return {
        items: page.markers.map((marker) => presentReadMarker(viewer, context, marker)),
        nextCursor: page.nextCursor || null,
      };
    },
  );

  app.get(
    '/v1/chats/:chatId/attachments',
    {
      config: { audit: { action: 'chat.files.read' } },
      schema: {
        summary: 'The live files of a chat (X5, A1), newest message first',
        description:
          'Any participant. Files that live messages carry now: a deleted message’s files and ' +
          'files an edit replaced are not listed. A file two messages carry is listed once for each.',
        params: ChatParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(ChatFile), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const page = await services.chat.listChatFiles({
        practiceId,
        chatId: request.params.chatId,
        viewerId: personId,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      return {
        items: page.files.flatMap((file) =>
          file.attachment ? [presentChatFile(file.attachment, file.messageId)] : [],
        ),
        nextCursor: page.nextCursor || null,
      };
    },
  );
}
