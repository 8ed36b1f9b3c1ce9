import { HuddleError, notFound } from '@huddle/errors';
import Type from 'typebox';
import { personOf } from '../plugins/auth';
import { presentChat } from '../presenter';
import { Chat, ChatStyle, ClientNaming, Id, problemResponses } from '../schemas';
import type { App, RouteDeps } from './types';

const CreateGroupBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    avatar: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'A preset avatar name' })),
    style: ChatStyle,
    clientNaming: Type.Optional(ClientNaming),
    hideClientIdentities: Type.Optional(Type.Boolean()),
    participantIds: Type.Optional(Type.Array(Id, { maxItems: 500, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export function chatRoutes(app: App, { services, contexts }: RouteDeps) {
  app.post(
    '/v1/chats',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'Create a group chat (G1)',
        description: 'Only practitioners create groups; clients added must be reachable by the creator.',
        tags: ['chats'],
        security: [{ bearer: [] }],
        body: CreateGroupBody,
        response: { 201: Chat, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { body } = request;
      // The chat service decides who may create what (G1); its errors pass through as they are.
      const { chat } = await services.chat.createGroup({
        practiceId,
        creatorId: personId,
        name: body.name,
        avatar: body.avatar ?? '',
        style: body.style,
        clientNaming: body.clientNaming ?? 'full',
        hideClientIdentities: body.hideClientIdentities ?? false,
        participantIds: body.participantIds ?? [],
      });
      if (!chat) throw new HuddleError('internal', 'The chat was not returned');
      const { context, viewer } = await contexts.forViewer(chat, personId);
      return reply.code(201).send(presentChat(viewer, context));
    },
  );

  app.get(
    '/v1/chats/:chatId',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'One chat with its settings',
        tags: ['chats'],
        security: [{ bearer: [] }],
        params: Type.Object({ chatId: Id }),
        response: { 200: Chat, ...problemResponses },
      },
    },
    async (request) => {
      const { personId } = personOf(request);
      const { chat } = await services.chat.getChat({ chatId: request.params.chatId, viewerId: personId });
      if (!chat) throw notFound('Chat');
      const { context, viewer } = await contexts.forViewer(chat, personId);
      return presentChat(viewer, context);
    },
  );
}
