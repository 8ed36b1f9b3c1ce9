import type { Database, Executor } from '@huddle/db';
import { and, asc, count, eq, gt, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ExportRepository, ExportSource } from '../app/export-ports';
import {
  type ChatExport,
  EXPORT_CONTENT_TYPES,
  type ExportCounts,
  type ExportFormat,
} from '../domain/export';
import {
  attachments,
  authorshipAudit,
  chatExportFiles,
  chatExportParts,
  chatExports,
  messages,
  participantChanges,
  revisions,
} from './schema';

type Row = typeof chatExports.$inferSelect;
type FileRow = typeof chatExportFiles.$inferSelect;

const iso = (date: Date | null) => date?.toISOString() ?? null;

const toExport = (row: Row, files: FileRow[]): ChatExport => ({
  id: row.id,
  practiceId: row.practiceId,
  chatId: row.chatId,
  requestedBy: row.requestedBy,
  status: row.status,
  messagesDone: row.messagesDone,
  messagesTotal: row.messagesTotal,
  counts: (row.counts as ExportCounts | null) ?? null,
  failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
  createdAt: row.createdAt.toISOString(),
  startedAt: iso(row.startedAt),
  completedAt: iso(row.completedAt),
  expiresAt: row.expiresAt.toISOString(),
  files:
    row.status === 'ready'
      ? files
          .map((file) => ({
            format: file.format,
            contentType: EXPORT_CONTENT_TYPES[file.format],
            size: file.size,
            sha256: file.sha256,
          }))
          .sort((a, b) => a.format.localeCompare(b.format))
      : [],
});

const lease = (leaseMs: number) => sql`now() + ${`${leaseMs} milliseconds`}::interval`;

/** Waiting for a worker: never claimed, or claimed by one whose lease ran out. */
const claimable = or(
  eq(chatExports.status, 'pending'),
  and(
    eq(chatExports.status, 'running'),
    or(isNull(chatExports.claimedUntil), lt(chatExports.claimedUntil, sql`now()`)),
  ),
);

