import { type Executor, olderThan } from '@huddle/db';
import { and, count, desc, eq, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { NotificationRepository } from '../app/ports';
import type { Level } from '../domain/notify';
import { chatMutes, notificationLevels, notifications } from './schema';

type Row = typeof notifications.$inferSelect;

const inboxOf = (practiceId: string, personId: string) =>
  and(eq(notifications.practiceId, practiceId), eq(notifications.personId, personId));

export const notificationsStore: NotificationRepository = {
  async insert(db: Executor, rows: Array<typeof notifications.$inferInsert>): Promise<Row[]> {
    if (rows.length === 0) return [];
    return db.insert(notifications).values(rows).returning();
  },

  async page(
    db: Executor,
    practiceId: string,
    personId: string,
    options: { unreadOnly: boolean; before: { at: Date; id: string } | null; limit: number },
  ): Promise<Row[]> {
    return db
      .select()
      .from(notifications)
      .where(
        and(
          inboxOf(practiceId, personId),
          options.unreadOnly ? isNull(notifications.readAt) : undefined,
          olderThan(notifications.createdAt, notifications.id, options.before),
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(options.limit);
  },

  async unreadCount(db: Executor, practiceId: string, personId: string): Promise<number> {
    const [row] = await db
      .select({ n: count() })
      .from(notifications)
      .where(and(inboxOf(practiceId, personId), isNull(notifications.readAt)));
    return row?.n ?? 0;
  },

  /** Marks the given notifications (or all, when `ids` is null) of one inbox read; returns how many. */
  async markRead(db: Executor, practiceId: string, personId: string, ids: string[] | null): Promise<number> {
    const marked = await db
      .update(notifications)
      .set({ readAt: new Date() })
      .where(
        and(
          inboxOf(practiceId, personId),
          isNull(notifications.readAt),
          ids ? inArray(notifications.id, ids) : undefined,
        ),
      )
      .returning({ id: notifications.id });
    return marked.length;
  },

  /**
   * The levels participants of a chat set and (X4) until when those who ever muted it did, read
   * in one statement: a new message's notifications need both.
   */
  async levelsAndMutes(db: Executor, chatId: string) {
    const rows = await db
      .select({
        personId: notificationLevels.personId,
        level: sql<Level | null>`${notificationLevels.level}`,
        // A union's rows are read by its first part's fields: this one reads the mutes' times too.
        mutedUntil: sql`null::timestamptz`.mapWith(chatMutes.mutedUntil) as SQL<Date | null>,
        muted: sql<boolean>`false`,
      })
      .from(notificationLevels)
      .where(eq(notificationLevels.chatId, chatId))
      .unionAll(
        db
          .select({
            personId: chatMutes.personId,
            level: sql<Level | null>`null`,
            mutedUntil: chatMutes.mutedUntil,
            muted: sql<boolean>`true`,
          })
          .from(chatMutes)
          .where(eq(chatMutes.chatId, chatId)),
      );
    const levels = new Map<string, Level>();
    const mutes = new Map<string, Date | null>();
    for (const row of rows) {
      if (row.muted) mutes.set(row.personId, row.mutedUntil);
      else if (row.level) levels.set(row.personId, row.level);
    }
    return { levels, mutes };
  },

  /** X4: keeps the mute of the newest state event; an older one arriving late changes nothing. */
  async setMute(
    db: Executor,
    mute: { chatId: string; personId: string; mutedUntil: Date | null; version: number },
  ): Promise<void> {
    await db
      .insert(chatMutes)
      .values(mute)
      .onConflictDoUpdate({
        target: [chatMutes.chatId, chatMutes.personId],
        set: { mutedUntil: mute.mutedUntil, version: mute.version },
        setWhere: lt(chatMutes.version, mute.version),
      });
  },

  async setLevel(db: Executor, chatId: string, personId: string, level: Level): Promise<void> {
    await db
      .insert(notificationLevels)
      .values({ chatId, personId, level })
      .onConflictDoUpdate({
        target: [notificationLevels.chatId, notificationLevels.personId],
        set: { level, updatedAt: new Date() },
      });
  },
};
