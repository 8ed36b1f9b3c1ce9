import { type Executor, olderThan, prepared } from '@huddle/db';
import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { ChangeableField, ChatListOptions, ChatRepository } from '../app/ports';
import type { Chat } from '../domain/chat';
import { chatMembers, chats } from './schema';

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
  namedAfterClientId: row.namedAfterClientId,
  createdAt: row.createdAt.toISOString(),
});

/** Every request about a chat asks for it first (A1): prepared once. */
const chatById = prepared('chat_by_id', (db) =>
  db
    .select()
    .from(chats)
    .where(eq(chats.id, sql.placeholder('id'))),
);

export const chatsStore: ChatRepository = {
  /** False when a 1-on-1 with the same `directKey` exists already. */
  async insert(db: Executor, chat: Chat, directKey: string | null = null): Promise<boolean> {
    const inserted = await db
      .insert(chats)
      .values({ ...chat, directKey, createdAt: new Date(chat.createdAt) })
      .onConflictDoNothing({ target: chats.directKey })
      .returning({ id: chats.id });
    return inserted.length > 0;
  },

  async findProgram(db: Executor, practiceId: string, programId: string): Promise<Chat | undefined> {
    const [row] = await db
      .select()
      .from(chats)
      .where(and(eq(chats.practiceId, practiceId), eq(chats.programId, programId)));
    return row && toChat(row);
  },

  /** R1: false when the program's chat exists already (a concurrent upsert made it). */
  async insertProgram(db: Executor, chat: Chat): Promise<boolean> {
    const inserted = await db
      .insert(chats)
      .values({ ...chat, createdAt: new Date(chat.createdAt) })
      .onConflictDoNothing({ target: [chats.practiceId, chats.programId] })
      .returning({ id: chats.id });
    return inserted.length > 0;
  },

  async findDirect(db: Executor, directKey: string): Promise<Chat | undefined> {
    const [row] = await db.select().from(chats).where(eq(chats.directKey, directKey));
    return row && toChat(row);
  },

  async get(db: Executor, id: string): Promise<Chat | undefined> {
    const [row] = await chatById(db).execute({ id });
    return row && toChat(row);
  },

  /** Several chats by id, in no particular order. */
  async many(db: Executor, ids: string[]): Promise<Chat[]> {
    if (ids.length === 0) return [];
    return (await db.select().from(chats).where(inArray(chats.id, ids))).map(toChat);
  },

  /** Takes the chat row's lock for the rest of the transaction, serializing changes to the chat. */
  async getForUpdate(db: Executor, id: string): Promise<Chat | undefined> {
    const [row] = await db.select().from(chats).where(eq(chats.id, id)).for('update');
    return row && toChat(row);
  },

  async update(
    db: Executor,
    id: string,
    changes: Partial<Pick<Chat, ChangeableField>>,
  ): Promise<Chat | undefined> {
    // A name the owner gives is no longer the one generated from a client (S5, G5).
    const renamed = changes.name === undefined ? {} : { namedAfterClientId: null };
    const [row] = await db
      .update(chats)
      .set({ ...changes, ...renamed, updatedAt: new Date() })
      .where(eq(chats.id, id))
      .returning();
    return row && toChat(row);
  },

  /** S5: a direct chat becomes a group chat, for good, named after `namedAfterClientId`. */
  async convertToGroup(
    db: Executor,
    id: string,
    name: string,
    avatar: string,
    namedAfterClientId: string,
  ): Promise<Chat | undefined> {
    const [row] = await db
      .update(chats)
      .set({ kind: 'group', name, avatar, namedAfterClientId, directKey: null, updatedAt: new Date() })
      .where(eq(chats.id, id))
      .returning();
    return row && toChat(row);
  },

  /**
   * A person's active chats: pinned ones first (X4), each part most recently active first;
   * keyset-paged on (pinned, activity, id). Archived chats only when asked for (X4).
   */
  async listForPerson(db: Executor, practiceId: string, personId: string, options: ChatListOptions) {
    const { after } = options;
    const rows = await db
      .select({
        chat: chats,
        readSeq: chatMembers.readSeq,
        markedUnread: chatMembers.markedUnread,
        pinned: chatMembers.pinned,
        archived: chatMembers.archived,
        mutedUntil: chatMembers.mutedUntil,
      })
      .from(chatMembers)
      .innerJoin(chats, eq(chats.id, chatMembers.chatId))
      .where(
        and(
          eq(chatMembers.practiceId, practiceId),
          eq(chatMembers.personId, personId),
          isNull(chatMembers.removedAt),
          eq(chatMembers.archived, options.archived),
          options.pinned === null ? undefined : eq(chatMembers.pinned, options.pinned),
          after === null
            ? undefined
            : after.pinned
              ? or(
                  eq(chatMembers.pinned, false),
                  and(eq(chatMembers.pinned, true), olderThan(chats.lastActivityAt, chats.id, after)),
                )
              : and(eq(chatMembers.pinned, false), olderThan(chats.lastActivityAt, chats.id, after)),
        ),
      )
      .orderBy(desc(chatMembers.pinned), desc(chats.lastActivityAt), desc(chats.id))
      .limit(options.limit);
    return rows.map((row) => ({
      chat: toChat(row.chat),
      lastSeq: row.chat.lastSeq,
      floorSeq: row.chat.retentionFloorSeq,
      lastActivityAt: row.chat.lastActivityAt,
      readSeq: row.readSeq,
      markedUnread: row.markedUnread,
      pinned: row.pinned,
      archived: row.archived,
      mutedUntil: row.mutedUntil,
    }));
  },

  async seqs(db: Executor, id: string): Promise<{ lastSeq: number; floorSeq: number }> {
    const [row] = await db
      .select({ lastSeq: chats.lastSeq, floorSeq: chats.retentionFloorSeq })
      .from(chats)
      .where(eq(chats.id, id));
    return row ?? { lastSeq: 0, floorSeq: 0 };
  },
};
