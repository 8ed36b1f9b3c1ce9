import type { Executor } from '@huddle/db';
import { and, desc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Message } from '../domain/message';
import { idempotencyKeys, messages } from './schema';

type Row = typeof messages.$inferSelect;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const toMessage = (row: Row): Message => ({
  id: row.id,
  chatId: row.chatId,
  seq: row.seq,
  parentId: row.parentId,
  authorId: row.authorId,
  body: row.body,
  mentions: row.mentions,
  attachmentIds: row.attachmentIds,
  replyCount: row.replyCount,
  pinnedAt: iso(row.pinnedAt),
  editedAt: iso(row.editedAt),
  deletedAt: iso(row.deletedAt),
  createdAt: row.createdAt.toISOString(),
});

export const messagesStore = {
  async insert(db: Executor, message: Message): Promise<void> {
    await db.insert(messages).values({
      ...message,
      pinnedAt: null,
      editedAt: null,
      deletedAt: null,
      createdAt: new Date(message.createdAt),
    });
    if (message.parentId) {
      await db
        .update(messages)
        .set({ replyCount: sql`${messages.replyCount} + 1` })
        .where(eq(messages.id, message.parentId));
    }
  },

  async get(db: Executor, id: string): Promise<Message | undefined> {
    const [row] = await db.select().from(messages).where(eq(messages.id, id));
    return row && toMessage(row);
  },

  /** Newest first, keyset-paged on seq; `topLevelOnly` for feed pages. */
  async page(
    db: Executor,
    chatId: string,
    options: { beforeSeq: number | null; limit: number; topLevelOnly: boolean },
  ): Promise<Message[]> {
    const rows = await db
      .select()
      .from(messages)
      .where(
        and(
          eq(messages.chatId, chatId),
          options.topLevelOnly ? isNull(messages.parentId) : undefined,
          options.beforeSeq !== null ? lt(messages.seq, options.beforeSeq) : undefined,
        ),
      )
      .orderBy(desc(messages.seq))
      .limit(options.limit);
    return rows.map(toMessage);
  },

  async findIdempotent(
    db: Executor,
    chatId: string,
    authorId: string,
    key: string,
  ): Promise<{ requestHash: string; messageId: string } | undefined> {
    const [row] = await db
      .select({ requestHash: idempotencyKeys.requestHash, messageId: idempotencyKeys.messageId })
      .from(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.chatId, chatId),
          eq(idempotencyKeys.authorId, authorId),
          eq(idempotencyKeys.key, key),
        ),
      );
    return row;
  },

  /** Claims a key for a message; false when another post claimed it first. */
  async claimIdempotencyKey(
    db: Executor,
    entry: { chatId: string; authorId: string; key: string; requestHash: string; messageId: string },
  ): Promise<boolean> {
    const claimed = await db
      .insert(idempotencyKeys)
      .values(entry)
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    return claimed.length > 0;
  },
};
