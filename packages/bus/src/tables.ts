import { bigserial, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Transactional outbox: events written in the same transaction as the change
 * they describe, published to JetStream afterwards and then deleted. Every
 * service's schema re-exports this table so its migrations create it.
 * `envelope` also keeps the change's trace context (`trace: { traceparent,
 * tracestate }`), which the relay sends as message headers, not in the body.
 */
export const outbox = pgTable('outbox', {
  position: bigserial('position', { mode: 'number' }).primaryKey(),
  id: text('id').notNull().unique(),
  type: text('type').notNull(),
  envelope: jsonb('envelope').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Inbox: the events each durable consumer has applied, so a redelivery is applied once. */
export const inbox = pgTable(
  'inbox',
  {
    consumer: text('consumer').notNull(),
    eventId: text('event_id').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.consumer, table.eventId] })],
);
