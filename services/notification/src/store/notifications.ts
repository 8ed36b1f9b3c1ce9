import { type Executor, olderThan } from '@huddle/db';
import { and, count, desc, eq, inArray, isNull, lt } from 'drizzle-orm';
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

  async levels(db: Executor, chatId: string): Promise<Map<string, Level>> {
    const rows = await db
      .select({ personId: notificationLevels.personId, level: notificationLevels.level })
      .from(notificationLevels)
      .where(eq(notificationLevels.chatId, chatId));
    return new Map(rows.map((row) => [row.personId, row.level]));
  },

  /** X4: until when each person muted the chat, for those who ever did. */
  async mutes(db: Executor, chatId: string): Promise<Map<string, Date | null>> {
    const rows = await db
      .select({ personId: chatMutes.personId, mutedUntil: chatMutes.mutedUntil })
      .from(chatMutes)
      .where(eq(chatMutes.chatId, chatId));
    return new Map(rows.map((row) => [row.personId, row.mutedUntil]));
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
