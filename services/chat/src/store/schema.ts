import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
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

/** X3: a text search configuration's name (e.g. `english`), as PostgreSQL's `regconfig`. */
const regconfig = customType<{ data: string }>({ dataType: () => 'regconfig' });
/** X3: a document prepared for text search; written by PostgreSQL only (a generated column). */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const chats = pgTable(
  'chats',
  {
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
    /** S5, G5: the client a converted chat's generated name was made from; cleared by a rename. */
    namedAfterClientId: text('named_after_client_id'),
    /** `<ownerId>:<clientId>` while a 1-on-1 (S1): one per pair; cleared when converted (S5). */
    directKey: text('direct_key').unique(),
    /** The seq of the newest message; a post takes the next one under this row's lock. */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    /**
     * C3: the retention job deleted this chat's history up to this seq (a prefix; thread roots
     * with younger replies stay as tombstones), so unread counts leave those seqs out (U1).
     */
    retentionFloorSeq: bigint('retention_floor_seq', { mode: 'number' }).notNull().default(0),
    /** Orders a person's chat list: the newest message's time, or the creation time. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // R1: one chat per program of a practice.
  (table) => [unique('chats_program').on(table.practiceId, table.programId)],
);

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
    /** X3: the practice's search language when the message was posted (`simple` stems nothing). */
    searchLanguage: regconfig('search_language').notNull().default(sql`'simple'::regconfig`),
    /**
     * X3: the body as searched, always its current text: an edit re-indexes it, a tombstone
     * (body '') leaves nothing to find. Never selected with a message (`messageColumns`).
     */
    searchVector: tsvector('search_vector')
      .notNull()
      .generatedAlwaysAs(sql`to_tsvector("search_language", "body")`),
  },
  (table) => [
    unique('messages_chat_seq').on(table.chatId, table.seq),
    // X3: by chat and words (btree_gin), so a person in a few chats reads only their matches.
    index('messages_search').using('gin', table.chatId, table.searchVector),
    // Feed pages read top-level posts of a chat by seq; threads read replies of a post.
    index('messages_top_level').on(table.chatId, table.seq).where(sql`${table.parentId} is null`),
    index('messages_thread').on(table.parentId, table.seq),
    // X3: a search with many matches reads them newest first, to rank only the newest.
    index('messages_created').on(table.createdAt, table.id),
  ],
);

/**
 * X1: one person's reaction with one emoji to a message; a tombstone drops its reactions,
 * and a message deleted outright takes them with it.
 */
