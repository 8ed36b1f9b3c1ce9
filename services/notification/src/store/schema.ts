import { index, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

/** Each person's in-app inbox (N1). */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    practiceId: text('practice_id').notNull(),
    personId: text('person_id').notNull(),
    type: text('type').$type<'message' | 'mention' | 'added'>().notNull(),
    chatId: text('chat_id').notNull(),
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (table) => [index('notifications_inbox').on(table.practiceId, table.personId, table.createdAt, table.id)],
);

/** A participant's notification level for a chat; absent means `all`. */
export const notificationLevels = pgTable(
  'notification_levels',
  {
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    level: text('level').$type<'all' | 'mentions' | 'none'>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.chatId, table.personId] })],
);
