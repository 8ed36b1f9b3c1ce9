import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentMessage, presentRevision } from '../presenter';
import { viewChat, viewMessage } from '../presenter/chat-context';
import { Id, Message, Nullable, PageQuery, problemResponses, Reply, Revision } from '../schemas';
import type { RouteDeps } from './types';

const Body = Type.String({ maxLength: 10_000 });
const AttachmentIds = Type.Array(Id, { maxItems: 10, uniqueItems: true });

const PostMessageBody = Type.Object(
  {
    // May be empty when the post carries files; the chat service refuses a post with neither.
    body: Type.Optional(Body),
    parentId: Type.Optional(Id),
    mentions: Type.Optional(Type.Array(Id, { maxItems: 50, uniqueItems: true })),
    attachmentIds: Type.Optional(AttachmentIds),
  },
  { additionalProperties: false },
);

const EditMessageBody = Type.Object(
  {
    body: Body,
    attachmentIds: Type.Optional(AttachmentIds),
  },
  {
    additionalProperties: false,
    description: 'The new body; attachmentIds, when given, replace the files (left out, the files stay)',
  },
);

const ChatParams = Type.Object({ chatId: Id });
const MessageParams = Type.Object({ chatId: Id, messageId: Id });

export const messageRoutes = routeGroup({ tags: ['messages'], auth: 'person' }, messages);

function messages(app: App, { services, contexts }: RouteDeps) {
  const contextFor = (chatId: string, practiceId: string, personId: string) =>
    viewChat(services.chat, contexts, { practiceId, personId }, chatId);
  const presented = (chatId: string, practiceId: string, personId: string, message?: chatV1.Message) =>
    viewMessage(services.chat, contexts, { practiceId, personId }, chatId, message);

  app.post(
    '/v1/chats/:chatId/messages',
    {
      schema: {
        summary: 'Post a message or a reply',
        description:
          'With an Idempotency-Key, a retry of the same post returns the first message (200); ' +
          'the same key with different content is 422 idempotency_key_reused.',
        params: ChatParams,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        body: PostMessageBody,
        response: { 200: Message, 201: Message, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { chatId } = request.params;
      const { body } = request;
      const { message, created, chat } = await services.chat.postMessage({
        practiceId,
        chatId,
        authorId: personId,
        body: body.body ?? '',
        parentId: body.parentId,
        mentions: body.mentions ?? [],
        attachmentIds: body.attachmentIds ?? [],
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (!message || !chat) throw new HuddleError('internal', 'The message was not returned');
      // The chat service checked the post against this chat: no need to ask for it again.
      const { context, viewer } = await contexts.forViewer(chat, personId);
      return reply.code(created ? 201 : 200).send(presentMessage(viewer, context, message));
    },
  );

  app.get(
    '/v1/chats/:chatId/messages',
    {
      config: { audit: { action: 'chat.messages.read' } },
      schema: {
        summary: 'Messages of a chat, newest first, in cursor pages (G2)',
        description:
          'Feed chats list top-level posts with replyCount and their latest replies, and the pinned ' +
          'posts apart on the first page; direct chats list every message.',
        params: ChatParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Message),
            nextCursor: Nullable(Type.String()),
            pinned: Type.Array(Message, {
              description: 'Feed chats, first page: pinned posts, newest pin first (G2)',
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId } = request.params;
      const [page, { context, viewer }] = await Promise.all([
        services.chat.listMessages({
          practiceId,
          chatId,
          viewerId: personId,
          cursor: request.query.cursor ?? '',
          limit: request.query.limit,
        }),
        contextFor(chatId, practiceId, personId),
      ]);
      return {
        items: page.messages.map((message) => presentMessage(viewer, context, message)),
        nextCursor: page.nextCursor || null,
        pinned: (page.pinned ?? []).map((message) => presentMessage(viewer, context, message)),
      };
    },
  );

  app.get(
    '/v1/chats/:chatId/messages/:messageId/replies',
    {
      config: { audit: { action: 'chat.replies.read', targets: ['messageId'] } },
      schema: {
        summary: "A feed post's thread, oldest first, in cursor pages (G2)",
        params: MessageParams,
        querystring: PageQuery,
        response: {
          200: Type.Object({ items: Type.Array(Reply), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId, messageId } = request.params;
      const [page, { context, viewer }] = await Promise.all([
        services.chat.listReplies({
          practiceId,
          chatId,
          viewerId: personId,
          messageId,
          cursor: request.query.cursor ?? '',
          limit: request.query.limit,
        }),
        contextFor(chatId, practiceId, personId),
      ]);
      return {
        items: page.messages.map((message) => presentMessage(viewer, context, message)),
        nextCursor: page.nextCursor || null,
      };
    },
  );

  app.patch(
    '/v1/chats/:chatId/messages/:messageId',
    {
      schema: {
        summary: 'Edit my post or reply in a feed chat (G8)',
        description: 'Every revision is kept; direct-style chats answer 409 not_supported_in_style.',
        params: MessageParams,
        body: EditMessageBody,
        response: { 200: Message, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId, messageId } = request.params;
      const { message } = await services.chat.editMessage({
        practiceId,
        chatId,
        editorId: personId,
        messageId,
        body: request.body.body,
        attachmentIds: request.body.attachmentIds ?? [],
        // Left out: the files stay; given (even empty): they are exactly these.
        keepAttachments: request.body.attachmentIds === undefined,
      });
      return presented(chatId, practiceId, personId, message);
    },
  );

  app.get(
    '/v1/chats/:chatId/messages/:messageId/revisions',
    {
      config: { audit: { action: 'chat.revisions.read', targets: ['messageId'] } },
      schema: {
        summary: "A message's earlier revisions, for team members (G8)",
        params: MessageParams,
        response: {
          200: Type.Object({ items: Type.Array(Revision), nextCursor: Type.Null() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId, messageId } = request.params;
      const { revisions } = await services.chat.listRevisions({
        practiceId,
        chatId,
        viewerId: personId,
        messageId,
      });
      return { items: revisions.map(presentRevision), nextCursor: null };
    },
  );

  app.delete(
    '/v1/chats/:chatId/messages/:messageId',
    {
      config: { audit: { action: 'message.deleted', targets: ['messageId'] } },
      schema: {
        summary: 'Delete a message: its author, or the chat owner as moderator',
        description: 'Answers the tombstone: the message keeps its place (and its thread) without content.',
        params: MessageParams,
        response: { 200: Message, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId, messageId } = request.params;
      const { message } = await services.chat.deleteMessage({
        practiceId,
        chatId,
        actorId: personId,
        messageId,
      });
      return presented(chatId, practiceId, personId, message);
    },
  );
}
