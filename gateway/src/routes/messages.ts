import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import { viewChat } from '../chat-context';
import { personOf } from '../plugins/auth';
import { presentMessage, presentRevision } from '../presenter';
import { Id, Message, Nullable, PageQuery, problemResponses, Reply, Revision, Seq } from '../schemas';
import type { App, RouteDeps } from './types';

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

const ReadBody = Type.Union(
  [
    Type.Object({ seq: Seq }, { additionalProperties: false }),
    Type.Object({ unread: Type.Literal(true) }, { additionalProperties: false }),
  ],
  { description: '{seq}: read up to and including seq; {unread: true}: mark the chat unread again' },
);

const ChatParams = Type.Object({ chatId: Id });
const MessageParams = Type.Object({ chatId: Id, messageId: Id });
const tags = ['messages'];
const security = [{ bearer: [] }];

export function messageRoutes(app: App, { services, contexts }: RouteDeps) {
  const contextFor = (chatId: string, practiceId: string, personId: string) =>
    viewChat(services.chat, contexts, { practiceId, personId }, chatId);

  /** One message a service call answered, presented for the caller. */
  async function presented(
    chatId: string,
    practiceId: string,
    viewerId: string,
    message: chatV1.Message | undefined,
  ) {
    if (!message) throw new HuddleError('internal', 'The message was not returned');
    const { context, viewer } = await contextFor(chatId, practiceId, viewerId);
    return presentMessage(viewer, context, message);
  }

  app.post(
    '/v1/chats/:chatId/messages',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'Post a message or a reply',
        description:
          'With an Idempotency-Key, a retry of the same post returns the first message (200); ' +
          'the same key with different content is 422 idempotency_key_reused.',
        tags,
        security,
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
      config: { auth: 'person' },
      schema: {
        summary: 'Messages of a chat, newest first, in cursor pages (G2)',
        description:
          'Feed chats list top-level posts with replyCount and their latest replies, and the pinned ' +
          'posts apart on the first page; direct chats list every message.',
        tags,
        security,
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
      config: { auth: 'person' },
      schema: {
        summary: "A feed post's thread, oldest first, in cursor pages (G2)",
        tags,
        security,
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
      config: { auth: 'person' },
      schema: {
        summary: 'Edit my post or reply in a feed chat (G8)',
        description: 'Every revision is kept; direct-style chats answer 409 not_supported_in_style.',
        tags,
        security,
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
      config: { auth: 'person' },
      schema: {
        summary: "A message's earlier revisions, for team members (G8)",
        tags,
        security,
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
      config: { auth: 'person' },
      schema: {
        summary: 'Delete a message: its author, or the chat owner as moderator',
        description: 'Answers the tombstone: the message keeps its place (and its thread) without content.',
        tags,
        security,
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

  for (const [method, pin] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/v1/chats/:chatId/pins/:messageId',
      config: { auth: 'person' },
      schema: {
        summary: pin ? 'Pin a top-level feed post (G7)' : 'Unpin a feed post (G7)',
        description: 'Team members of feed chats; at most 10 pinned posts per chat.',
        tags,
        security,
        params: MessageParams,
        response: { 200: Message, ...problemResponses },
      },
      handler: async (request) => {
        const { practiceId, personId } = personOf(request);
        const { chatId, messageId } = request.params;
        const target = { practiceId, chatId, actorId: personId, messageId };
        const { message } = await (pin
          ? services.chat.pinMessage(target)
          : services.chat.unpinMessage(target));
        return presented(chatId, practiceId, personId, message);
      },
    });
  }

  app.put(
    '/v1/chats/:chatId/read',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'Move my read marker, or mark the chat unread again (U1)',
        tags,
        security,
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
