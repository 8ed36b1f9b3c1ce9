import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_WINDOW } from '../../src/domain/search';
import { searchStore } from '../../src/store/search';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE } from './harness';

describe('X3 search on PostgreSQL (medium: the store, no gateway)', () => {
  let h: ChatHarness;
  let owner: string;
  let chatId: string;

  beforeAll(async () => {
    h = await chatHarness('search');
    owner = h.person('olga', 'practitioner');
    chatId = (await feedGroup(h, owner, [])).id;
    // SEARCH_WINDOW + 10 messages holding "harbour", a minute apart; the 10 oldest hold it
    // three times, so they would rank first if every match were ranked.
    await h.db.db.execute(sql`
      insert into messages (id, chat_id, seq, author_id, body, created_at)
      select 'm-' || lpad(g::text, 5, '0'), ${chatId}, g, ${owner},
             case when g <= 10 then 'harbour harbour harbour' else 'the harbour at dawn' end,
             now() - make_interval(mins => ${SEARCH_WINDOW + 10} - g)
      from generate_series(1, ${SEARCH_WINDOW + 10}) g`);
  });
  afterAll(() => h?.close());

  const search = (after: { rank: string; id: string } | null, chat: string | null = null) =>
    searchStore.search(h.db.db, {
      practiceId: PRACTICE,
      viewerId: owner,
      chatId: chat,
      text: 'harbour',
      language: 'simple',
      after,
      limit: 50,
    });

  it('X3: with more matches than the window, only the newest SEARCH_WINDOW are ranked, each once across pages', async () => {
    const seen: string[] = [];
    let after: { rank: string; id: string } | null = null;
    for (;;) {
      const page = await search(after);
      if (page.length === 0) break;
      seen.push(...page.map((hit) => hit.message.id));
      const last = page.at(-1)!;
      after = { rank: last.rank, id: last.message.id };
    }
    expect(seen).toHaveLength(SEARCH_WINDOW);
    expect(new Set(seen).size).toBe(SEARCH_WINDOW);
    // The oldest ten (the best ranked of all) fell out of the window; the newest is in it.
    expect(seen.filter((id) => id <= 'm-00010')).toEqual([]);
    expect(seen).toContain(`m-${String(SEARCH_WINDOW + 10).padStart(5, '0')}`);
  });

  it('X3: within the window the best rank comes first', async () => {
    await h.db.db.execute(sql`update messages set body = 'harbour harbour harbour' where id = 'm-00500'`);
    const [first] = await search(null, chatId);
    expect(first?.message.id).toBe('m-00500');
  });
});
