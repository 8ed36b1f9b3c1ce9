import type { Executor } from '@huddle/db';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Attachment } from '../domain/attachment';
import { attachmentRefs, attachments, chatMembers } from './schema';

type Row = typeof attachments.$inferSelect;
const toAttachment = (row: Row): Attachment => ({ ...row, createdAt: row.createdAt.toISOString() });

export const attachmentsStore = {
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

  async isReferenced(db: Executor, attachmentId: string): Promise<boolean> {
    const [row] = await db
      .select({ id: attachmentRefs.attachmentId })
      .from(attachmentRefs)
      .where(eq(attachmentRefs.attachmentId, attachmentId))
      .limit(1);
    return row !== undefined;
  },

  /** Whether the person is an active participant of a chat with a message referencing the file. */
  async reachableBy(db: Executor, attachmentId: string, personId: string): Promise<boolean> {
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
      .where(eq(attachmentRefs.attachmentId, attachmentId))
      .limit(1);
    return row !== undefined;
  },
};
