import type { chatV1, participantV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { changedFields, choices } from '../plugins/audit';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import {
  peopleOfSummary,
  presentChat,
  presentChatListItem,
  presentPersonalState,
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
  PersonalState,
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

const ChatListQuery = Type.Object(
  {
    ...PageQuery.properties,
    archived: Type.Boolean({
      default: false,
      description: 'X4: true lists my archived chats only; false (the default) the others',
    }),
    pinned: Type.Optional(
      Type.Boolean({ description: 'X4: true lists my pinned chats only, false my unpinned ones' }),
    ),
  },
  { additionalProperties: false },
);

/** X4: what a participant changes of their own state of a chat; absent fields stay as they are. */
const PersonalStateBody = Type.Object(
  {
    pinned: Type.Optional(Type.Boolean()),
    archived: Type.Optional(Type.Boolean()),
    mutedUntil: Type.Optional(
      Nullable(
        Type.String({
          format: 'date-time',
          description: 'Mute until then (in the future, at most 9999-12-31); null unmutes',
        }),
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

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
      config: { audit: { action: 'chats.listed' } },
      schema: {
        summary: 'My chats, pinned first, then most recently active, with unread counts (U1, S6, X4)',
        description: 'Archived chats are left out unless ?archived=true, which lists them alone.',
        querystring: ChatListQuery,
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
        archived: request.query.archived,
        pinned: request.query.pinned,
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
      config: {
        audit: {
          action: 'chat.created',
          targets: ['participantIds'],
          details: choices('style', 'hideClientIdentities'),
        },
      },
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

  app.put(
    '/v1/chats/:chatId/me',
    {
      schema: {
        summary: 'Pin, archive or mute a chat for myself (X4)',
        description:
          'Any participant, for themselves only; send at least one field. A mute lets only ' +
          'mentions notify (G9) and ends by itself at mutedUntil. My other sockets get ' +
          'personal_state.updated.',
        params: ChatParams,
        body: PersonalStateBody,
        response: { 200: PersonalState, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { pinned, archived, mutedUntil } = request.body;
      const { personalState } = await services.chat.setPersonalState({
        practiceId,
        chatId: request.params.chatId,
        personId,
        pinned,
        archived,
        mutedUntil: mutedUntil ? new Date(mutedUntil) : undefined,
        unmute: mutedUntil === null,
      });
      return presentPersonalState(personalState);
    },
  );

  app.patch(
    '/v1/chats/:chatId',
    {
      config: {
        audit: {
          action: 'chat.settings.changed',
          details: (request) => ({
            ...changedFields(request),
            ...choices('locked', 'hideClientIdentities')(request),
          }),
        },
      },
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
