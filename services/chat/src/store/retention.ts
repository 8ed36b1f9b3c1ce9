import type { Executor } from '@huddle/db';
import { and, asc, eq, gt, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { PurgeCounts, RetentionRepository } from '../app/ports';
import type { AgedMessage, LegalHold, Retention } from '../domain/retention';
import {
  attachmentRefs,
  attachments,
  chats,
  jobLeases,
  legalHolds,
  messages,
  practiceRetention,
  reactions,
  revisions,
  scheduledMessages,
} from './schema';

const toRetention = (row: typeof practiceRetention.$inferSelect): Retention => ({
  practiceId: row.practiceId,
  days: row.days,
  updatedBy: row.updatedBy,
  updatedAt: row.updatedAt.toISOString(),
});

const toHold = (row: typeof legalHolds.$inferSelect): LegalHold => ({
  chatId: row.chatId,
  held: row.held,
  reason: row.reason,
  updatedBy: row.updatedBy,
  updatedAt: row.updatedAt.toISOString(),
});

/** The chat's retention lock: a transaction advisory lock, so posts to the chat never wait on it. */
const lockChat = (db: Executor, chatId: string) =>
  db.execute(sql`select pg_advisory_xact_lock(hashtext(${`retention:${chatId}`}))`);

/** A chat is held while its row says so. */
const heldChats = sql`select ${legalHolds.chatId} from ${legalHolds} where ${legalHolds.held}`;

export const retentionStore: RetentionRepository = {
  async retention(db, practiceId) {
    const [row] = await db
      .select()
      .from(practiceRetention)
      .where(eq(practiceRetention.practiceId, practiceId));
    return row && toRetention(row);
  },

  async setRetention(db, practiceId, days, actorId) {
    // The row's lock orders concurrent changes, so each one's `previousDays` is the one it replaced.
    const [previous] = await db
      .select({ days: practiceRetention.days })
      .from(practiceRetention)
      .where(eq(practiceRetention.practiceId, practiceId))
      .for('update');
    const [row] = await db
      .insert(practiceRetention)
      .values({ practiceId, days, updatedBy: actorId, updatedAt: new Date() })
      .onConflictDoUpdate({
        target: practiceRetention.practiceId,
        set: { days, updatedBy: actorId, updatedAt: new Date() },
      })
      .returning();
    return { retention: toRetention(row!), previousDays: previous?.days ?? null };
  },

  async legalHold(db, chatId) {
    const [row] = await db.select().from(legalHolds).where(eq(legalHolds.chatId, chatId));
    return row && toHold(row);
  },

  async setLegalHold(db, hold) {
    await lockChat(db, hold.chatId);
    const [before] = await db.select().from(legalHolds).where(eq(legalHolds.chatId, hold.chatId));
    const reason = hold.held ? hold.reason : '';
    if (before && before.held === hold.held && before.reason === reason) {
      return { hold: toHold(before), changed: false };
    }
    const values = { held: hold.held, reason, updatedBy: hold.actorId, updatedAt: new Date() };
    const [row] = await db
      .insert(legalHolds)
      .values({ chatId: hold.chatId, practiceId: hold.practiceId, ...values })
      .onConflictDoUpdate({ target: legalHolds.chatId, set: values })
      .returning();
    return { hold: toHold(row!), changed: !before || before.held !== hold.held };
  },

  async practicesWithPeriod(db) {
    const rows = await db
      .select({ practiceId: practiceRetention.practiceId, days: practiceRetention.days })
      .from(practiceRetention)
      .where(isNotNull(practiceRetention.days))
      .orderBy(asc(practiceRetention.practiceId));
    return rows.map((row) => ({ practiceId: row.practiceId, days: row.days! }));
  },

  async chatsToSweep(db, practiceId, afterId, limit) {
    return db
      .select({ chatId: chats.id, floorSeq: chats.retentionFloorSeq })
      .from(chats)
      .where(
        and(
          eq(chats.practiceId, practiceId),
          afterId === null ? undefined : gt(chats.id, afterId),
          sql`${chats.id} not in (${heldChats})`,
        ),
      )
      .orderBy(asc(chats.id))
      .limit(limit);
  },

  async lockChat(db, chatId) {
    await lockChat(db, chatId);
    const [hold] = await db
      .select({ held: legalHolds.held })
      .from(legalHolds)
      .where(eq(legalHolds.chatId, chatId));
    const [chat] = await db
      .select({ floorSeq: chats.retentionFloorSeq })
      .from(chats)
      .where(eq(chats.id, chatId));
    return { held: hold?.held ?? false, floorSeq: chat?.floorSeq ?? 0 };
  },

  async nextMessages(db, chatId, afterSeq, limit) {
    return db
      .select({
        id: messages.id,
        seq: messages.seq,
        parentId: messages.parentId,
        createdAt: messages.createdAt,
      })
      .from(messages)
      .where(and(eq(messages.chatId, chatId), gt(messages.seq, afterSeq)))
      .orderBy(asc(messages.seq))
      .limit(limit)
      .for('update');
  },

  async purge(db: Executor, chatId: string, prefix: AgedMessage[]): Promise<PurgeCounts> {
    const counts: PurgeCounts = { messages: 0, tombstoned: 0, revisions: 0, reactions: 0, pins: 0 };
    const last = prefix.at(-1);
    if (!last) return counts;
    const ids = prefix.map((message) => message.id);
    // Thread roots whose younger replies stay: emptied to a tombstone, kept as the thread's anchor.
    const roots = prefix.filter((message) => message.parentId === null).map((message) => message.id);
    const anchoring =
      roots.length === 0
        ? []
        : await db
            .selectDistinct({ id: messages.parentId })
            .from(messages)
            .where(and(inArray(messages.parentId, roots), notInArray(messages.id, ids)));
    const anchors = new Set(anchoring.map((row) => row.id!));
    const doomed = ids.filter((id) => !anchors.has(id));
    const emptied = [...anchors];

    counts.revisions = (
      await db.delete(revisions).where(inArray(revisions.messageId, ids)).returning({ n: revisions.number })
    ).length;
    counts.reactions = (
      await db.delete(reactions).where(inArray(reactions.messageId, ids)).returning({ e: reactions.emoji })
    ).length;
    const pinned = await db
      .select({ id: messages.id })
      .from(messages)
      .where(and(inArray(messages.id, ids), isNotNull(messages.pinnedAt)));
    counts.pins = pinned.length;
    if (emptied.length > 0) {
      const tombstoned = await db
        .update(messages)
        .set({
          body: '',
          attachmentIds: [],
          mentions: [],
          pinnedAt: null,
          deletedAt: sql`coalesce(${messages.deletedAt}, now())`,
        })
        .where(inArray(messages.id, emptied))
        .returning({ id: messages.id });
      counts.tombstoned = tombstoned.length;
    }
    const deleted =
      doomed.length === 0
        ? []
        : await db
            .delete(messages)
            .where(inArray(messages.id, doomed))
            .returning({ id: messages.id, parentId: messages.parentId });
    // Tombstones at or below the floor whose last reply is gone now (or was deleted otherwise).
    const orphans = await db
      .delete(messages)
      .where(
        and(
          eq(messages.chatId, chatId),
          sql`${messages.seq} <= ${last.seq}`,
          isNotNull(messages.deletedAt),
          sql`not exists (select 1 from ${messages} as r where r.parent_id = ${messages.id})`,
        ),
      )
      .returning({ id: messages.id });
    counts.messages = deleted.length + orphans.length;
    const gone = [...deleted.map((row) => row.id), ...orphans.map((row) => row.id)];
    if (gone.length > 0) {
      // The files stay until purgeFiles finds nothing live referencing them.
      await db.delete(attachmentRefs).where(inArray(attachmentRefs.messageId, gone));
    }
    const parents = [
      ...new Set(
        deleted.flatMap((row) => (row.parentId && !gone.includes(row.parentId) ? [row.parentId] : [])),
      ),
    ];
    if (parents.length > 0) {
      await db
        .update(messages)
        .set({
          replyCount: sql`(select count(*) from ${messages} as r where r.parent_id = ${messages.id})::int`,
        })
        .where(inArray(messages.id, parents));
    }
    await db
      .update(chats)
      .set({ retentionFloorSeq: sql`greatest(${chats.retentionFloorSeq}, ${last.seq})` })
      .where(eq(chats.id, chatId));
    return counts;
  },

  async purgeFiles(db, practiceId, cutoff, limit) {
    const file = sql`jsonb_build_array(${attachments.id})`;
    const removable = db
      .select({ id: attachments.id })
      .from(attachments)
      .where(
        and(
          eq(attachments.practiceId, practiceId),
          sql`${attachments.createdAt} < ${cutoff}`,
          // A file a held chat ever used is kept with the chat.
          sql`not exists (select 1 from ${attachmentRefs} r where r.attachment_id = ${attachments.id} and r.chat_id in (${heldChats}))`,
          // A live message or a revision of one still references it.
          sql`not exists (select 1 from ${attachmentRefs} r join ${messages} m on m.id = r.message_id
                where r.attachment_id = ${attachments.id}
                  and (m.attachment_ids @> ${file}
                       or exists (select 1 from ${revisions} v where v.message_id = m.id and v.attachment_ids @> ${file})))`,
          // A scheduled message will send it.
          sql`not exists (select 1 from ${scheduledMessages} s
                where s.status = 'pending' and s.attachment_ids @> ${file})`,
        ),
      )
      .orderBy(asc(attachments.createdAt))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await db
      .delete(attachments)
      .where(inArray(attachments.id, removable))
      .returning({ id: attachments.id });
    const ids = rows.map((row) => row.id);
    if (ids.length > 0) await db.delete(attachmentRefs).where(inArray(attachmentRefs.attachmentId, ids));
    return ids;
  },

  async purgeScheduled(db, practiceId, cutoff, limit) {
    const settled = db
      .select({ id: scheduledMessages.id })
      .from(scheduledMessages)
      .where(
        and(
          eq(scheduledMessages.practiceId, practiceId),
          inArray(scheduledMessages.status, ['sent', 'failed']),
          sql`${scheduledMessages.updatedAt} < ${cutoff}`,
          sql`${scheduledMessages.chatId} not in (${heldChats})`,
        ),
      )
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await db
      .delete(scheduledMessages)
      .where(inArray(scheduledMessages.id, settled))
      .returning({ id: scheduledMessages.id });
    return rows.length;
  },

  async lease(db, name, holder, ms) {
    const until = sql`now() + ${`${ms} milliseconds`}::interval`;
    const rows = await db
      .insert(jobLeases)
      .values({ name, holder, leasedUntil: until })
      .onConflictDoUpdate({
        target: jobLeases.name,
        set: { holder, leasedUntil: until },
        setWhere: sql`${jobLeases.leasedUntil} < now() or ${jobLeases.holder} = ${holder}`,
      })
      .returning({ name: jobLeases.name });
    return rows.length > 0;
  },

  async release(db, name, holder) {
    await db
      .update(jobLeases)
      .set({ leasedUntil: sql`now()` })
      .where(and(eq(jobLeases.name, name), eq(jobLeases.holder, holder)));
  },
};
