import type { Database, Executor } from '@huddle/db';
import { and, asc, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { ScheduledMessage, ScheduledStatus } from '../domain/scheduled';
import { scheduledMessages } from './schema';

type Row = typeof scheduledMessages.$inferSelect;

const toScheduled = (row: Row): ScheduledMessage => ({
  id: row.id,
  practiceId: row.practiceId,
  chatId: row.chatId,
  authorId: row.authorId,
  body: row.body,
  parentId: row.parentId,
  mentions: row.mentions,
  attachmentIds: row.attachmentIds,
  sendAt: row.sendAt.toISOString(),
  status: row.status,
  messageId: row.messageId,
  failure: row.failureCode ? { code: row.failureCode, message: row.failureMessage ?? '' } : null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

/** Not being sent right now: no claim, or one whose lease has run out. */
const unclaimed = or(isNull(scheduledMessages.claimedUntil), lt(scheduledMessages.claimedUntil, sql`now()`));

const theirs = (practiceId: string, authorId: string, id: string) =>
  and(
    eq(scheduledMessages.id, id),
    eq(scheduledMessages.practiceId, practiceId),
    eq(scheduledMessages.authorId, authorId),
  );

export const scheduledStore = {
  async insert(db: Executor, message: ScheduledMessage): Promise<void> {
    await db.insert(scheduledMessages).values({
      ...message,
      sendAt: new Date(message.sendAt),
      createdAt: new Date(message.createdAt),
      updatedAt: new Date(message.updatedAt),
    });
  },

  /** One of the author's scheduled messages (nobody else's). */
  async find(db: Executor, practiceId: string, authorId: string, id: string) {
    const [row] = await db
      .select()
      .from(scheduledMessages)
      .where(theirs(practiceId, authorId, id));
    return (
      row && {
        message: toScheduled(row),
        claimed: row.claimedUntil !== null && row.claimedUntil > new Date(),
      }
    );
  },

  /** The author's scheduled messages of one status, soonest first, keyset on (sendAt, id). */
  async list(
    db: Executor,
    request: {
      practiceId: string;
      authorId: string;
      status: ScheduledStatus;
      after: { at: Date; id: string } | null;
      limit: number;
    },
  ): Promise<ScheduledMessage[]> {
    const { after } = request;
    const rows = await db
      .select()
      .from(scheduledMessages)
      .where(
        and(
          eq(scheduledMessages.practiceId, request.practiceId),
          eq(scheduledMessages.authorId, request.authorId),
          eq(scheduledMessages.status, request.status),
          after
            ? sql`(${scheduledMessages.sendAt}, ${scheduledMessages.id}) > (${after.at}, ${after.id})`
            : undefined,
        ),
      )
      .orderBy(asc(scheduledMessages.sendAt), asc(scheduledMessages.id))
      .limit(request.limit);
    return rows.map(toScheduled);
  },

  /** Changes a pending message no scheduler is sending; undefined when there is none such. */
  async update(
    db: Executor,
    current: ScheduledMessage,
    changes: Pick<ScheduledMessage, 'body' | 'parentId' | 'mentions' | 'attachmentIds' | 'sendAt'>,
  ): Promise<ScheduledMessage | undefined> {
    const [row] = await db
      .update(scheduledMessages)
      .set({ ...changes, sendAt: new Date(changes.sendAt), updatedAt: new Date() })
      .where(
        and(
          theirs(current.practiceId, current.authorId, current.id),
          eq(scheduledMessages.status, 'pending'),
          unclaimed,
        ),
      )
      .returning();
    return row && toScheduled(row);
  },

  /** Cancels (deletes) a pending or failed message no scheduler is sending; false when none. */
  async cancel(db: Executor, practiceId: string, authorId: string, id: string): Promise<boolean> {
    const deleted = await db
      .delete(scheduledMessages)
      .where(
        and(
          theirs(practiceId, authorId, id),
          inArray(scheduledMessages.status, ['pending', 'failed']),
          unclaimed,
        ),
      )
      .returning({ id: scheduledMessages.id });
    return deleted.length > 0;
  },

  /**
   * Claims up to `limit` due pending messages for `leaseMs`. FOR UPDATE SKIP LOCKED lets any
   * number of replicas claim at once without taking the same row; the database's clock
   * decides what is due, so replicas' clocks need not agree.
   */
  async claimDue(db: Database, limit: number, leaseMs: number): Promise<ScheduledMessage[]> {
    return db.transaction(async (tx) => {
      const due = await tx
        .select({ id: scheduledMessages.id })
        .from(scheduledMessages)
        .where(
          and(eq(scheduledMessages.status, 'pending'), lte(scheduledMessages.sendAt, sql`now()`), unclaimed),
        )
        .orderBy(asc(scheduledMessages.sendAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const rows = await tx
        .update(scheduledMessages)
        .set({
          claimedUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
          attempts: sql`${scheduledMessages.attempts} + 1`,
        })
        .where(
          inArray(
            scheduledMessages.id,
            due.map((row) => row.id),
          ),
        )
        .returning();
      return rows.map(toScheduled);
    });
  },

  /** Records the outcome of a claimed send; false when the claim was lost meanwhile. */
  async settle(
    db: Executor,
    id: string,
    outcome:
      | { status: 'sent'; messageId: string | null }
      | { status: 'failed'; code: string; message: string },
  ): Promise<boolean> {
    const set =
      outcome.status === 'sent'
        ? { status: 'sent' as const, messageId: outcome.messageId }
        : { status: 'failed' as const, failureCode: outcome.code, failureMessage: outcome.message };
    const settled = await db
      .update(scheduledMessages)
      .set({ ...set, claimedUntil: null, updatedAt: new Date() })
      .where(and(eq(scheduledMessages.id, id), eq(scheduledMessages.status, 'pending')))
      .returning({ id: scheduledMessages.id });
    return settled.length > 0;
  },
};
