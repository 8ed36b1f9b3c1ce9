/**
 * X3 search benchmark: `npm run bench:search` seeds one practice's chat database with
 * 1,000,000 messages (`-- --messages N` for another count) in set-based INSERTs, then times
 * the chat service's search use-case on it and prints p50/p95 per kind of query. DESIGN.md
 * asks p95 ≤ 100 ms over a million messages of one practice.
 *
 * The data: 1,000 chats, bodies of 6-30 words drawn from a 2,000-word vocabulary with a
 * skew (a few words are in most messages, most words in few), English stemming. The
 * searchers: the practice owner, in every chat (the widest search there is), and a
 * client in 5 chats. Needs PostgreSQL (TEST_PG_URL, as the tests); drops its database unless
 * `--keep` (then prints its URL, e.g. to EXPLAIN a query).
 */
import { fileURLToPath } from 'node:url';
import { Chats } from '@huddle/chat/src/app/chats';
import type { Participants, Policy, UnitOfWork } from '@huddle/chat/src/app/ports';
import { Search } from '@huddle/chat/src/app/search';
import { chatStore } from '@huddle/chat/src/store/repositories';
import { openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { freshDatabase } from '@huddle/testing';
import pg from 'pg';

const PRACTICE = 'bench-search';
const CHATS = 1_000;
const OWNER = 'owner';
const CLIENT = 'client';
const CLIENT_CHATS = 5;
const VOCABULARY = 2_000;
const BATCH = 100_000;
const RUNS_PER_KIND = 60;

const messagesArg = process.argv.indexOf('--messages');
const MESSAGES = messagesArg > 0 ? Number(process.argv[messagesArg + 1]) : 1_000_000;
if (!Number.isInteger(MESSAGES) || MESSAGES < CHATS) throw new Error(`--messages must be at least ${CHATS}`);

const migrationsFolder = fileURLToPath(new URL('../services/chat/src/store/migrations', import.meta.url));

/**
 * Word n of the vocabulary, pronounceable and distinct: syllables from n's digits in base 20.
 * Word 0 is the most frequent; `w(n)` is how queries name them.
 */
const SYLLABLES = [
  'ka',
  'lo',
  'mi',
  'nu',
  'pe',
  'ra',
  'si',
  'to',
  'vu',
  'ze',
  'ba',
  'de',
  'fo',
  'gi',
  'ho',
  'ju',
  'ke',
  'li',
  'mo',
  'ny',
];
const w = (n: number) => {
  let word = '';
  let rest = n;
  do {
    word += SYLLABLES[rest % 20];
    rest = Math.floor(rest / 20);
  } while (rest > 0);
  return `${word}x`;
};

async function seed(client: pg.Client) {
  const started = Date.now();
  await client.query(
    `insert into chats (id, practice_id, kind, name, avatar, style, client_naming, hide_client_identities, owner_id, last_seq)
     select 'chat-' || n, $1, 'group', 'Chat ' || n, 'leaf', 'feed', 'full', false, $2, $3
     from generate_series(0, $4 - 1) n`,
    [PRACTICE, OWNER, Math.ceil(MESSAGES / CHATS), CHATS],
  );
  await client.query(
    `insert into chat_members (chat_id, person_id, practice_id, role, kind)
     select 'chat-' || n, $2, $1, 'owner', 'practitioner' from generate_series(0, $3 - 1) n
     union all
     select 'chat-' || n, $4, $1, 'client', 'client' from generate_series(0, $5 - 1) n`,
    [PRACTICE, OWNER, CHATS, CLIENT, CLIENT_CHATS],
  );
  // Bulk load as a restore would: the GIN index is built once at the end, not row by row.
  await client.query('drop index messages_search');
  await client.query('create temporary table words (n int primary key, word text not null)');
  await client.query('insert into words select n, w from unnest($1::text[]) with ordinality as t(w, n)', [
    Array.from({ length: VOCABULARY }, (_, n) => w(n)),
  ]);
  for (let from = 0; from < MESSAGES; from += BATCH) {
    const to = Math.min(from + BATCH, MESSAGES);
    // Each message: 6-30 words, word k drawn as VOCABULARY * random()^1.5 (skewed to the first).
    await client.query(
      `insert into messages (id, chat_id, seq, author_id, body, search_language, created_at)
       select 'm-' || g, 'chat-' || (g % $3), g / $3 + 1, $4, body, 'english',
              now() - make_interval(secs => $2 - g)
       from generate_series($1::int, $2::int - 1) g,
       lateral (
         select string_agg(words.word, ' ') as body
         from (
           select 1 + floor($5 * power(random(), 1.5))::int as n
           from generate_series(1, 6 + abs(hashint4(g)) % 25) k
         ) picks
         join words using (n)
       ) b`,
      [from, to, CHATS, OWNER, VOCABULARY],
    );
    process.stdout.write(
      `\rseeded ${to.toLocaleString('en')} messages (${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
  process.stdout.write('\nbuilding the search index… ');
  const indexing = Date.now();
  await client.query('create index messages_search on messages using gin (chat_id, search_vector)');
  await client.query('analyze');
  console.log(`${Math.round((Date.now() - indexing) / 1000)} s`);
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const database = await freshDatabase('bench_search');
  const handle = await openDatabase({
    url: database.url,
    dataDir: '',
    migrationsFolder,
    poolSize: 4,
    logger: createLogger({ service: 'bench-search', level: 'silent' }),
  });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await seed(client);
    const frequency = async (word: string) =>
      Number(
        (
          await client.query(
            `select count(*) from messages where search_vector @@ to_tsquery('english', $1)`,
            [word],
          )
        ).rows[0].count,
      );
    // Words from the most common to the rarest, with how many messages hold them.
    const kinds: Array<{
      name: string;
      query: () => string;
      who?: string;
      chatId?: string;
      paged?: boolean;
    }> = [
      { name: 'most common word', query: () => w(0) },
      { name: 'common word (rank 10)', query: () => w(10) },
      { name: 'mid word (rank 200)', query: () => w(200) },
      { name: 'rare words (rank 1000+)', query: () => w(1000 + Math.floor(Math.random() * 999)) },
      { name: 'two words', query: () => `${w(50)} ${w(300 + Math.floor(Math.random() * 100))}` },
      { name: 'phrase', query: () => `"${w(1)} ${w(2)}"` },
      { name: 'common word, page 2', query: () => w(10), paged: true },
      { name: 'common word, one chat', query: () => w(10), chatId: 'chat-7' },
      { name: 'common word, client (5 chats)', query: () => w(10), who: CLIENT },
    ];
    const unused = () => {
      throw new Error('not used by search');
    };
    const chats = new Chats(
      handle.db,
      { transaction: unused } as unknown as UnitOfWork,
      chatStore,
      {} as Policy,
      {} as Participants,
    );
    const search = new Search(handle.db, chatStore, chats, () => 'english');
    const ask = (query: string, who: string, chatId: string, cursor = '') =>
      search.messages({ practiceId: PRACTICE, viewerId: who, query, chatId, cursor, limit: 20 });
    console.log(
      `\n${MESSAGES.toLocaleString('en')} messages, ${CHATS} chats; ${RUNS_PER_KIND} searches per kind, 20 hits a page\n`,
    );
    console.log('query                            messages matching   p50 ms   p95 ms');
    const all: number[] = [];
    for (const kind of kinds) {
      const who = kind.who ?? OWNER;
      const chatId = kind.chatId ?? '';
      await ask(kind.query(), who, chatId); // warm the plan and the cache
      const times: number[] = [];
      for (let run = 0; run < RUNS_PER_KIND; run++) {
        const query = kind.query();
        const cursor = kind.paged ? (await ask(query, who, chatId)).nextCursor : '';
        const started = performance.now();
        await ask(query, who, chatId, cursor);
        times.push(performance.now() - started);
      }
      times.sort((a, b) => a - b);
      all.push(...times);
      const matching =
        kind.query().startsWith('"') || kind.query().includes(' ') ? '' : await frequency(kind.query());
      console.log(
        `${kind.name.padEnd(32)} ${String(matching.toLocaleString('en')).padStart(17)} ${quantile(times, 0.5).toFixed(1).padStart(8)} ${quantile(times, 0.95).toFixed(1).padStart(8)}`,
      );
    }
    all.sort((a, b) => a - b);
    console.log(
      `${'all of the above'.padEnd(32)} ${''.padStart(17)} ${quantile(all, 0.5).toFixed(1).padStart(8)} ${quantile(all, 0.95).toFixed(1).padStart(8)}`,
    );
  } finally {
    await client.end();
    await handle.close();
    if (process.argv.includes('--keep')) console.log(`kept: ${database.url}`);
    else await database.drop();
  }
}

await main();
