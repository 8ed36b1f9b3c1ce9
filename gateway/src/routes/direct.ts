import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentChat } from '../presenter';
import { Chat, Id, problemResponses, StringEnum } from '../schemas';
import type { RouteDeps } from './types';

const DefaultSharing = Type.Object(
  {
    sharedWithIds: Type.Array(Type.String(), { description: 'Team members the new chat was shared with' }),
    skipped: Type.Array(
      Type.Object({
        personId: Type.String(),
        reason: StringEnum(['tag_restricted', 'plan_required', 'not_found']),
        message: Type.String(),
      }),
      { description: 'Team members of the default list left out, and why (S4)' },
    ),
  },
  { description: 'New chats only: what default direct-chat sharing did (S4)' },
);

const DirectChat = Type.Object({ ...Chat.properties, defaultSharing: Type.Optional(DefaultSharing) });

/** S1: the 1-on-1 between a practitioner and a client, shared by default (S4). */
export const directChatRoutes = routeGroup({ tags: ['chats'], auth: 'person' }, directChats);

function directChats(app: App, { services, contexts }: RouteDeps) {
  app.post(
    '/v1/chats/direct',
    {
      config: { audit: { action: 'chat.direct.started', targets: ['clientId'] } },
      schema: {
        summary: 'Get or start my 1-on-1 with a client (S1, S4)',
        description:
          'Only practitioners (403 forbidden), with a client of the practice (400) they can reach ' +
          '(403 tag_restricted), checked every time, also before an existing chat is answered. 201 with ' +
          '`defaultSharing` when the chat is new, 200 when it already existed (not re-shared: S4 is not retroactive).',
        body: Type.Object({ clientId: Id }, { additionalProperties: false }),
        response: { 200: DirectChat, 201: DirectChat, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { chat, created, sharedWithIds, skipped } = await services.chat.startDirectChat({
        practiceId,
        ownerId: personId,
        clientId: request.body.clientId,
      });
      if (!chat) throw new HuddleError('internal', 'The chat was not returned');
      const { context, viewer } = await contexts.forViewer(chat, personId, { fresh: created });
      const presented = presentChat(viewer, context);
      if (!created) return reply.code(200).send(presented);
      return reply.code(201).send({
        ...presented,
        defaultSharing: {
          sharedWithIds,
          skipped: skipped.map(({ personId: id, reason, message }) => ({
            personId: id,
            reason: reason as 'tag_restricted' | 'plan_required' | 'not_found',
            message,
          })),
        },
      });
    },
  );
}
