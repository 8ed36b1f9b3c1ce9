import type { Executor } from '@huddle/db';
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Hit, SearchRepository, SearchRequest } from '../app/ports';
import { MATCH_END, MATCH_START, SEARCH_WINDOW } from '../domain/search';
import { messageColumns, toMessage } from './messages';
import { chatMembers, messages } from './schema';

/** ts_headline's options: a few short fragments around the matches. */
const HEADLINE_OPTIONS = `StartSel=${MATCH_START}, StopSel=${MATCH_END}, MaxWords=20, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "`;

export const searchStore: SearchRepository = {
  /**
   * X3: live messages matching `text` in the chats `viewerId` is an active participant of
   * now (A1, P4), in one chat or all of theirs in the practice: the newest SEARCH_WINDOW of
   * them (read newest first on `messages_created` when matches are many, from the GIN index
   * when few), best rank first. Only the page's rows are highlighted: ts_headline reads the
   * whole body and is the costly part.
   */
  async search(db: Executor, request: SearchRequest): Promise<Hit[]> {
    const { language, text, after } = request;
    const query = sql`websearch_to_tsquery(${language}::regconfig, ${text})`;
    const candidates = db
      .select({ id: messages.id, vector: messages.searchVector })
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
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(SEARCH_WINDOW)
      .as('candidates');
    const rank = sql`ts_rank(${candidates.vector}, ${query})`;
    const hits = db
      .select({ id: candidates.id, rank: sql<number>`${rank}`.as('rank') })
      .from(candidates)
      .where(
        after === null
          ? undefined
          : sql`(${rank} < ${after.rank}::real or (${rank} = ${after.rank}::real and ${candidates.id} > ${after.id}))`,
      )
      .orderBy(desc(sql`rank`), asc(candidates.id))
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
