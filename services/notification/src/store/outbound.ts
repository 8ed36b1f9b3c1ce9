import type { Database, Executor } from '@huddle/db';
import { and, asc, count, eq, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type {
  ChannelRepository,
  Delivery,
  DeliveryOutcome,
  DeliveryRepository,
  StoredChannels,
} from '../app/ports';
import { deliveries, notifications, practiceChannels } from './schema';

export const channelsStore: ChannelRepository = {
  async get(db: Executor, practiceId: string): Promise<StoredChannels | undefined> {
    const [row] = await db.select().from(practiceChannels).where(eq(practiceChannels.practiceId, practiceId));
    return row;
  },

  async put(db: Executor, row: Omit<StoredChannels, 'updatedAt'>): Promise<StoredChannels> {
    const values = { ...row, updatedAt: new Date() };
    const [saved] = await db
      .insert(practiceChannels)
      .values(values)
      .onConflictDoUpdate({ target: practiceChannels.practiceId, set: values })
      .returning();
    return saved!;
  },
};

/** A worker that died mid-send loses its claim after this long. */
const CLAIM_LEASE_MS = 2 * 60 * 1000;

export const deliveriesStore: DeliveryRepository = {
  async insert(db: Executor, rows: Parameters<DeliveryRepository['insert']>[1]): Promise<void> {
    if (rows.length > 0) await db.insert(deliveries).values(rows);
  },

  /**
   * The email of a person and chat still waiting for its window, not yet being
   * sent; locked, so a worker (SKIP LOCKED) leaves it alone until this commits.
   */
  async waitingEmail(db: Executor, practiceId: string, personId: string, chatId: string) {
    const [row] = await db
      .select()
      .from(deliveries)
      .where(
        and(
          eq(deliveries.channel, 'email'),
          eq(deliveries.practiceId, practiceId),
          eq(deliveries.personId, personId),
          eq(deliveries.chatId, chatId),
          eq(deliveries.status, 'pending'),
          isNull(deliveries.claimedAt),
        ),
      )
      .limit(1)
      .for('update');
    return row;
  },

  /** When the last email of a person and chat went out, or was last being sent. */
  async lastEmailAt(
    db: Executor,
    practiceId: string,
    personId: string,
    chatId: string,
  ): Promise<Date | null> {
    const [row] = await db
      .select({
        at: sql<Date | string | null>`max(coalesce(${deliveries.deliveredAt}, ${deliveries.claimedAt}))`,
      })
      .from(deliveries)
      .where(
        and(
          eq(deliveries.channel, 'email'),
          eq(deliveries.practiceId, practiceId),
          eq(deliveries.personId, personId),
          eq(deliveries.chatId, chatId),
        ),
      );
    return row?.at ? new Date(row.at) : null;
  },

  async setBody(db: Executor, id: string, body: unknown): Promise<void> {
    await db.update(deliveries).set({ body }).where(eq(deliveries.id, id));
  },

  /**
   * Claims up to `limit` due deliveries. FOR UPDATE SKIP LOCKED lets several
   * workers (replicas) share the table without taking the same row.
   */
  async claimDue(db: Database, now: Date, limit: number): Promise<Delivery[]> {
    return db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(deliveries)
        .where(
          and(
            eq(deliveries.status, 'pending'),
            lte(deliveries.nextAttemptAt, now),
            or(
              isNull(deliveries.claimedAt),
              lt(deliveries.claimedAt, new Date(now.getTime() - CLAIM_LEASE_MS)),
            ),
          ),
        )
        .orderBy(asc(deliveries.nextAttemptAt))
        .limit(limit)
        .for('update', { skipLocked: true });
      for (const row of due) {
        await tx.update(deliveries).set({ claimedAt: now }).where(eq(deliveries.id, row.id));
      }
      return due;
    });
  },

  async finish(db: Executor, id: string, outcome: DeliveryOutcome): Promise<void> {
    await db
      .update(deliveries)
      .set({
        status: outcome.status,
        attempts: outcome.attempts,
        lastError: outcome.error ?? null,
        claimedAt: null,
        ...(outcome.status !== 'pending' && outcome.body !== undefined ? { body: outcome.body } : {}),
        ...(outcome.status === 'pending' ? { nextAttemptAt: outcome.nextAttemptAt } : {}),
        ...(outcome.status === 'delivered' ? { deliveredAt: new Date() } : {}),
      })
      .where(eq(deliveries.id, id));
  },

  /** Forgets delivered and skipped rows created before `done`, dead-letter records before `dead`. */
  async prune(db: Executor, before: { done: Date; dead: Date }): Promise<number> {
    const pruned = await db
      .delete(deliveries)
      .where(
        or(
          and(inArray(deliveries.status, ['delivered', 'skipped']), lt(deliveries.createdAt, before.done)),
          and(eq(deliveries.status, 'dead'), lt(deliveries.createdAt, before.dead)),
        ),
      )
      .returning({ id: deliveries.id });
    return pruned.length;
  },

  /** A person's unread notifications of one chat: the count an email carries. */
  async unreadInChat(db: Executor, practiceId: string, personId: string, chatId: string): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(notifications)
      .where(
        and(
          eq(notifications.practiceId, practiceId),
          eq(notifications.personId, personId),
          eq(notifications.chatId, chatId),
          isNull(notifications.readAt),
        ),
      );
    return row?.n ?? 0;
  },
};
