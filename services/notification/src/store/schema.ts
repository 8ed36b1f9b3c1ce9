import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

/** Each person's in-app inbox (N1). */
export const notifications = pgTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    practiceId: text('practice_id').notNull(),
    personId: text('person_id').notNull(),
    type: text('type').$type<'message' | 'mention' | 'added' | 'scheduled_message_failed'>().notNull(),
    chatId: text('chat_id').notNull(),
    messageId: text('message_id'),
    /** X6: who added the person, for `added` notifications (an id; a message's actor is its author). */
    actorId: text('actor_id'),
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

/**
 * X4: until when a participant muted a chat: a projection of the chat service's
 * `chat.v1.personal_state.updated`, kept here so the fan-out of a new message needs no
 * call. `version` is the event's: an older event never overwrites a newer one.
 */
export const chatMutes = pgTable(
  'chat_mutes',
  {
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    mutedUntil: timestamp('muted_until', { withTimezone: true }),
    version: integer('version').notNull(),
  },
  (table) => [primaryKey({ columns: [table.chatId, table.personId] })],
);

/** A practice's outbound channels (N1). The webhook secret is write-only through the API. */
export const practiceChannels = pgTable('practice_channels', {
  practiceId: text('practice_id').primaryKey(),
  webhookUrl: text('webhook_url'),
  webhookSecret: text('webhook_secret'),
  emailEnabled: boolean('email_enabled').notNull().default(false),
  includeContent: boolean('include_content').notNull().default(false),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Durable outbound deliveries (webhook posts and emails), written in the
 * transaction that creates the notifications and sent by the outbound worker.
 * A `dead` row is the dead-letter record. `body` holds message content only
 * when the practice had includeContent on.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    channel: text('channel').$type<'webhook' | 'email'>().notNull(),
    practiceId: text('practice_id').notNull(),
    /** Webhook deliveries: where to post. */
    url: text('url'),
    /** The recipient of the notification (email: who is mailed) and their chat. */
    personId: text('person_id').notNull(),
    chatId: text('chat_id').notNull(),
    body: jsonb('body').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set while a worker sends it; a claim older than the lease is taken over. */
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    status: text('status').$type<'pending' | 'delivered' | 'skipped' | 'dead'>().notNull().default('pending'),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (table) => [
    index('deliveries_due').on(table.status, table.nextAttemptAt),
    index('deliveries_recipient').on(
      table.channel,
      table.practiceId,
      table.personId,
      table.chatId,
      table.status,
    ),
  ],
);
