import { boolean, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

/** Practices (tenants) and their plans; this service is their owner. */
export const practices = pgTable('practices', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  plan: text('plan').$type<'starter' | 'professional' | 'plus' | 'team'>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Projection of the participant service's directory: the access attributes of
 * each person, from `participant.v1.person.upserted` events. No names.
 */
export const people = pgTable(
  'people',
  {
    practiceId: text('practice_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').$type<'practitioner' | 'client'>().notNull(),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    teamRole: text('team_role').$type<'owner' | 'admin' | 'member'>(),
    canManageTeamSettings: boolean('can_manage_team_settings').notNull().default(false),
    clientTagRestriction: jsonb('client_tag_restriction').$type<string[] | null>(),
    zoomLinked: boolean('zoom_linked').notNull().default(false),
    /** When the directory event applied last happened: an older one never overwrites a newer one. */
    sourceOccurredAt: timestamp('source_occurred_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.practiceId, table.id] })],
);

/** S4: the team members every new 1-on-1 chat of a practitioner is shared with. */
export const defaultSharing = pgTable(
  'default_sharing',
  {
    practiceId: text('practice_id').notNull(),
    practitionerId: text('practitioner_id').notNull(),
    teamMemberIds: jsonb('team_member_ids').$type<string[]>().notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.practiceId, table.practitionerId] })],
);
