/**
 * Seeds what the scenarios read and write. The practice goes through the
 * directory API; people, chats, memberships, read markers and message history
 * go straight into the services' databases in a few set-based INSERTs, as the
 * services would have written them: seqs gap-free from 1, `last_seq` the newest, read markers
 * below it, a thread's `reply_count` its replies.
 */
import { randomUUID } from 'node:crypto';
import { mintToken } from '@huddle/testing';
import pg from 'pg';
import { Pool } from 'undici';
import { JWT_SECRET } from './system';

export const PRACTICE = 'bench';
/** The person with the long chat list, and the owner of the deep-history chat. */
export const READER = 'reader';
const READER_CLIENT = 'rclient';

export interface SeedSize {
  /** Chats of 10 participants each (1 practitioner, 9 clients) that posts go to. */
  loadChats: number;
  /** Top-level messages of the deep-history chat. */
  historyMessages: number;
  /** Chats of READER beside the history chat, each with a few messages, some unread. */
  readerChats: number;
  threadReplies: number;
  /** The practice seeded (default PRACTICE): a second seed into the same system needs another. */
  practiceId?: string;
  /** The first N load chats' practitioners are members of the history chat too (default none). */
  historyMembers?: number;
}

export interface Layout {
  practiceId: string;
  loadChats: Array<{ id: string; members: string[] }>;
  history: { chatId: string; threadId: string; lastSeq: number; topLevel: number };
  reader: string;
  readerChats: number;
}

const LOAD_CHAT_MESSAGES = 20;
const READER_CHAT_MESSAGES = 3;

const clientsOf = (chat: number) => Array.from({ length: 9 }, (_, k) => `c${chat}-${k + 1}`);

interface Person {
  id: string;
  kind: 'practitioner' | 'client';
  teamRole?: 'owner' | 'member';
}

/** READER and their client, then each load chat's practitioner and 9 clients. */
const peopleOf = (size: SeedSize): Person[] => [
  { id: READER, kind: 'practitioner', teamRole: 'owner' },
  { id: READER_CLIENT, kind: 'client' },
  ...Array.from({ length: size.loadChats }, (_, chat): Person[] => [
    { id: `p${chat}`, kind: 'practitioner', teamRole: 'member' },
    ...clientsOf(chat).map((id): Person => ({ id, kind: 'client' })),
  ]).flat(),
];

/**
 * One API call during setup, as `who`. A gateway just started on a busy machine
 * sheds load (503) for a while: setup waits that out rather than fail.
 */
async function call(
  http: Pool,
  practice: string,
  who: string,
  method: 'PUT' | 'POST',
  path: string,
  body: unknown,
): Promise<unknown> {
  const token = await mintToken({
    secret: JWT_SECRET,
    sub: who,
    practice,
    ...(who.startsWith('svc:') ? { scope: 'directory:write' } : {}),
  });
  for (let attempt = 1; ; attempt++) {
    const response = await http.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.body.text();
    if (response.statusCode < 300) return JSON.parse(text);
    if (response.statusCode !== 503 || attempt === 30) {
      throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/** Puts the practice and the given people in the directory through the API, 16 requests at a time. */
async function putDirectory(http: Pool, practice: string, people: Person[]): Promise<void> {
  const put = (path: string, body: unknown) => call(http, practice, 'svc:bench', 'PUT', path, body);
  await put(`/v1/practices/${practice}`, { name: 'Bench Clinic', plan: 'team' });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < people.length) {
        const { id, ...person } = people[next++]!;
        await put(`/v1/practices/${practice}/people/${id}`, { ...person, firstName: 'Bench', lastName: id });
      }
    }),
  );
}

/**
 * The people in bulk: the participant service's directory and the
 * sharing-policy service's projection of it, as the person.upserted events
 * would have left it (thousands of PUTs take minutes on a busy machine).
 */
async function insertPeople(
  databases: Record<string, string>,
  practice: string,
  people: Person[],
): Promise<void> {
  const columns = [people.map((p) => p.id), people.map((p) => p.kind), people.map((p) => p.teamRole ?? null)];
  const participantDb = new pg.Client({ connectionString: databases.participant });
  const policyDb = new pg.Client({ connectionString: databases['sharing-policy'] });
  await Promise.all([participantDb.connect(), policyDb.connect()]);
  try {
    await participantDb.query(
      `INSERT INTO people (practice_id, id, kind, first_name, last_name, team_role)
       SELECT $1, id, kind, 'Bench', id, team_role FROM unnest($2::text[], $3::text[], $4::text[]) AS p(id, kind, team_role)`,
      [practice, ...columns],
    );
    await policyDb.query(
      `INSERT INTO people (practice_id, id, kind, team_role, source_occurred_at)
       SELECT $1, id, kind, team_role, now() FROM unnest($2::text[], $3::text[], $4::text[]) AS p(id, kind, team_role)`,
      [practice, ...columns],
    );
  } finally {
    await Promise.all([participantDb.end(), policyDb.end()]);
  }
}

