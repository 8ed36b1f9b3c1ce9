import type { Executor } from '@huddle/db';
import { and, asc, count, eq, inArray, min, sql } from 'drizzle-orm';
import type { ReactionRepository } from '../app/ports';
import type { ReactionSummary, Reactor } from '../domain/reaction';
import { reactions } from './schema';

const toReactor = (row: typeof reactions.$inferSelect): Reactor => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
});

export const reactionsStore: ReactionRepository = {
  /** False when the person already reacted with this emoji. */
  async add(db: Executor, reactor: Omit<Reactor, 'createdAt'>): Promise<boolean> {
    const rows = await db
      .insert(reactions)
      .values(reactor)
      .onConflictDoNothing()
      .returning({ emoji: reactions.emoji });
    return rows.length > 0;
  },

  /** False when there was no such reaction. */
  async remove(db: Executor, reactor: Omit<Reactor, 'createdAt'>): Promise<boolean> {
    const rows = await db
      .delete(reactions)
      .where(
        and(
          eq(reactions.messageId, reactor.messageId),
          eq(reactions.emoji, reactor.emoji),
          eq(reactions.personId, reactor.personId),
        ),
      )
      .returning({ emoji: reactions.emoji });
    return rows.length > 0;
  },

  /** The emoji a message shows. */
  async emojiOf(db: Executor, messageId: string): Promise<string[]> {
    const rows = await db
      .selectDistinct({ emoji: reactions.emoji })
      .from(reactions)
      .where(eq(reactions.messageId, messageId));
    return rows.map((row) => row.emoji);
  },

  /** Everyone who reacted to some messages, oldest first. */
  async reactors(db: Executor, messageIds: string[], emoji?: string): Promise<Reactor[]> {
    if (messageIds.length === 0) return [];
    const rows = await db
      .select()
      .from(reactions)
      .where(
        and(
          inArray(reactions.messageId, messageIds),
          emoji === undefined ? undefined : eq(reactions.emoji, emoji),
        ),
      )
      .orderBy(asc(reactions.createdAt), asc(reactions.personId));
    return rows.map(toReactor);
  },

  /**
   * X1: the reactions of a page of messages as one viewer sees them, in one grouped query
   * (never one per message): per message, each emoji with its count, in the order first used.
   */
  async summaries(
    db: Executor,
    messageIds: string[],
    viewerId: string,
  ): Promise<Map<string, ReactionSummary[]>> {
    const byMessage = new Map<string, ReactionSummary[]>();
    if (messageIds.length === 0) return byMessage;
    const first = min(reactions.createdAt);
    const rows = await db
      .select({
        messageId: reactions.messageId,
        emoji: reactions.emoji,
        count: count(),
        reactedByMe: sql<boolean>`bool_or(${reactions.personId} = ${viewerId})`,
      })
      .from(reactions)
      .where(inArray(reactions.messageId, messageIds))
      .groupBy(reactions.messageId, reactions.emoji)
      .orderBy(first, asc(reactions.emoji));
    for (const { messageId, ...summary } of rows) {
      byMessage.set(messageId, [...(byMessage.get(messageId) ?? []), summary]);
    }
    return byMessage;
  },
};