export const reactions = pgTable(
  'reactions',
  {
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    emoji: text('emoji').notNull(),
    personId: text('person_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.messageId, table.emoji, table.personId] })],
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

/**
 * The chat's view of its memberships: a projection of the participant service's
 * (written when this service adds people, and from participant events as a
 * safety net) that answers access checks and chat lists without a call, and
 * holds each participant's read marker (U1) and personal chat state (X4).
 */
export const chatMembers = pgTable(
  'chat_members',
  {
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    practiceId: text('practice_id').notNull(),
    role: text('role').$type<'owner' | 'team' | 'client'>().notNull(),
    kind: text('kind').$type<'practitioner' | 'client'>().notNull(),
    readSeq: bigint('read_seq', { mode: 'number' }).notNull().default(0),
    markedUnread: boolean('marked_unread').notNull().default(false),
    /** X4: the member's own chat state: pinned to the top, archived out of the list, muted until. */
    pinned: boolean('pinned').notNull().default(false),
    archived: boolean('archived').notNull().default(false),
    mutedUntil: timestamp('muted_until', { withTimezone: true }),
    /** X4: counts changes of the member's chat state, so consumers of its events keep the newest. */
    stateVersion: integer('state_version').notNull().default(0),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    removedAt: timestamp('removed_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({ columns: [table.chatId, table.personId] }),
    index('chat_members_person').on(table.practiceId, table.personId),
  ],
);

/** Earlier contents of edited messages (G8), numbered from 1. */
export const revisions = pgTable(
  'revisions',
  {
    messageId: text('message_id').notNull(),
    number: integer('number').notNull(),
    body: text('body').notNull(),
    attachmentIds: jsonb('attachment_ids').$type<string[]>().notNull(),
    replacedAt: timestamp('replaced_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.messageId, table.number] })],
);

export const attachments = pgTable('attachments', {
  id: text('id').primaryKey(),
  practiceId: text('practice_id').notNull(),
  uploaderId: text('uploader_id').notNull(),
  filename: text('filename').notNull(),
  contentType: text('content_type').notNull(),
  size: bigint('size', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Which messages reference, or once referenced, an attachment (any revision, and kept when
 * the message is deleted): a file once used is no longer its uploader's alone, and who may
 * download it follows from the live messages and revisions these lead to (A1).
 */
export const attachmentRefs = pgTable(
  'attachment_refs',
  {
    attachmentId: text('attachment_id').notNull(),
    messageId: text('message_id').notNull(),
    chatId: text('chat_id').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.attachmentId, table.messageId] }),
    index('attachment_refs_message').on(table.messageId),
    // X5: a chat's files.
    index('attachment_refs_chat').on(table.chatId),
  ],
);

/**
 * P2: when a removed participant's messages are kept, the author link is
 * dropped from the message; the original author is kept here, for audit only,
 * and never served by any API.
 */
export const authorshipAudit = pgTable('authorship_audit', {
  messageId: text('message_id').primaryKey(),
  authorId: text('author_id').notNull(),
  unlinkedAt: timestamp('unlinked_at', { withTimezone: true }).notNull().defaultNow(),
  unlinkedBy: text('unlinked_by').notNull(),
});

/** S4: team members default sharing skipped when a 1-on-1 started, and why. */
export const sharingSkips = pgTable(
  'sharing_skips',
  {
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    reason: text('reason').notNull(),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.chatId, table.personId] })],
);

/** M1: a practitioner's Zoom access token, for creating meetings as them. Never served back. */
export const zoomLinks = pgTable(
  'zoom_links',
  {
    practiceId: text('practice_id').notNull(),
    personId: text('person_id').notNull(),
    accessToken: text('access_token').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.practiceId, table.personId] })],
);

/**
 * X2: a post or reply its author scheduled for `sendAt`, seen by nobody else until sent.
 * A scheduler claims due rows (FOR UPDATE SKIP LOCKED) by setting `claimedUntil`, a lease:
 * a replica that dies between claim and send leaves the row to be claimed again once the
 * lease ends, and the post it may have made already is found by its idempotency key.
 */
export const scheduledMessages = pgTable(
  'scheduled_messages',
  {
    id: text('id').primaryKey(),
    practiceId: text('practice_id').notNull(),
    chatId: text('chat_id').notNull(),
    authorId: text('author_id').notNull(),
    body: text('body').notNull(),
    parentId: text('parent_id'),
    mentions: jsonb('mentions').$type<string[]>().notNull().default([]),
    attachmentIds: jsonb('attachment_ids').$type<string[]>().notNull().default([]),
    sendAt: timestamp('send_at', { withTimezone: true }).notNull(),
    status: text('status').$type<'pending' | 'sent' | 'failed'>().notNull().default('pending'),
    /** While in the future, one scheduler is sending the message: nobody else claims or changes it. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** Claims so far; more than one means a sender died or the database failed mid-send. */
    attempts: integer('attempts').notNull().default(0),
    /** The message it became, once sent. */
    messageId: text('message_id'),
    /** Why it may not be sent (an error code and its message), once failed. */
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('scheduled_messages_due').on(table.sendAt).where(sql`${table.status} = 'pending'`),
    index('scheduled_messages_author').on(table.practiceId, table.authorId, table.sendAt),
  ],
);

