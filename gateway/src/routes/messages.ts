import { HuddleError, notFound } from '@huddle/errors';
import Type from 'typebox';
import { personOf } from '../plugins/auth';
import { presentMessage } from '../presenter';
import { Id, Message, Nullable, problemResponses } from '../schemas';
import type { App, RouteDeps } from './types';

const PostMessageBody = Type.Object(
  {
    body: Type.String({ minLength: 1, maxLength: 10_000 }),
    parentId: Type.Optional(Id),
    mentions: Type.Optional(Type.Array(Id, { maxItems: 50, uniqueItems: true })),
    attachmentIds: Type.Optional(Type.Array(Id, { maxItems: 10, uniqueItems: true })),
  },
  { additionalProperties: false },
);

const ChatParams = Type.Object({ chatId: Id });

export function messageRoutes(app: App, { services, contexts }: RouteDeps) {
  /** The chat as its participant sees it, ready to present messages in. */
  async function contextFor(chatId: string, viewerId: string) {
    const { chat } = await services.chat.getChat({ chatId, viewerId });
    if (!chat) throw notFound('Chat');
    return contexts.forViewer(chat, viewerId);
  }

  app.post(
    '/v1/chats/:chatId/messages',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'Post a message or a reply',
        description: 'With an Idempotency-Key, a retry of the same post returns the first message (200).',
        tags: ['messages'],
        security: [{ bearer: [] }],
        params: ChatParams,
        headers: Type.Object({
          'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
        }),
        body: PostMessageBody,
        response: { 200: Message, 201: Message, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { personId } = personOf(request);
      const { chatId } = request.params;
      const { body } = request;
      const { message, created } = await services.chat.postMessage({
        chatId,
        authorId: personId,
        body: body.body,
        parentId: body.parentId,
        mentions: body.mentions ?? [],
        attachmentIds: body.attachmentIds ?? [],
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (!message) throw new HuddleError('internal', 'The message was not returned');
      const { context, viewer } = await contextFor(chatId, personId);
      return reply.code(created ? 201 : 200).send(presentMessage(viewer, context, message));
    },
  );

  app.get(
    '/v1/chats/:chatId/messages',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'Messages of a chat, newest first, in cursor pages; feed chats list top-level posts',
        tags: ['messages'],
        security: [{ bearer: [] }],
        params: ChatParams,
        querystring: Type.Object(
          {
            cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
          },
          { additionalProperties: false },
        ),
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
      const { personId } = personOf(request);
      const { chatId } = request.params;
      const [page, { context, viewer }] = await Promise.all([
        services.chat.listMessages({
          chatId,
          viewerId: personId,
          cursor: request.query.cursor ?? '',
          limit: request.query.limit,
        }),
        contextFor(chatId, personId),
      ]);
      return {
        items: page.messages.map((message) => presentMessage(viewer, context, message)),
        nextCursor: page.nextCursor || null,
        pinned: (page.pinned ?? []).map((message) => presentMessage(viewer, context, message)),
      };
    },
  );
}