export const exportsStore: ExportRepository = {
  async insert(db, record) {
    await db.insert(chatExports).values({
      id: record.id,
      practiceId: record.practiceId,
      chatId: record.chatId,
      requestedBy: record.requestedBy,
      status: record.status,
      createdAt: new Date(record.createdAt),
      expiresAt: new Date(record.expiresAt),
    });
  },

  async find(db, practiceId, id) {
    const [row] = await db
      .select()
      .from(chatExports)
      .where(and(eq(chatExports.id, id), eq(chatExports.practiceId, practiceId)));
    if (!row) return undefined;
    const files = await db.select().from(chatExportFiles).where(eq(chatExportFiles.exportId, id));
    return toExport(row, files);
  },

  async claimNext(db: Database, leaseMs) {
    return db.transaction(async (tx) => {
      const [next] = await tx
        .select({ id: chatExports.id })
        .from(chatExports)
        .where(claimable)
        .orderBy(asc(chatExports.createdAt))
        .limit(1)
        .for('update', { skipLocked: true });
      if (!next) return undefined;
      const [row] = await tx
        .update(chatExports)
        .set({
          status: 'running',
          claimedUntil: lease(leaseMs),
          attempts: sql`${chatExports.attempts} + 1`,
          startedAt: sql`now()`,
          messagesDone: 0,
        })
        .where(eq(chatExports.id, next.id))
        .returning();
      return row && { export: toExport(row, []), attempts: row.attempts };
    });
  },

  async progress(db, id, leaseMs, progress) {
    const rows = await db
      .update(chatExports)
      .set({ claimedUntil: lease(leaseMs), ...progress })
      .where(and(eq(chatExports.id, id), eq(chatExports.status, 'running')))
      .returning({ id: chatExports.id });
    return rows.length > 0;
  },

  async discardFiles(db, id) {
    await db.delete(chatExportParts).where(eq(chatExportParts.exportId, id));
    await db.delete(chatExportFiles).where(eq(chatExportFiles.exportId, id));
  },

  async putPart(db, id, format, part, data) {
    await db.insert(chatExportParts).values({ exportId: id, format, part, data });
  },

  async finish(db, id, files, counts) {
    for (const file of files) {
      await db.insert(chatExportFiles).values({
        exportId: id,
        format: file.format,
        size: file.size,
        sha256: file.sha256,
        parts: file.parts,
      });
    }
    await db
      .update(chatExports)
      .set({ status: 'ready', counts: { ...counts }, completedAt: sql`now()`, claimedUntil: null })
      .where(eq(chatExports.id, id));
  },

  async fail(db, id, failure) {
    await exportsStore.discardFiles(db, id);
    await db
      .update(chatExports)
      .set({
        status: 'failed',
        failureCode: failure.code,
        failureMessage: failure.message,
        completedAt: sql`now()`,
        claimedUntil: null,
      })
      .where(eq(chatExports.id, id));
  },

  async expireDue(db, limit) {
    // Any export past its time: a ready one's files go; one still queued is not built any more.
    const due = await db
      .select({ id: chatExports.id })
      .from(chatExports)
      .where(
        and(
          lte(chatExports.expiresAt, sql`now()`),
          inArray(chatExports.status, ['ready', 'pending', 'running']),
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
    for (const { id } of due) {
      await exportsStore.discardFiles(db, id);
      await db
        .update(chatExports)
        .set({ status: 'expired', claimedUntil: null })
        .where(eq(chatExports.id, id));
    }
    return due.length;
  },

  async fileParts(db, id, format) {
    const [row] = await db
      .select({ parts: chatExportFiles.parts })
      .from(chatExportFiles)
      .where(and(eq(chatExportFiles.exportId, id), eq(chatExportFiles.format, format)));
    return row?.parts;
  },

  async readPart(db, id, format: ExportFormat, part) {
    const [row] = await db
      .select({ data: chatExportParts.data })
      .from(chatExportParts)
      .where(
        and(
          eq(chatExportParts.exportId, id),
          eq(chatExportParts.format, format),
          eq(chatExportParts.part, part),
        ),
      );
    return row?.data;
  },
};

const parents = alias(messages, 'parents');

export const exportSource: ExportSource = {
  async extent(db: Executor, chatId) {
    const [row] = await db
      .select({ upToSeq: sql<number>`coalesce(max(${messages.seq}), 0)`.mapWith(Number), messages: count() })
      .from(messages)
      .where(eq(messages.chatId, chatId));
    return { upToSeq: row?.upToSeq ?? 0, messages: row?.messages ?? 0 };
  },

  async participantChanges(db, chatId) {
    const rows = await db
      .select()
      .from(participantChanges)
      .where(eq(participantChanges.chatId, chatId))
      .orderBy(asc(participantChanges.at), asc(participantChanges.id));
    return rows.map((row) => ({
      change: row.change,
      personId: row.personId,
      role: row.role,
      via: row.via,
      changedBy: row.changedBy,
      messages: row.messages,
      at: row.at.toISOString(),
    }));
  },

  async messages(db, chatId, range) {
    const rows = await db
      .select({
        id: messages.id,
        seq: messages.seq,
        parentId: messages.parentId,
        parentSeq: parents.seq,
        authorId: messages.authorId,
        body: messages.body,
        mentions: messages.mentions,
        attachmentIds: messages.attachmentIds,
        pinnedAt: messages.pinnedAt,
        editedAt: messages.editedAt,
        deletedAt: messages.deletedAt,
        createdAt: messages.createdAt,
        originalAuthorId: authorshipAudit.authorId,
        unlinkedAt: authorshipAudit.unlinkedAt,
        unlinkedBy: authorshipAudit.unlinkedBy,
      })
      .from(messages)
      .leftJoin(parents, eq(parents.id, messages.parentId))
      .leftJoin(authorshipAudit, eq(authorshipAudit.messageId, messages.id))
      .where(
        and(eq(messages.chatId, chatId), gt(messages.seq, range.afterSeq), lte(messages.seq, range.upToSeq)),
      )
      .orderBy(asc(messages.seq))
      .limit(range.limit);
    const ids = rows.map((row) => row.id);
    const history =
      ids.length === 0
        ? []
        : await db
            .select()
            .from(revisions)
            .where(inArray(revisions.messageId, ids))
            .orderBy(asc(revisions.messageId), asc(revisions.number));
    return rows.map((row) => ({
      id: row.id,
      seq: row.seq,
      parentId: row.parentId,
      parentSeq: row.parentSeq ?? null,
      authorId: row.authorId,
      body: row.body,
      mentions: row.mentions,
      attachmentIds: row.attachmentIds,
      pinnedAt: iso(row.pinnedAt),
      editedAt: iso(row.editedAt),
      deletedAt: iso(row.deletedAt),
      createdAt: row.createdAt.toISOString(),
      revisions: history
        .filter((revision) => revision.messageId === row.id)
        .map((revision) => ({
          number: revision.number,
          body: revision.body,
          attachmentIds: revision.attachmentIds,
          replacedAt: revision.replacedAt.toISOString(),
        })),
      originalAuthor:
        row.originalAuthorId && row.unlinkedAt && row.unlinkedBy
          ? {
              authorId: row.originalAuthorId,
              unlinkedAt: row.unlinkedAt.toISOString(),
              unlinkedBy: row.unlinkedBy,
            }
          : null,
    }));
  },

  async attachments(db, ids) {
    if (ids.length === 0) return [];
    return db
      .select({
        id: attachments.id,
        filename: attachments.filename,
        contentType: attachments.contentType,
        size: attachments.size,
        sha256: attachments.sha256,
      })
      .from(attachments)
      .where(inArray(attachments.id, ids));
  },
};
