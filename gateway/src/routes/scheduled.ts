import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, Nullable, problemResponses, StringEnum } from '../schemas';
import type { RouteDeps } from './types';

const Body = Type.String({ maxLength: 10_000 });
const AttachmentIds = Type.Array(Id, { maxItems: 10, uniqueItems: true });
const Mentions = Type.Array(Id, { maxItems: 50, uniqueItems: true });
const SendAt = Type.String({
  format: 'date-time',
  description: 'When to send it: 1 minute to 1 year ahead (ISO 8601)',
});
const Status = StringEnum(['pending', 'sent', 'failed']);

/** X2: a scheduled message, for its author only: nothing in it needs presenting per viewer. */
const ScheduledMessage = Type.Object({
  id: Type.String(),
  chatId: Type.String(),
  parentId: Nullable(Type.String()),
  body: Type.String(),
  mentions: Type.Array(Type.String(), { description: 'Person ids, as the author gave them' }),
  attachmentIds: Type.Array(Type.String()),
  sendAt: Type.String({ format: 'date-time' }),
  status: Status,
  messageId: Nullable(Type.String({ description: 'The message it became, once sent' })),
  failure: Nullable(
    Type.Object(
      { code: Type.String(), message: Type.String() },
      { description: 'Why it was not sent at its time: the error a post would have answered then' },
    ),
  ),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});

const ScheduleBody = Type.Object(
  {
    body: Type.Optional(Body),
    parentId: Type.Optional(Id),
    mentions: Type.Optional(Mentions),
    attachmentIds: Type.Optional(AttachmentIds),
    sendAt: SendAt,
  },
  { additionalProperties: false },
);

const EditBody = Type.Object(
  {
    body: Type.Optional(Body),
    parentId: Type.Optional(Nullable(Id)),
    mentions: Type.Optional(Mentions),
    attachmentIds: Type.Optional(AttachmentIds),
    sendAt: Type.Optional(SendAt),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'What changes; anything left out stays. parentId null: no longer a reply',
  },
);

const ListQuery = Type.Object(
  {
    status: StringEnum(['pending', 'sent', 'failed'], { default: 'pending' }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

function presentScheduled(scheduled: chatV1.ScheduledMessage | undefined) {
  if (!scheduled) throw new HuddleError('internal', 'The scheduled message was not returned');
  return {
    id: scheduled.id,
    chatId: scheduled.chatId,
    parentId: scheduled.parentId ?? null,
    body: scheduled.body,
    mentions: scheduled.mentions,
    attachmentIds: scheduled.attachmentIds,
    sendAt: iso(scheduled.sendAt) ?? '',
    status: scheduled.status as 'pending' | 'sent' | 'failed',
    messageId: scheduled.messageId ?? null,
    failure: scheduled.failureCode
      ? { code: scheduled.failureCode, message: scheduled.failureMessage ?? '' }
      : null,
    createdAt: iso(scheduled.createdAt),
    updatedAt: iso(scheduled.updatedAt),
  };
}

const ScheduledParams = Type.Object({ id: Id });

/** X2: an author's scheduled messages; to anyone else they do not exist (404). */
export const scheduledRoutes = routeGroup({ tags: ['messages'], auth: 'person' }, scheduled);

function scheduled(app: App, { services }: RouteDeps) {
  app.post(
    '/v1/chats/:chatId/scheduled-messages',
    {
      schema: {
        summary: 'Schedule a post or reply (X2)',
        description:
          'Sent once at sendAt (±5 s), by whichever replica claims it, after restarts too. The post ' +
          'rules are asked now (a mistake is a 4xx at once) and again at sendAt: a message they ' +
          'refuse then becomes failed, with the reason, and its author gets a ' +
          '`scheduled_message_failed` notification. Only its author sees it until it is sent.',
        params: Type.Object({ chatId: Id }),
        body: ScheduleBody,
        response: { 201: ScheduledMessage, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { body } = request;
      const { scheduled } = await services.chat.scheduleMessage({
        practiceId,
        chatId: request.params.chatId,
        authorId: personId,
        body: body.body ?? '',
        parentId: body.parentId,
        mentions: body.mentions ?? [],
        attachmentIds: body.attachmentIds ?? [],
        sendAt: body.sendAt,
      });
      return reply.code(201).send(presentScheduled(scheduled));
    },
  );

  app.get(
    '/v1/scheduled-messages',
    {
      schema: {
        summary: 'My scheduled messages (X2), soonest first, in cursor pages',
        description: 'status: pending (the default), failed (with why), or sent (with the message id).',
        querystring: ListQuery,
        response: {
          200: Type.Object({ items: Type.Array(ScheduledMessage), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const page = await services.chat.listScheduledMessages({
        practiceId,
        authorId: personId,
        status: request.query.status,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      return { items: page.scheduled.map(presentScheduled), nextCursor: page.nextCursor || null };
    },
  );

  app.patch(
    '/v1/scheduled-messages/:id',
    {
      schema: {
        summary: 'Edit one of my pending scheduled messages (X2)',
        description:
          'The post rules are asked again for the new content. A message being sent right now, ' +
          'or no longer pending, cannot change (409 conflict / 400).',
        params: ScheduledParams,
        body: EditBody,
        response: { 200: ScheduledMessage, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { body } = request;
      const { scheduled } = await services.chat.editScheduledMessage({
        practiceId,
        authorId: personId,
        id: request.params.id,
        body: body.body,
        parentId: body.parentId === undefined ? undefined : (body.parentId ?? ''),
        setMentions: body.mentions !== undefined,
        mentions: body.mentions ?? [],
        setAttachmentIds: body.attachmentIds !== undefined,
        attachmentIds: body.attachmentIds ?? [],
        sendAt: body.sendAt,
      });
      return presentScheduled(scheduled);
    },
  );

  app.delete(
    '/v1/scheduled-messages/:id',
    {
      schema: {
        summary: 'Cancel one of my pending scheduled messages, or dismiss a failed one (X2)',
        params: ScheduledParams,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      await services.chat.cancelScheduledMessage({ practiceId, authorId: personId, id: request.params.id });
      return reply.code(204).send(null);
    },
  );
}
