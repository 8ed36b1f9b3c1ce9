import { type Executor, olderThan } from '@huddle/db';
import { and, count, desc, eq, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { NotificationRepository } from '../app/ports';
import type { Level } from '../domain/notify';
import { chatMutes, notificationLevels, notifications } from './schema';

type Row = typeof notifications.$inferSelect;

const inboxOf = (practiceId: string, personId: string) =>
  and(eq(notifications.practiceId, practiceId), eq(notifications.personId, personId));

export const notificationsStore: NotificationRepository = {
  /**
   * One statement of seven array parameters however many people a change notifies: built
   * as a row of values each, drizzle made a parameter of every value, and building the
   * statements was a tenth of the service's CPU (bench/README.md).
   */
  async insert(db: Executor, rows: Array<typeof notifications.$inferInsert>): Promise<Row[]> {
    if (rows.length === 0) return [];
    const column = (value: (row: (typeof rows)[number]) => string | null | undefined) =>
      sql`${sql.param(rows.map((row) => value(row) ?? null))}::text[]`;
    const result = await db.execute(sql`
      insert into notifications (id, practice_id, person_id, type, chat_id, message_id, actor_id)
      select * from unnest(${column((row) => row.id)}, ${column((row) => row.practiceId)},
        ${column((row) => row.personId)}, ${column((row) => row.type)}, ${column((row) => row.chatId)},
        ${column((row) => row.messageId)}, ${column((row) => row.actorId)})
      returning created_at`);
    // Every row takes the same now() (its transaction's, or the statement's): one time for all.
    const [first] = (result as unknown as { rows: Array<{ created_at: string | Date }> }).rows;
    const createdAt = new Date(first!.created_at);
    return rows.map((row) => ({
      id: row.id,
      practiceId: row.practiceId,
      personId: row.personId,
      type: row.type,
      chatId: row.chatId,
      messageId: row.messageId ?? null,
      actorId: row.actorId ?? null,
      createdAt,
      readAt: null,
    }));
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
