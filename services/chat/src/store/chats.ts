import type { Executor } from '@huddle/db';
import { eq, sql } from 'drizzle-orm';
import type { Chat } from '../domain/chat';
import { chats } from './schema';

type Row = typeof chats.$inferSelect;

const toChat = (row: Row): Chat => ({
  id: row.id,
  practiceId: row.practiceId,
  kind: row.kind,
  name: row.name,
  avatar: row.avatar,
  style: row.style,
  clientNaming: row.clientNaming,
  hideClientIdentities: row.hideClientIdentities,
  locked: row.locked,
  ownerId: row.ownerId,
  programId: row.programId,
  createdAt: row.createdAt.toISOString(),
});

export const chatsStore = {
  async insert(db: Executor, chat: Chat): Promise<void> {
    await db.insert(chats).values({ ...chat, createdAt: new Date(chat.createdAt) });
  },

  async get(db: Executor, id: string): Promise<Chat | undefined> {
    const [row] = await db.select().from(chats).where(eq(chats.id, id));
    return row && toChat(row);
  },

  /**
   * Locks the chat row and takes the next message seq: posts to one chat are
   * serialized here, so seqs are gap-free and in commit order.
   */
  async nextSeq(db: Executor, id: string): Promise<number | undefined> {
    const [row] = await db
      .update(chats)
      .set({ lastSeq: sql`${chats.lastSeq} + 1` })
      .where(eq(chats.id, id))
      .returning({ seq: chats.lastSeq });
    return row?.seq;
  },
};