/** C3: a practice's retention period, set by its practice owner; no row, or null days: none. */
export const practiceRetention = pgTable('practice_retention', {
  practiceId: text('practice_id').primaryKey(),
  days: integer('days'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** C3: chats under legal hold (and lifted ones, `held` false): the retention job skips held ones. */
export const legalHolds = pgTable('legal_holds', {
  chatId: text('chat_id').primaryKey(),
  practiceId: text('practice_id').notNull(),
  held: boolean('held').notNull(),
  reason: text('reason').notNull().default(''),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Leases of background jobs that one replica at a time runs (C3 retention): a replica holds
 * the job while `leasedUntil` is ahead and renews it as it goes; one that dies frees it when
 * the lease runs out.
 */
export const jobLeases = pgTable('job_leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  leasedUntil: timestamp('leased_until', { withTimezone: true }).notNull(),
});
/**
 * C2: every participant change of a chat (added or removed, by whom, when; on removal whether
 * their messages were kept or deleted), appended when this service's membership projection
 * changes: at once for changes it makes itself, from participant events for the others (S3).
 * The participant service renews a membership in place and keeps no history; the export needs it.
 */
export const participantChanges = pgTable(
  'participant_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    chatId: text('chat_id').notNull(),
    personId: text('person_id').notNull(),
    change: text('change').$type<'added' | 'removed'>().notNull(),
    role: text('role').$type<'owner' | 'team' | 'client'>(),
    /** How an added participant came (`created`, `invited`, …); null for removals. */
    via: text('via'),
    /** Who made the change; null when not known (changes recorded before this table). */
    changedBy: text('changed_by'),
    /** P2/P3: on a removal, whether their messages were kept (unlinked) or deleted. */
    messages: text('messages').$type<'keep' | 'delete'>(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('participant_changes_chat').on(table.chatId, table.id)],
);

/**
 * C2: a practice owner's export of one chat, built in the background by the export worker.
 * `claimedUntil` is the worker's lease, as for scheduled messages: a worker that dies leaves
 * the export to be claimed again once it runs out, and started over (or failed, after a few).
 */
export const chatExports = pgTable(
  'chat_exports',
  {
    id: text('id').primaryKey(),
    practiceId: text('practice_id').notNull(),
    chatId: text('chat_id').notNull(),
    requestedBy: text('requested_by').notNull(),
    status: text('status').$type<'pending' | 'running' | 'ready' | 'failed' | 'expired'>().notNull(),
    /** The newest message the export holds: messages posted after it started are left out. */
    upToSeq: bigint('up_to_seq', { mode: 'number' }),
    messagesTotal: integer('messages_total'),
    messagesDone: integer('messages_done').notNull().default(0),
    /** What the finished export holds: messages, revisions, attachments, participantChanges. */
    counts: jsonb('counts').$type<Record<string, number>>(),
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    failureCode: text('failure_code'),
    failureMessage: text('failure_message'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    /** Seven days after it was requested; the worker then deletes its files. */
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    index('chat_exports_queue').on(table.createdAt).where(sql`${table.status} in ('pending', 'running')`),
    index('chat_exports_expiry').on(table.expiresAt).where(sql`${table.status} = 'ready'`),
  ],
);

/**
 * C2: an export's files (`json`, `pdf`), in parts of at most 1 MiB in the order written, so a
 * big chat's export is written and served a part at a time; size and SHA-256 of the whole file
 * on the last part's export row (`chat_export_files`).
 */
export const chatExportParts = pgTable(
  'chat_export_parts',
  {
    exportId: text('export_id')
      .notNull()
      .references(() => chatExports.id, { onDelete: 'cascade' }),
    format: text('format').$type<'json' | 'pdf'>().notNull(),
    part: integer('part').notNull(),
    data: customType<{ data: Buffer }>({ dataType: () => 'bytea' })('data').notNull(),
  },
  (table) => [primaryKey({ columns: [table.exportId, table.format, table.part] })],
);

/** C2: a finished export file: its size, hash and how many parts it was stored in. */
export const chatExportFiles = pgTable(
  'chat_export_files',
  {
    exportId: text('export_id')
      .notNull()
      .references(() => chatExports.id, { onDelete: 'cascade' }),
    format: text('format').$type<'json' | 'pdf'>().notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    parts: integer('parts').notNull(),
  },
  (table) => [primaryKey({ columns: [table.exportId, table.format] })],
);