interface ChatRow {
  id: string;
  ownerId: string;
  style: 'feed' | 'direct';
  lastSeq: number;
  members: Array<{ personId: string; kind: 'practitioner' | 'client'; readSeq: number }>;
}

export async function seed(url: string, databases: Record<string, string>, size: SeedSize): Promise<Layout> {
  const practice = size.practiceId ?? PRACTICE;
  const http = new Pool(url, { connections: 16 });
  await putDirectory(http, practice, []).finally(() => http.close());
  await insertPeople(databases, practice, peopleOf(size));

  const loadChats: ChatRow[] = Array.from({ length: size.loadChats }, (_, chat) => ({
    id: randomUUID(),
    ownerId: `p${chat}`,
    style: 'direct',
    lastSeq: LOAD_CHAT_MESSAGES,
    members: [
      { personId: `p${chat}`, kind: 'practitioner', readSeq: LOAD_CHAT_MESSAGES },
      ...clientsOf(chat).map((personId) => ({
        personId,
        kind: 'client' as const,
        readSeq: LOAD_CHAT_MESSAGES,
      })),
    ],
  }));
  const readerChats: ChatRow[] = Array.from({ length: size.readerChats }, (_, n) => ({
    id: randomUUID(),
    ownerId: READER,
    style: 'direct',
    lastSeq: READER_CHAT_MESSAGES,
    members: [
      { personId: READER, kind: 'practitioner', readSeq: n % (READER_CHAT_MESSAGES + 1) },
      { personId: READER_CLIENT, kind: 'client', readSeq: READER_CHAT_MESSAGES },
    ],
  }));
  const historyLastSeq = size.historyMessages + size.threadReplies;
  const history: ChatRow = {
    id: randomUUID(),
    ownerId: READER,
    style: 'feed',
    lastSeq: historyLastSeq,
    members: [
      { personId: READER, kind: 'practitioner', readSeq: historyLastSeq - 100 },
      { personId: READER_CLIENT, kind: 'client', readSeq: historyLastSeq },
      ...Array.from({ length: Math.min(size.historyMembers ?? 0, size.loadChats) }, (_, chat) => ({
        personId: `p${chat}`,
        kind: 'practitioner' as const,
        readSeq: historyLastSeq,
      })),
    ],
  };
  const all = [...loadChats, ...readerChats, history];

  const chatDb = new pg.Client({ connectionString: databases.chat });
  const participantDb = new pg.Client({ connectionString: databases.participant });
  await Promise.all([chatDb.connect(), participantDb.connect()]);
  let threadId = '';
  try {
    // Newest activity first in READER's list is the history chat; the others a second apart.
    await chatDb.query(
      `INSERT INTO chats (id, practice_id, kind, name, avatar, style, client_naming, hide_client_identities,
                          owner_id, last_seq, last_activity_at)
       SELECT id, $1, 'group', 'Bench ' || n, '', style, 'full', false, owner, last_seq, now() - n * interval '1 second'
       FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS c(id, owner, style, last_seq, n)`,
      [
        practice,
        all.map((c) => c.id),
        all.map((c) => c.ownerId),
        all.map((c) => c.style),
        all.map((c) => c.lastSeq),
      ],
    );
    const members = all.flatMap((chat) =>
      chat.members.map((member, index) => ({
        chatId: chat.id,
        ...member,
        role: member.personId === chat.ownerId ? 'owner' : member.kind === 'client' ? 'client' : 'team',
        addedBy: chat.ownerId,
        pseudonym: member.kind === 'client' ? `Client ${index}` : 'Team member',
      })),
    );
    const column = <K extends keyof (typeof members)[number]>(key: K) => members.map((member) => member[key]);
    await chatDb.query(
      `INSERT INTO chat_members (chat_id, person_id, practice_id, role, kind, read_seq)
       SELECT chat_id, person_id, $1, role, kind, read_seq
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS m(chat_id, person_id, role, kind, read_seq)`,
      [practice, column('chatId'), column('personId'), column('role'), column('kind'), column('readSeq')],
    );
    await participantDb.query(
      `INSERT INTO participants (chat_id, person_id, practice_id, role, via, kind, added_by, pseudonym)
       SELECT chat_id, person_id, $1, role, 'created', kind, added_by, pseudonym
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS m(chat_id, person_id, role, kind, added_by, pseudonym)`,
      [
        practice,
        column('chatId'),
        column('personId'),
        column('role'),
        column('kind'),
        column('addedBy'),
        column('pseudonym'),
      ],
    );
    await participantDb.query(
      `INSERT INTO pseudonym_counters (chat_id, clients_seen)
       SELECT chat_id, clients FROM unnest($1::text[], $2::int[]) AS p(chat_id, clients)`,
      [all.map((c) => c.id), all.map((c) => c.members.filter((m) => m.kind === 'client').length)],
    );

    // Short histories: each chat's messages by its members in turn, a second apart.
    const short = [...loadChats, ...readerChats];
    await chatDb.query(
      `INSERT INTO messages (id, chat_id, seq, author_id, body, created_at)
       SELECT gen_random_uuid()::text, c.id, s, c.authors[1 + s % array_length(c.authors, 1)], 'seed message ' || s,
              now() - interval '1 day' + s * interval '1 second'
       FROM (SELECT id, string_to_array(authors, ',') AS authors, last_seq
             FROM unnest($1::text[], $2::text[], $3::bigint[]) AS c(id, authors, last_seq)) c
       CROSS JOIN LATERAL generate_series(1, c.last_seq) s`,
      [
        short.map((c) => c.id),
        short.map((c) => c.members.map((m) => m.personId).join(',')),
        short.map((c) => c.lastSeq),
      ],
    );

    // The deep history: top-level posts 1..N, then one thread of replies under the middle post.
    await chatDb.query(
      `INSERT INTO messages (id, chat_id, seq, author_id, body, created_at)
       SELECT gen_random_uuid()::text, $1, s, CASE WHEN s % 2 = 0 THEN $3 ELSE $4 END,
              'history message ' || s || ' with a sentence or two of ordinary length, as people write them.',
              now() - ($2 - s) * interval '1 second'
       FROM generate_series(1, $2::bigint) s`,
      [history.id, size.historyMessages, READER, READER_CLIENT],
    );
    const threadSeq = Math.floor(size.historyMessages / 2);
    const { rows } = await chatDb.query('SELECT id FROM messages WHERE chat_id = $1 AND seq = $2', [
      history.id,
      threadSeq,
    ]);
    threadId = rows[0].id as string;
    await chatDb.query(
      `INSERT INTO messages (id, chat_id, seq, parent_id, author_id, body, created_at)
       SELECT gen_random_uuid()::text, $1, $2 + r, $3, CASE WHEN r % 2 = 0 THEN $5 ELSE $6 END, 'reply ' || r,
              now() + r * interval '1 millisecond'
       FROM generate_series(1, $4::bigint) r`,
      [history.id, size.historyMessages, threadId, size.threadReplies, READER, READER_CLIENT],
    );
    await chatDb.query('UPDATE messages SET reply_count = $2 WHERE id = $1', [threadId, size.threadReplies]);
    await Promise.all([chatDb.query('ANALYZE'), participantDb.query('ANALYZE')]);
  } finally {
    await Promise.all([chatDb.end(), participantDb.end()]);
  }
  return {
    practiceId: practice,
    loadChats: loadChats.map((chat) => ({ id: chat.id, members: chat.members.map((m) => m.personId) })),
    history: { chatId: history.id, threadId, lastSeq: historyLastSeq, topLevel: size.historyMessages },
    reader: READER,
    readerChats: size.readerChats + 1,
  };
}

