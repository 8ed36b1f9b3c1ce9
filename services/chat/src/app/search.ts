import { pageLimit, rankCursor, splitPage } from '@huddle/paging';
import type { Chat } from '../domain/chat';
import { type SearchLanguageOf, validateQuery } from '../domain/search';
import { chatsStore } from '../store/chats';
import { type Hit, searchStore } from '../store/search';
import type { Chats } from './chats';
import type { Reader } from './ports';

export const DEFAULT_SEARCH_PAGE = 20;
export const MAX_SEARCH_PAGE = 50;

/**
 * X3: full-text search over the messages a person may read at the moment of the search:
 * live messages of the chats they are an active participant of (A1, P4), in their
 * practice's search language. Who the authors are is for the gateway's presenter (G5, P2).
 */
export class Search {
  constructor(
    private readonly db: Reader,
    private readonly chats: Chats,
    private readonly languageOf: SearchLanguageOf,
  ) {}

  async messages(request: {
    practiceId: string;
    viewerId: string;
    query: string;
    /** One chat, or '' for every chat of the viewer. */
    chatId: string;
    cursor: string;
    limit: number;
  }): Promise<{ hits: Hit[]; chats: Chat[]; nextCursor: string }> {
    const text = validateQuery(request.query);
    const limit = pageLimit(request.limit, DEFAULT_SEARCH_PAGE, MAX_SEARCH_PAGE);
    const after = request.cursor ? rankCursor.decode(request.cursor) : null;
    // A1: searching one chat needs access to it, as reading it does (404 to anyone else).
    if (request.chatId) await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    const rows = await searchStore.search(this.db, {
      practiceId: request.practiceId,
      viewerId: request.viewerId,
      chatId: request.chatId || null,
      text,
      language: this.languageOf(request.practiceId),
      after,
      limit: limit + 1,
    });
    const { page, more } = splitPage(rows, limit);
    const chats = await chatsStore.many(this.db, [...new Set(page.map((hit) => hit.message.chatId))]);
    const last = page.at(-1);
    return {
      hits: page,
      chats,
      nextCursor: more && last ? rankCursor.encode(last.rank, last.message.id) : '',
    };
  }
}
