import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

export const chats = pgTable('chats', {
  id: text('id').primaryKey(),
  practiceId: text('practice_id').notNull(),
  kind: text('kind').$type<'direct' | 'group'>().notNull(),
  name: text('name').notNull(),
  avatar: text('avatar').notNull(),
  style: text('style').$type<'feed' | 'direct'>().notNull(),
  clientNaming: text('client_naming').$type<'full' | 'first_initial' | 'first'>().notNull(),
  hideClientIdentities: boolean('hide_client_identities').notNull(),
  locked: boolean('locked').notNull().default(false),
  ownerId: text('owner_id').notNull(),
  programId: text('program_id'),
  /** The seq of the newest message; a post takes the next one under this row's lock. */
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    chatId: text('chat_id')
      .notNull()
      .references(() => chats.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    parentId: text('parent_id'),
    authorId: text('author_id'),
    body: text('body').notNull(),
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    attachmentIds: jsonb('attachment_ids').$type<string[]>().notNull().default([]),
    replyCount: integer('reply_count').notNull().default(0),
    pinnedAt: timestamp('pinned_at', { withTimezone: true }),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    unique('messages_chat_seq').on(table.chatId, table.seq),
    // Feed pages read top-level posts of a chat by seq; threads read replies of a post.
    index('messages_top_level').on(table.chatId, table.seq).where(sql`${table.parentId} is null`),
    index('messages_thread').on(table.parentId, table.seq),
  ],
);

/** Idempotency-Key of a post: the same key and content return the first message. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    chatId: text('chat_id').notNull(),
    authorId: text('author_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    messageId: text('message_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.chatId, table.authorId, table.key] })],
);
