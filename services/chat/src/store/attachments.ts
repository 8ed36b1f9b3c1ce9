import type { Executor } from '@huddle/db';
import { and, desc, eq, exists, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AttachmentRepository } from '../app/ports';
import type { Attachment } from '../domain/attachment';
import { attachmentRefs, attachments, chatMembers, messages, revisions } from './schema';

type Row = typeof attachments.$inferSelect;
const toAttachment = (row: Row): Attachment => ({ ...row, createdAt: row.createdAt.toISOString() });

export const attachmentsStore: AttachmentRepository = {
  async insert(db: Executor, attachment: Attachment): Promise<void> {
    await db.insert(attachments).values({ ...attachment, createdAt: new Date(attachment.createdAt) });
  },

  async get(db: Executor, practiceId: string, id: string): Promise<Attachment | undefined> {
    const [row] = await db
      .select()
      .from(attachments)
      .where(and(eq(attachments.practiceId, practiceId), eq(attachments.id, id)));
    return row && toAttachment(row);
  },

  async getMany(db: Executor, ids: string[]): Promise<Map<string, Attachment>> {
    if (ids.length === 0) return new Map();
    const rows = await db.select().from(attachments).where(inArray(attachments.id, ids));
    return new Map(rows.map((row) => [row.id, toAttachment(row)]));
  },

  async reference(db: Executor, chatId: string, messageId: string, attachmentIds: string[]): Promise<void> {
    if (attachmentIds.length === 0) return;
    await db
      .insert(attachmentRefs)
      .values(attachmentIds.map((attachmentId) => ({ attachmentId, messageId, chatId })))
      .onConflictDoNothing();
  },

  /** Whether any message ever referenced the file: from then on it is no longer its uploader's alone. */
  async wasUsed(db: Executor, attachmentId: string): Promise<boolean> {
    const [row] = await db
      .select({ id: attachmentRefs.attachmentId })
      .from(attachmentRefs)
      .where(eq(attachmentRefs.attachmentId, attachmentId))
      .limit(1);
    return row !== undefined;
  },

  /**
   * A1: whether the person may read the file: they take part in a chat where a live
   * message references it, or, as a team member there, a revision of a live message
   * does (G8: team members read the revision history). A deleted message references
   * nothing and has no revisions left.
   */
  async readableBy(db: Executor, attachmentId: string, personId: string): Promise<boolean> {
    const file = sql`jsonb_build_array(${attachmentId}::text)`;
    const [row] = await db
      .select({ id: attachmentRefs.attachmentId })
      .from(attachmentRefs)
      .innerJoin(
        chatMembers,
        and(
          eq(chatMembers.chatId, attachmentRefs.chatId),
          eq(chatMembers.personId, personId),
          isNull(chatMembers.removedAt),
        ),
      )
      .innerJoin(messages, and(eq(messages.id, attachmentRefs.messageId), isNull(messages.deletedAt)))
      .where(
        and(
          eq(attachmentRefs.attachmentId, attachmentId),
          or(
            sql`${messages.attachmentIds} @> ${file}`,
            and(
              eq(chatMembers.kind, 'practitioner'),
              exists(
                db
                  .select({ number: revisions.number })
                  .from(revisions)
                  .where(
                    and(eq(revisions.messageId, messages.id), sql`${revisions.attachmentIds} @> ${file}`),
                  ),
              ),
            ),
          ),
        ),
      )
      .limit(1);
    return row !== undefined;
  },

  /**
   * X5: the files live messages of a chat reference now (A1: not a deleted message's, not
   * one an edit replaced), newest message first, keyset-paged on (seq, attachment id).
   */
  async ofChat(
    db: Executor,
    chatId: string,
    options: { before: { seq: number; id: string } | null; limit: number },
  ): Promise<Array<{ attachment: Attachment; messageId: string; seq: number }>> {
    const { before } = options;
    const rows = await db
      .select({ attachment: attachments, messageId: messages.id, seq: messages.seq })
      .from(attachmentRefs)
      .innerJoin(messages, and(eq(messages.id, attachmentRefs.messageId), isNull(messages.deletedAt)))
      .innerJoin(attachments, eq(attachments.id, attachmentRefs.attachmentId))
      .where(
        and(
          eq(attachmentRefs.chatId, chatId),
          sql`${messages.attachmentIds} @> jsonb_build_array(${attachmentRefs.attachmentId})`,
          before
            ? sql`(${messages.seq}, ${attachmentRefs.attachmentId}) < (${before.seq}, ${before.id})`
            : undefined,
        ),
      )
      .orderBy(desc(messages.seq), desc(attachmentRefs.attachmentId))
      .limit(options.limit);
    return rows.map((row) => ({ ...row, attachment: toAttachment(row.attachment) }));
  },
};
