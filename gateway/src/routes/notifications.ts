import type { notificationV1 } from '@huddle/contracts';
import { HuddleError, notFound } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { choices } from '../plugins/audit';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { notificationViews } from '../presenter/notification-views';
import { presentNotification, type StoredNotification } from '../presenter/notifications';
import { Id, Notification, Nullable, problemResponses, StringEnum } from '../schemas';
import type { RouteDeps } from './types';

export const NotificationLevel = StringEnum(['all', 'mentions', 'none']);

const InboxQuery = Type.Object(
  {
    unread: Type.Boolean({ default: false, description: 'true: unread notifications only' }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const MarkReadBody = Type.Union(
  [
    Type.Object(
      { ids: Type.Array(Id, { minItems: 1, maxItems: 500, uniqueItems: true }) },
      { additionalProperties: false },
    ),
    Type.Object({ all: Type.Literal(true) }, { additionalProperties: false }),
  ],
  { description: '{ids}: mark these read (1-500); {all: true}: mark the whole inbox read' },
);

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

/** An inbox entry as the notification service keeps it. */
const storedNotification = (notification: notificationV1.Notification): StoredNotification => ({
  id: notification.id,
  type: notification.type as StoredNotification['type'],
  chatId: notification.chatId,
  messageId: notification.messageId ?? null,
  createdAt: iso(notification.createdAt),
  readAt: iso(notification.readAt),
  actorId: notification.actorId ?? null,
});

/** N1: the in-app inbox and per-chat notification levels. */
export const notificationRoutes = routeGroup({ tags: ['notifications'], auth: 'person' }, notifications);

function notifications(app: App, { services, contexts }: RouteDeps) {
  app.get(
    '/v1/notifications',
    {
      config: { audit: { action: 'notifications.listed' } },
      schema: {
        summary: 'My notifications, newest first, with chat, actor and snippet (N1, X6)',
        querystring: InboxQuery,
        response: {
          200: Type.Object({
            items: Type.Array(Notification),
            nextCursor: Nullable(Type.String()),
            unreadCount: Type.Integer({ minimum: 0 }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const page = await services.notification.listNotifications({
        practiceId,
        personId,
        unreadOnly: request.query.unread,
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      const stored = page.notifications.map(storedNotification);
      // X6: presented now, not when made, so a removal or a deletion since takes effect (P4, A1).
      const views = await notificationViews(services.chat, contexts, { practiceId, personId }, stored);
      return {
        items: stored.map((notification) =>
          presentNotification(notification, views.get(notification.chatId)),
        ),
        nextCursor: page.nextCursor || null,
        unreadCount: page.unreadCount,
      };
    },
  );

  app.post(
    '/v1/notifications/read',
    {
      schema: {
        summary: 'Mark some of my notifications read, or all of them (N1)',
        body: MarkReadBody,
        response: {
          200: Type.Object({
            marked: Type.Integer({ minimum: 0, description: 'How many were unread and are now read' }),
            unreadCount: Type.Integer({ minimum: 0 }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { body } = request;
      const all = 'all' in body;
      return services.notification.markNotificationsRead({
        practiceId,
        personId,
        ids: all ? [] : body.ids,
        all,
      });
    },
  );

  app.put(
    '/v1/chats/:chatId/notification-level',
    {
      config: { audit: { action: 'notification_level.changed', details: choices('level') } },
      schema: {
        summary: 'How I am notified of new messages in a chat (N1)',
        description:
          'all: every message; mentions: only when mentioned; none: silent (mentions still notify, G9).',
        params: Type.Object({ chatId: Id }),
        body: Type.Object({ level: NotificationLevel }, { additionalProperties: false }),
        response: { 200: Type.Object({ level: NotificationLevel }), ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId } = request.params;
      // A1: the chat exists only for its participants, and only in their practice.
      const { chat } = await services.chat.getChat({ practiceId, chatId, viewerId: personId });
      if (!chat || chat.practiceId !== practiceId) throw notFound('Chat');
      const { level } = await services.notification.setNotificationLevel({
        practiceId,
        chatId,
        personId,
        level: request.body.level,
      });
      if (level !== 'all' && level !== 'mentions' && level !== 'none') {
        throw new HuddleError('internal', 'The level was not returned');
      }
      return { level };
    },
  );
}
