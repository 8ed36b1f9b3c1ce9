import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

/**
 * C1: the audit trail, one hash chain per practice. Append-only: a trigger
 * (migration 0001) refuses UPDATE, DELETE and TRUNCATE, and nothing deletes
 * records — they are kept for good, well past the six years HIPAA asks for.
 */
export const auditRecords = pgTable(
  'audit_records',
  {
    practiceId: text('practice_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    /** The event it came from (unique: a redelivered event is recorded once). */
    id: text('id').notNull().unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    actorId: text('actor_id').notNull(),
    action: text('action').notNull(),
    chatId: text('chat_id'),
    targetIds: jsonb('target_ids').$type<string[]>().notNull(),
    outcome: text('outcome').$type<'succeeded' | 'forbidden'>().notNull(),
    requestId: text('request_id').notNull(),
    clientIp: text('client_ip').notNull(),
    userAgent: text('user_agent').notNull(),
    details: jsonb('details').$type<Record<string, string>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.practiceId, table.seq] }),
    index('audit_records_actor').on(table.practiceId, table.actorId, table.seq),
    index('audit_records_chat').on(table.practiceId, table.chatId, table.seq),
    index('audit_records_action').on(table.practiceId, table.action, table.seq),
  ],
);

/**
 * The newest record of each practice's chain. Appends lock this row (FOR UPDATE), so
 * appends to one practice happen one after another and each links to the one before;
 * verification compares it with the last record, so deleting the newest records shows.
 */
export const auditHeads = pgTable('audit_heads', {
  practiceId: text('practice_id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});
