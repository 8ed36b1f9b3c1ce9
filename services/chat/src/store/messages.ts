import type { Executor } from '@huddle/db';
import {
  and,
  asc,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  sql,
} from 'drizzle-orm';
import type { MessageRepository } from '../app/ports';
import type { Message } from '../domain/message';
import { authorshipAudit, idempotencyKeys, messages, reactions, revisions } from './schema';

/** A message's own columns: its search language and vector (X3) are for searching only. */
export const {
  searchLanguage: _language,
  searchVector: _vector,
  ...messageColumns
} = getTableColumns(messages);
type Row = Omit<typeof messages.$inferSelect, 'searchLanguage' | 'searchVector'>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export const toMessage = (row: Row): Message => ({
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

export const messagesStore: MessageRepository = {
  /**
   * Posts a message in one statement: takes the chat's next seq under its row's lock
   * (posts to one chat are serialized there, so seqs are gap-free and in commit order),
   * inserts the message, counts it as a reply of its parent, moves the author's read
   * marker to it and brings the chat back into archived members' lists (X4). One round
   * trip instead of five while the chat row is locked.
   *
   * P4: removals take the chat row's lock too. The author's membership is updated only once
   * the seq is taken (the one-time filter on `seq`), so a removal that committed while this
   * post waited for the lock is seen (PostgreSQL re-reads a row changed since the statement
   * began): the author's row is not updated and nothing is posted. Undefined then, or when
   * the chat is gone; the caller rolls its transaction back (the seq was taken).
   */
  async post(
    db: Executor,
    message: Omit<Message, 'seq'>,
    searchLanguage: string,
  ): Promise<number | undefined> {
    const result = await db.execute(sql`
      with seq as (
        update chats set last_seq = last_seq + 1, last_activity_at = ${message.createdAt}::timestamptz
        where id = ${message.chatId}
        returning last_seq
      ),
      author as (
        update chat_members
        set read_seq = greatest(read_seq, (select last_seq from seq)), marked_unread = false, archived = false
        where chat_id = ${message.chatId} and person_id = ${message.authorId} and removed_at is null
          and exists (select from seq)
        returning person_id
      ),
      unarchived as (
        update chat_members set archived = false
        where chat_id = ${message.chatId} and removed_at is null and archived
          and person_id <> ${message.authorId} and exists (select from author)
      ),
      posted as (
        insert into messages (id, chat_id, seq, parent_id, author_id, body, mentions, attachment_ids, created_at, search_language)
        select ${message.id}, ${message.chatId}, seq.last_seq, ${message.parentId}, ${message.authorId}, ${message.body},
          ${JSON.stringify(message.mentions)}::jsonb, ${JSON.stringify(message.attachmentIds)}::jsonb,
          ${message.createdAt}::timestamptz, ${searchLanguage}::regconfig
        from seq, author
        returning seq
      ),
      replied as (
        update messages set reply_count = reply_count + 1
        where id = ${message.parentId} and exists (select from posted)
      )
      select seq from posted`);
    const [row] = (result as unknown as { rows: Array<{ seq: string | number }> }).rows;
    return row === undefined ? undefined : Number(row.seq);
  },

  async get(db: Executor, id: string): Promise<Message | undefined> {
    const [row] = await db.select(messageColumns).from(messages).where(eq(messages.id, id));
    return row && toMessage(row);
  },

  /** X6: messages of one chat by id; ids of other chats or of no message are left out. */
  async getMany(db: Executor, chatId: string, ids: string[]): Promise<Message[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select()
      .from(messages)
      .where(and(eq(messages.chatId, chatId), inArray(messages.id, ids)));
    return rows.map(toMessage);
  },

  async getForUpdate(db: Executor, id: string): Promise<Message | undefined> {
    const [row] = await db.select(messageColumns).from(messages).where(eq(messages.id, id)).for('update');
    return row && toMessage(row);
  },

  /**
   * Newest first, keyset-paged on seq. Feed pages hold top-level posts that are
   * not pinned (pinned ones are listed apart); direct pages hold everything.
   */
  async page(
    db: Executor,
    chatId: string,
    options: { beforeSeq: number | null; limit: number; feed: boolean },
  ): Promise<Message[]> {
    const rows = await db
      .select(messageColumns)
      .from(messages)
      .where(
        and(
          eq(messages.chatId, chatId),
          options.feed ? and(isNull(messages.parentId), isNull(messages.pinnedAt)) : undefined,
          options.beforeSeq !== null ? lt(messages.seq, options.beforeSeq) : undefined,
        ),
      )
      .orderBy(desc(messages.seq))
      .limit(options.limit);
    return rows.map(toMessage);
  },

  /** A thread, oldest first, keyset-paged on seq. */
  async replies(
    db: Executor,
    parentId: string,
    options: { afterSeq: number | null; limit: number },
  ): Promise<Message[]> {
    const rows = await db
      .select(messageColumns)
      .from(messages)
      .where(
        and(
          eq(messages.parentId, parentId),
          options.afterSeq !== null ? gt(messages.seq, options.afterSeq) : undefined,
        ),
      )
      .orderBy(asc(messages.seq))
      .limit(options.limit);
    return rows.map(toMessage);
  },

  /** The newest `perPost` replies of each post, oldest first within a post, in one query. */
  async latestReplies(db: Executor, parentIds: string[], perPost: number): Promise<Map<string, Message[]>> {
    const byParent = new Map<string, Message[]>();
    if (parentIds.length === 0) return byParent;
    const ranked = db
      .select({
        id: messages.id,
        rank: sql<number>`row_number() over (partition by ${messages.parentId} order by ${messages.seq} desc)`.as(
          'rank',
        ),
      })
      .from(messages)
      .where(inArray(messages.parentId, parentIds))
      .as('ranked');
    const rows = await db
      .select({ message: messageColumns })
      .from(messages)
      .innerJoin(ranked, eq(ranked.id, messages.id))
      .where(sql`${ranked.rank} <= ${perPost}`)
      .orderBy(asc(messages.seq));
    for (const { message } of rows) {
      const list = byParent.get(message.parentId!) ?? [];
      list.push(toMessage(message));
      byParent.set(message.parentId!, list);
    }
    return byParent;
  },

  /** Pinned posts of a feed chat, newest pin first (G7). */
  async pinned(db: Executor, chatId: string): Promise<Message[]> {
    const rows = await db
      .select(messageColumns)
      .from(messages)
      .where(and(eq(messages.chatId, chatId), isNotNull(messages.pinnedAt)))
      .orderBy(desc(messages.pinnedAt));
    return rows.map(toMessage);
  },

  async countPinned(db: Executor, chatId: string): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(messages)
      .where(and(eq(messages.chatId, chatId), isNotNull(messages.pinnedAt)));
    return row?.n ?? 0;
  },

  async setPinned(db: Executor, id: string, pinned: boolean): Promise<Message | undefined> {
    const [row] = await db
      .update(messages)
      .set({ pinnedAt: pinned ? new Date() : null })
      .where(eq(messages.id, id))
      .returning(messageColumns);
    return row && toMessage(row);
  },

  /** G8: keeps the current content as a revision, then replaces it. */
  async edit(
    db: Executor,
    current: Message,
    content: { body: string; attachmentIds: string[] },
  ): Promise<Message> {
    const [{ n } = { n: 0 }] = await db
      .select({ n: count() })
      .from(revisions)
      .where(eq(revisions.messageId, current.id));
    await db.insert(revisions).values({
      messageId: current.id,
      number: n + 1,
      body: current.body,
      attachmentIds: current.attachmentIds,
    });
    const [row] = await db
      .update(messages)
      .set({ body: content.body, attachmentIds: content.attachmentIds, editedAt: new Date() })
      .where(eq(messages.id, current.id))
      .returning(messageColumns);
    return toMessage(row!);
  },

  async revisions(db: Executor, messageId: string) {
    return db
      .select({
        number: revisions.number,
        body: revisions.body,
        attachmentIds: revisions.attachmentIds,
        replacedAt: revisions.replacedAt,
      })
      .from(revisions)
      .where(eq(revisions.messageId, messageId))
      .orderBy(asc(revisions.number));
  },

  /**
   * A tombstone: the message keeps its place (and its thread its shape) but
   * loses its content, its pin, its revisions and its reactions (X1).
   */
  async tombstone(db: Executor, id: string): Promise<Message | undefined> {
    await db.delete(revisions).where(eq(revisions.messageId, id));
    await db.delete(reactions).where(eq(reactions.messageId, id));
    const [row] = await db
      .update(messages)
      .set({ body: '', attachmentIds: [], mentions: [], pinnedAt: null, deletedAt: new Date() })
      .where(and(eq(messages.id, id), isNull(messages.deletedAt)))
      .returning(messageColumns);
    return row && toMessage(row);
  },

  /** P2 keep: drops the author link of a person's messages in a chat, keeping the original in the audit table. */
  async unlinkAuthor(db: Executor, chatId: string, authorId: string, unlinkedBy: string): Promise<number> {
    const theirs = and(eq(messages.chatId, chatId), eq(messages.authorId, authorId));
    const ids = (await db.select({ id: messages.id }).from(messages).where(theirs)).map((row) => row.id);
    if (ids.length === 0) return 0;
    await db
      .insert(authorshipAudit)
      .values(ids.map((messageId) => ({ messageId, authorId, unlinkedBy })))
      .onConflictDoNothing();
    await db.update(messages).set({ authorId: null }).where(theirs);
    return ids.length;
  },

  /**
   * P2 delete / P3: deletes a person's posts and replies in a chat, and every
   * thread rooted at their posts; returns the ids deleted.
   */
  async deleteAllBy(db: Executor, chatId: string, authorId: string): Promise<string[]> {
    const theirs = await db
      .select({ id: messages.id, parentId: messages.parentId })
      .from(messages)
      .where(and(eq(messages.chatId, chatId), eq(messages.authorId, authorId)));
    if (theirs.length === 0) return [];
    const theirPosts = theirs.filter((m) => m.parentId === null).map((m) => m.id);
    const threadReplies =
      theirPosts.length > 0
        ? await db.select({ id: messages.id }).from(messages).where(inArray(messages.parentId, theirPosts))
        : [];
    const ids = [...new Set([...theirs.map((m) => m.id), ...threadReplies.map((m) => m.id)])];
    // Posts of others that lose replies get their counts back in step.
    const touchedParents = [
      ...new Set(theirs.flatMap((m) => (m.parentId && !theirPosts.includes(m.parentId) ? [m.parentId] : []))),
    ];
    // Their files' references stay: the files were used, so no uploader gets them back (A1).
    await db.delete(revisions).where(inArray(revisions.messageId, ids));
    await db.delete(messages).where(inArray(messages.id, ids));
    if (touchedParents.length > 0) {
      await db
        .update(messages)
        .set({
          replyCount: sql`(select count(*) from ${messages} as r where r.parent_id = ${messages.id})::int`,
        })
        .where(inArray(messages.id, touchedParents));
    }
    return ids;
  },

  /** The newest message of each chat, by the chats' last seqs. */
  async lastOf(db: Executor, chats: Array<{ chatId: string; seq: number }>): Promise<Map<string, Message>> {
    const wanted = chats.filter((chat) => chat.seq > 0);
    if (wanted.length === 0) return new Map();
    const rows = await db
      .select(messageColumns)
      .from(messages)
      .where(
        sql`(${messages.chatId}, ${messages.seq}) in (${sql.join(
          wanted.map((chat) => sql`(${chat.chatId}, ${chat.seq})`),
          sql`, `,
        )})`,
      );
    return new Map(rows.map((row) => [row.chatId, toMessage(row)]));
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

  /** Forgets a key whose message no longer exists. */
  async releaseIdempotencyKey(db: Executor, chatId: string, authorId: string, key: string): Promise<void> {
    await db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.chatId, chatId),
          eq(idempotencyKeys.authorId, authorId),
          eq(idempotencyKeys.key, key),
        ),
      );
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
