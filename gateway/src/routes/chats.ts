import type { chatV1, participantV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import {
  peopleOfSummary,
  presentChat,
  presentChatListItem,
  summaryContext,
  summaryNeedsParticipants,
  viewerIn,
} from '../presenter';
import { viewChat } from '../presenter/chat-context';
import {
  CHAT_AVATARS,
  Chat,
  ChatListItem,
  ChatStyle,
  ClientNaming,
  Id,
  Nullable,
  PageQuery,
  problemResponses,
  StringEnum,
} from '../schemas';
import type { RouteDeps } from './types';

const Avatar = StringEnum([...CHAT_AVATARS]);

const CreateGroupBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    avatar: Type.Optional(Avatar),
    style: ChatStyle,
    clientNaming: Type.Optional(ClientNaming),
    hideClientIdentities: Type.Optional(Type.Boolean()),
    participantIds: Type.Optional(Type.Array(Id, { maxItems: 500, uniqueItems: true })),
  },
  { additionalProperties: false },
);

const UpdateChatBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    avatar: Type.Optional(Avatar),
    style: Type.Optional(ChatStyle),
    clientNaming: Type.Optional(ClientNaming),
    hideClientIdentities: Type.Optional(Type.Boolean()),
    locked: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

const ChatParams = Type.Object({ chatId: Id });

export const chatRoutes = routeGroup({ tags: ['chats'], auth: 'person' }, chats);

function chats(app: App, { services, contexts }: RouteDeps) {
  app.get(
    '/v1/chat-avatars',
    {
      schema: {
        summary: 'The preset avatars a group chat can show (G1)',
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ id: Type.String() })),
            nextCursor: Type.Null(),
          }),
          ...problemResponses,
        },
      },
    },
    async () => ({ items: CHAT_AVATARS.map((id) => ({ id })), nextCursor: null }),
  );

  app.get(
    '/v1/chats',
    {
      schema: {
        summary: 'My chats, most recently active first, with unread counts (U1, S6)',
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(ChatListItem), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const page = await services.chat.listChats({
        practiceId,
        personId,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      const summaries = page.chats.filter(
        (summary): summary is chatV1.ChatSummary & { chat: chatV1.Chat } => summary.chat !== undefined,
      );
      // One directory look-up for every person the page's titles and last messages name.
      const personIds = [...new Set(summaries.flatMap((summary) => peopleOfSummary(summary, personId)))];
      const { people } = await services.participant.getPeople({ practiceId, personIds });
      const directory = new Map<string, participantV1.Person>(people.map((person) => [person.id, person]));
      const items = await Promise.all(
        summaries.map(async (summary) => {
          let context = summaryContext(summary, personId, directory);
          let viewer = viewerIn(context, personId)!;
          // G5: a hidden client's pseudonym lives with the chat's participants; only then are they loaded.
          if (summaryNeedsParticipants(summary, viewer, directory)) {
            ({ context, viewer } = await contexts.forViewer(summary.chat, personId));
          }
          return presentChatListItem(viewer, context, summary);
        }),
      );
      return { items, nextCursor: page.nextCursor || null };
    },
  );

  app.post(
    '/v1/chats',
    {
      schema: {
        summary: 'Create a group chat (G1)',
        description: 'Only practitioners create groups; clients added must be reachable by the creator.',
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
      schema: {
        summary: 'One chat with its settings',
        params: ChatParams,
        response: { 200: Chat, ...problemResponses },
      },
    },
    async (request) => {
      const { context, viewer } = await viewChat(
        services.chat,
        contexts,
        personOf(request),
        request.params.chatId,
      );
      return presentChat(viewer, context);
    },
  );

  app.patch(
    '/v1/chats/:chatId',
    {
      schema: {
        summary: "Change a group's settings or lock it (G3, G6)",
        description: 'Only the chat owner; send at least one field.',
        params: ChatParams,
        body: UpdateChatBody,
        response: { 200: Chat, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chat } = await services.chat.updateChat({
        practiceId,
        chatId: request.params.chatId,
        actorId: personId,
        ...request.body,
      });
      if (!chat) throw new HuddleError('internal', 'The chat was not returned');
      const { context, viewer } = await contexts.forViewer(chat, personId);
      return presentChat(viewer, context);
    },
  );
}