/** The baseline's copy of the load chats' memberships, in its own database. */
export async function seedBaseline(databaseUrl: string, layout: Layout): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const rows = layout.loadChats.flatMap((chat) =>
      chat.members.map((personId) => [chat.id, personId] as const),
    );
    await db.query('INSERT INTO members (chat_id, person_id) SELECT * FROM unnest($1::text[], $2::text[])', [
      rows.map((row) => row[0]),
      rows.map((row) => row[1]),
    ]);
  } finally {
    await db.end();
  }
}

/**
 * The embedded default has no database to write into from outside: one load
 * chat of 10 participants made through the API, as a practitioner would.
 */
export async function seedEmbedded(url: string): Promise<Layout> {
  const http = new Pool(url, { connections: 16 });
  const chat = await (async () => {
    await putDirectory(
      http,
      PRACTICE,
      peopleOf({ loadChats: 1, historyMessages: 0, readerChats: 0, threadReplies: 0 }),
    );
    const body = { name: 'Bench', style: 'direct', participantIds: clientsOf(0) };
    return (await call(http, PRACTICE, 'p0', 'POST', '/v1/chats', body)) as { id: string };
  })().finally(() => http.close());
  return {
    practiceId: PRACTICE,
    loadChats: [{ id: chat.id, members: ['p0', ...clientsOf(0)] }],
    history: { chatId: '', threadId: '', lastSeq: 0, topLevel: 0 },
    reader: READER,
    readerChats: 0,
  };
}
