import { boolean, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export { inbox, outbox } from '@huddle/bus/tables';

/** The directory: people given by the platform, one practice each. */
export const people = pgTable(
  'people',
  {
    practiceId: text('practice_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').$type<'practitioner' | 'client'>().notNull(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name').notNull(),
    photoUrl: text('photo_url'),
    tags: jsonb('tags').$type<string[]>().notNull().default([]),
    teamRole: text('team_role').$type<'owner' | 'admin' | 'member'>(),
    canManageTeamSettings: boolean('can_manage_team_settings').notNull().default(false),
    clientTagRestriction: jsonb('client_tag_restriction').$type<string[] | null>(),
    zoomLinked: boolean('zoom_linked').notNull().default(false),
    email: text('email'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.practiceId, table.id] })],
);

/** Memberships of people in chats; a removed one keeps its row with `removedAt` set. */
export const participants = pgTable(
  'participants',
  {
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    practiceId: text('practice_id').notNull(),
    role: text('role').$type<'owner' | 'team' | 'client'>().notNull(),
    via: text('via').$type<'created' | 'invited' | 'default_sharing' | 'program' | 'conversion'>().notNull(),
    kind: text('kind').$type<'practitioner' | 'client'>().notNull(),
    addedBy: text('added_by').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    pseudonym: text('pseudonym').notNull(),
  },
  (table) => [primaryKey({ columns: [table.chatId, table.personId] })],
);

/** Per-chat counter behind client pseudonyms ("Client 1", "Client 2", …), never reused. */
export const pseudonymCounters = pgTable('pseudonym_counters', {
  chatId: text('chat_id').primaryKey(),
  clientsSeen: integer('clients_seen').notNull().default(0),
});
