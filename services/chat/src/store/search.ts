import type { Executor } from '@huddle/db';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Message } from '../domain/message';
import { MATCH_END, MATCH_START, type SearchLanguage } from '../domain/search';
import { messageColumns, toMessage } from './messages';
import { chatMembers, messages } from './schema';

/** Where a page of hits ends: the last hit's rank (PostgreSQL's `real`, as text) and id. */
export interface RankCursor {
  rank: string;
  id: string;
}

export interface Hit {
  message: Message;
  /** ts_rank as PostgreSQL prints it, so the next page's cursor compares exactly. */
  rank: string;
  /** ts_headline of the body, matches between MATCH_START and MATCH_END. */
  headline: string;
}

/** ts_headline's options: a few short fragments around the matches. */
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=20, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "`;

export const searchStore = {
  /**
   * X3: live messages matching `text` in the chats `viewerId` is an active participant of
   * now (A1, P4), in one chat or all of theirs in the practice, best rank first. Only the
   * page's rows are highlighted: ts_headline reads the whole body and is the costly part.
   */
  async search(
    db: Executor,
    request: {
      practiceId: string;
      viewerId: string;
      chatId: string | null;
      text: string;
      language: SearchLanguage;
      after: RankCursor | null;
      limit: number;
    },
  ): Promise<Hit[]> {
    const { language, text, after } = request;
    const query = sql`websearch_to_tsquery(${language}::regconfig, ${text})`;
    const rank = sql`ts_rank(${messages.searchVector}, ${query})`;
    const hits = db
      .select({ id: messages.id, rank: sql<number>`${rank}`.as('rank') })
      .from(messages)
      .innerJoin(
        chatMembers,
        and(
          eq(chatMembers.chatId, messages.chatId),
          eq(chatMembers.personId, request.viewerId),
          eq(chatMembers.practiceId, request.practiceId),
          isNull(chatMembers.removedAt),
        ),
      )
      .where(
        and(
          sql`${messages.searchVector} @@ ${query}`,
          isNull(messages.deletedAt),
          request.chatId === null ? undefined : eq(messages.chatId, request.chatId),
          after === null
            ? undefined
            : sql`(${rank} < ${after.rank}::real or (${rank} = ${after.rank}::real and ${messages.id} > ${after.id}))`,
        ),
      )
      .orderBy(desc(sql`rank`), asc(messages.id))
      .limit(request.limit)
      .as('hits');
    const rows = await db
      .select({
        message: messageColumns,
        rank: sql<string>`${hits.rank}::text`,
        headline: sql<string>`ts_headline(${language}::regconfig, translate(${messages.body}, ${MATCH_START + MATCH_END}, ''), ${query}, ${HEADLINE_OPTIONS})`,
      })
      .from(hits)
      .innerJoin(messages, eq(messages.id, hits.id))
      .orderBy(desc(hits.rank), asc(hits.id));
    return rows.map((row) => ({ message: toMessage(row.message), rank: row.rank, headline: row.headline }));
  },
};
