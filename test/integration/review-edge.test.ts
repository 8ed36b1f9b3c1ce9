import { connect as connectSocket } from 'node:net';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 8, items 4, 12 and 13, through the real gateway and services on
 * PostgreSQL and NATS: no log line carries what a caller sent, whatever fails;
 * input a caller controls is a 4xx problem that changes nothing; every answer,
 * also for URLs, headers and shutdown, is problem+json that echoes nothing.
 */

const practice = 'p-edge';

/** Strings that name a person, carry content or grant access: none may reach a log line or an error. */
const marks = {
  surname: 'Quillfeather',
  body: 'bodymark-7731',
  chatName: 'chatmark-7731',
  token: 'tokenmark-7731',
  tag: 'tagmark-7731',
  secret: 'secretmark-7731-long-enough',
  program: 'programmark-7731',
  filename: 'filemark-7731.txt',
  idempotencyKey: 'keymark-7731',
};

const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: marks.surname, teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  cleo: { kind: 'client', firstName: 'Cleo', lastName: marks.surname, tags: [marks.tag] },
  omar: { kind: 'client', firstName: 'Omar', lastName: 'Haddad' },
} as const;
type Name = keyof typeof people;

let system: System;
const logLines: string[] = [];
const callers = new Map<string, ReturnType<typeof api>>();
const as = (name: Name | 'directory' | 'programs') => callers.get(name)!;
let groupId: string;
let postId: string;
let directId: string;

/** A multipart upload of one small file, as a client would send it. */
function upload(token: string, contentType: string, body: string): Promise<Reply> {
  return fetch(`${system.url}/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  }).then(async (response) => {
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  });
}

const filePart = (boundary: string, content: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${marks.filename}"\r\n` +
  `Content-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`;

function expectProblem(reply: Reply, status: number, code: string) {
  expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
}

beforeAll(async () => {
  const logs = new PassThrough();
  logs.on('data', (chunk) => logLines.push(...String(chunk).split('\n').filter(Boolean)));
  system = await startSystem('edge', {}, logs);
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  callers.set('directory', directory);
  callers.set('programs', api(system.url, await system.serviceToken(practice, 'programs:write')));
  expect(
    (await directory('PUT', `/v1/practices/${practice}`, { name: 'Edge Clinic', plan: 'team' })).status,
  ).toBe(201);
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id, api(system.url, await system.personToken(practice, id)));
  }
  const group = await as('olivia')('POST', '/v1/chats', {
    name: 'Morning walkers',
    style: 'feed',
    participantIds: ['terry', 'cleo'],
  });
  expect(group.status).toBe(201);
  groupId = group.body.id;
  const post = await as('olivia')('POST', `/v1/chats/${groupId}/messages`, { body: 'Welcome' });
  expect(post.status).toBe(201);
  postId = post.body.id;
  const direct = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'omar' });
  expect(direct.status).toBe(201);
  directId = direct.body.id;
  const programs = as('programs');
  const program = `/v1/practices/${practice}/programs/prog-0`;
  expect((await programs('PUT', `${program}/chat`, { name: 'Sleep school', ownerId: 'olivia' })).status).toBe(
    201,
  );
  expect((await programs('PUT', `${program}/enrollments/cleo`)).status).toBe(200);
});

afterAll(async () => {
  await system?.stop();
});

/** What the people of the test can read: a rejected request must leave all of it as it was. */
async function readableState() {
  const olivia = as('olivia');
  const replies = await Promise.all([
    olivia('GET', '/v1/chats'),
    olivia('GET', `/v1/chats/${groupId}`),
    olivia('GET', `/v1/chats/${groupId}/messages`),
    olivia('GET', `/v1/chats/${groupId}/participants`),
    as('cleo')('GET', '/v1/me'),
    as('terry')('GET', `/v1/chats/${groupId}/messages`),
  ]);
  for (const reply of replies) expect(reply.status).toBe(200);
  return replies.map((reply) => reply.body);
}

describe('no PHI or secrets in logs, whatever fails (issue 8 item 4)', () => {
  /** Every table of every service's database fails its writes with `state` while the switch is on. */
  async function withFailingWrites<T>(state: string, work: () => Promise<T>): Promise<T> {
    const clients = Object.values(system.databaseUrls).map((url) => new pg.Client({ connectionString: url }));
    await Promise.all(clients.map((client) => client.connect()));
    const setFault = (value: string | null) =>
      Promise.all(clients.map((client) => client.query('update test_fault set state = $1', [value])));
    try {
      for (const client of clients) {
        await client.query(`
          create table if not exists test_fault (state text);
          insert into test_fault select null where not exists (select 1 from test_fault);
          create or replace function test_fault() returns trigger language plpgsql as $$
          declare wanted text := (select state from test_fault);
          begin
            if wanted is not null then raise exception 'injected fault' using errcode = wanted; end if;
            return coalesce(new, old);
          end $$;`);
        const { rows } = await client.query<{ name: string }>(
          `select tablename as name from pg_tables where schemaname = 'public' and tablename <> 'test_fault'`,
        );
        for (const { name } of rows) {
          await client.query(`drop trigger if exists test_fault on "${name}"`);
          await client.query(
            `create trigger test_fault before insert or update or delete on "${name}" for each row execute function test_fault()`,
          );
        }
      }
      await setFault(state);
      return await work();
    } finally {
      await setFault(null);
      await Promise.all(clients.map((client) => client.end()));
    }
  }

  /** Every write path of the API, each sending the marks it can carry. */
  async function everyWrite(): Promise<Array<[string, Reply]>> {
    const olivia = as('olivia');
    const directory = as('directory');
    const oliviaToken = await system.personToken(practice, 'olivia');
    const writes: Array<[string, () => Promise<Reply>]> = [
      [
        'upsert practice',
        () => directory('PUT', `/v1/practices/${practice}`, { name: marks.chatName, plan: 'team' }),
      ],
      [
        'upsert person',
        () =>
          directory('PUT', `/v1/practices/${practice}/people/cleo`, {
            kind: 'client',
            firstName: 'Cleo',
            lastName: `${marks.surname}x`,
            tags: [marks.tag, `${marks.tag}x`],
          }),
      ],
      [
        'notification settings',
        () =>
          directory('PUT', `/v1/practices/${practice}/notification-settings`, {
            webhookUrl: `https://hooks.example/${marks.token}`,
            webhookSecret: marks.secret,
          }),
      ],
      ['create group', () => olivia('POST', '/v1/chats', { name: marks.chatName, style: 'feed' })],
      ['rename group', () => olivia('PATCH', `/v1/chats/${groupId}`, { name: `${marks.chatName}x` })],
      ['start 1-on-1', () => olivia('POST', '/v1/chats/direct', { clientId: 'cleo' })],
      ['add participant', () => olivia('POST', `/v1/chats/${groupId}/participants`, { personIds: ['omar'] })],
      ['remove participant', () => olivia('DELETE', `/v1/chats/${groupId}/participants/terry?messages=keep`)],
      [
        'post',
        () =>
          olivia(
            'POST',
            `/v1/chats/${groupId}/messages`,
            { body: marks.body },
            { 'idempotency-key': marks.idempotencyKey },
          ),
      ],
      ['edit', () => olivia('PATCH', `/v1/chats/${groupId}/messages/${postId}`, { body: marks.body })],
      ['pin', () => olivia('PUT', `/v1/chats/${groupId}/pins/${postId}`)],
      ['read marker', () => as('terry')('PUT', `/v1/chats/${groupId}/read`, { seq: 1 })],
      [
        'notification level',
        () => olivia('PUT', `/v1/chats/${groupId}/notification-level`, { level: 'none' }),
      ],
      ['mark notifications read', () => as('cleo')('POST', '/v1/notifications/read', { all: true })],
      [
        'default sharing',
        () => olivia('PUT', '/v1/practitioners/olivia/direct-chat-sharing', { teamMemberIds: ['terry'] }),
      ],
      ['link zoom', () => olivia('PUT', '/v1/practitioners/olivia/zoom-link', { accessToken: marks.token })],
      ['meeting', () => olivia('POST', `/v1/chats/${directId}/meetings`, { provider: 'builtin' })],
      ['upload', () => upload(oliviaToken, 'multipart/form-data; boundary=b', filePart('b', marks.body))],
      [
        'program chat',
        () =>
          as('programs')('PUT', `/v1/practices/${practice}/programs/prog-1/chat`, {
            name: marks.program,
            ownerId: 'olivia',
          }),
      ],
      ['enrol', () => as('programs')('PUT', `/v1/practices/${practice}/programs/prog-0/enrollments/omar`)],
      [
        'unenrol',
        () => as('programs')('DELETE', `/v1/practices/${practice}/programs/prog-0/enrollments/cleo`),
      ],
      ['delete message', () => olivia('DELETE', `/v1/chats/${groupId}/messages/${postId}`)],
    ];
    const replies: Array<[string, Reply]> = [];
    for (const [label, write] of writes) replies.push([label, await write()]);
    return replies;
  }

  it('a database failing every write: each write path answers 500 problem+json, and no log line carries a body, name, token or parameter', async () => {
    const before = logLines.length;
    const replies = await withFailingWrites('XX000', everyWrite);
    for (const [label, reply] of replies) {
      expect({ label, status: reply.status, code: reply.body?.code }).toEqual({
        label,
        status: 500,
        code: 'internal',
      });
    }
    const logged = logLines.slice(before);
    // The failures were logged (with the statement and its SQLSTATE) …
    expect(logged.filter((line) => line.includes('"DatabaseQueryError"')).length).toBeGreaterThanOrEqual(
      replies.length,
    );
    expect(logged.some((line) => line.includes('"code":"XX000"'))).toBe(true);
    // … and nothing the callers sent.
    for (const line of logLines) {
      for (const mark of Object.values(marks)) expect(line).not.toContain(mark);
      expect(line).not.toMatch(/params/);
    }
  });

  it('a value the database refuses (SQLSTATE class 22) is the caller’s: every write path answers 400, and logs stay clean', async () => {
    const replies = await withFailingWrites('22P05', everyWrite);
    for (const [label, reply] of replies) {
      expect({ label, status: reply.status, code: reply.body?.code }).toEqual({
        label,
        status: 400,
        code: 'validation_failed',
      });
    }
    for (const line of logLines) {
      for (const mark of Object.values(marks)) expect(line).not.toContain(mark);
      expect(line).not.toMatch(/params/);
    }
  });
});

describe('input a caller controls is a 4xx problem that changes nothing (issue 8 item 12)', () => {
  const withNul = `${marks.body}\u0000tail`;
  const cases: Array<[string, () => Promise<Reply>, number, string]> = [
    [
      'NUL in a message body',
      () => as('olivia')('POST', `/v1/chats/${groupId}/messages`, { body: withNul }),
      400,
      'validation_failed',
    ],
    [
      'a lone surrogate in a message body',
      () => as('olivia')('POST', `/v1/chats/${groupId}/messages`, `{"body": "${marks.body}\\ud800"}`),
      400,
      'validation_failed',
    ],
    [
      'NUL in an edit',
      () => as('olivia')('PATCH', `/v1/chats/${groupId}/messages/${postId}`, { body: withNul }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a group name',
      () => as('olivia')('POST', '/v1/chats', { name: withNul, style: 'feed' }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a new group name',
      () => as('olivia')('PATCH', `/v1/chats/${groupId}`, { name: withNul }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a person name',
      () =>
        as('directory')('PUT', `/v1/practices/${practice}/people/cleo`, {
          kind: 'client',
          firstName: withNul,
          lastName: marks.surname,
        }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a tag',
      () =>
        as('directory')('PUT', `/v1/practices/${practice}/people/cleo`, {
          kind: 'client',
          firstName: 'Cleo',
          lastName: marks.surname,
          tags: [`${marks.tag}\u0000`],
        }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a practice name',
      () => as('directory')('PUT', `/v1/practices/${practice}`, { name: withNul, plan: 'team' }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a Zoom token',
      () =>
        as('olivia')('PUT', '/v1/practitioners/olivia/zoom-link', { accessToken: `${marks.token}\u0000` }),
      400,
      'validation_failed',
    ],
    [
      'NUL in a cursor',
      () => as('olivia')('GET', `/v1/chats/${groupId}/messages?cursor=a%00b`),
      400,
      'validation_failed',
    ],
    [
      'a read marker past 2^53',
      () => as('olivia')('PUT', `/v1/chats/${groupId}/read`, '{"seq": 9007199254740993}'),
      400,
      'validation_failed',
    ],
    [
      'a read marker of 1e20',
      () => as('olivia')('PUT', `/v1/chats/${groupId}/read`, '{"seq": 1e20}'),
      400,
      'validation_failed',
    ],
    [
      'a read marker of 2^63',
      () => as('olivia')('PUT', `/v1/chats/${groupId}/read`, '{"seq": 9223372036854775808}'),
      400,
      'validation_failed',
    ],
    [
      'a limit of 1.5',
      () => as('olivia')('GET', `/v1/chats/${groupId}/messages?limit=1.5`),
      400,
      'validation_failed',
    ],
    ['a limit of 1e1', () => as('olivia')('GET', '/v1/chats?limit=1e1'), 400, 'validation_failed'],
    [
      'a body of 10,001 characters (emoji)',
      () => as('olivia')('POST', `/v1/chats/${groupId}/messages`, { body: '😀'.repeat(10_001) }),
      400,
      'validation_failed',
    ],
    [
      'a group name of 101 characters (emoji)',
      () => as('olivia')('POST', '/v1/chats', { name: '😀'.repeat(101), style: 'feed' }),
      400,
      'validation_failed',
    ],
    [
      'multipart without a boundary',
      async () =>
        upload(
          await system.personToken(practice, 'olivia'),
          'multipart/form-data',
          filePart('b', marks.body),
        ),
      400,
      'validation_failed',
    ],
    [
      'multipart with another boundary',
      async () =>
        upload(
          await system.personToken(practice, 'olivia'),
          'multipart/form-data; boundary=other',
          filePart('b', marks.body),
        ),
      400,
      'validation_failed',
    ],
    [
      'multipart cut short',
      async () =>
        upload(
          await system.personToken(practice, 'olivia'),
          'multipart/form-data; boundary=b',
          filePart('b', marks.body).slice(0, 120),
        ),
      400,
      'validation_failed',
    ],
    [
      'JSON cut short',
      () => as('olivia')('POST', `/v1/chats/${groupId}/messages`, `{"body": "${marks.body}`),
      400,
      'validation_failed',
    ],
  ];

  it.each(cases)('%s', async (_label, send, status, code) => {
    const before = await readableState();
    const reply = await send();
    expectProblem(reply, status, code);
    expect(JSON.stringify(reply.body)).not.toContain(marks.body);
    expect(await readableState()).toEqual(before);
  });

  it('G1, message body: limits count characters, so 10,000 emoji and a name of 100 emoji are fine', async () => {
    const post = await as('olivia')('POST', `/v1/chats/${groupId}/messages`, { body: '😀'.repeat(10_000) });
    expect(post.status).toBe(201);
    expect([...post.body.body].length).toBe(10_000);
    const group = await as('olivia')('POST', '/v1/chats', { name: '😀'.repeat(100), style: 'feed' });
    expect(group.status).toBe(201);
    const person = await as('directory')('PUT', `/v1/practices/${practice}/people/emoji`, {
      kind: 'client',
      firstName: '😀'.repeat(100),
      lastName: 'Emoji',
      tags: ['😀'.repeat(50)],
    });
    expect(person.status).toBe(201);
  });

  it('P2/P3: an Idempotency-Key retried after its message was deleted with its author starts fresh (201)', async () => {
    const olivia = as('olivia');
    const cleo = as('cleo');
    const key = { 'idempotency-key': 'retry-after-delete' };
    const first = await cleo('POST', `/v1/chats/${groupId}/messages`, { body: 'On my way' }, key);
    expect(first.status).toBe(201);
    // P2 delete: the owner removes Cleo and her messages, then adds her again.
    expect((await olivia('DELETE', `/v1/chats/${groupId}/participants/cleo?messages=delete`)).status).toBe(
      204,
    );
    expect((await olivia('POST', `/v1/chats/${groupId}/participants`, { personIds: ['cleo'] })).status).toBe(
      200,
    );
    const afterRemoval = await cleo('POST', `/v1/chats/${groupId}/messages`, { body: 'On my way' }, key);
    expect(afterRemoval.status).toBe(201);
    expect(afterRemoval.body.id).not.toBe(first.body.id);
    // The retry of that post is still idempotent.
    const again = await cleo('POST', `/v1/chats/${groupId}/messages`, { body: 'On my way' }, key);
    expect({ status: again.status, id: again.body.id }).toEqual({ status: 200, id: afterRemoval.body.id });
    // P3: Cleo leaves (her messages go) and is added again.
    expect((await cleo('DELETE', `/v1/chats/${groupId}/participants/me`)).status).toBe(204);
    expect((await olivia('POST', `/v1/chats/${groupId}/participants`, { personIds: ['cleo'] })).status).toBe(
      200,
    );
    const afterLeaving = await cleo('POST', `/v1/chats/${groupId}/messages`, { body: 'Different now' }, key);
    expect(afterLeaving.status).toBe(201);
    const bodies = (await olivia('GET', `/v1/chats/${groupId}/messages`)).body.items.map(
      (message: { body: string }) => message.body,
    );
    expect(bodies.filter((body: string) => body === 'On my way' || body === 'Different now')).toEqual([
      'Different now',
    ]);
  });
});

it('no log line of any request above, or of a stream opened with ?access_token=, carries a body, name, token or parameter (issue 8 item 4)', async () => {
  const token = await system.personToken(practice, 'terry');
  const stream = await openStream(system.url, token);
  await stream.next((event) => event.type === 'stream.ready');
  stream.close();
  expect(logLines.some((line) => line.includes('/v1/stream'))).toBe(true);
  for (const line of logLines) {
    for (const mark of [...Object.values(marks), token]) expect(line).not.toContain(mark);
    // A query string's access token, not the column of that name in a statement's text.
    expect(line).not.toMatch(/params|access_token=/);
  }
});

describe('problem+json everywhere, echoing nothing (issue 8 item 13)', () => {
  const long = 'x'.repeat(8192);

  it('a URL that does not decode is 400 validation_failed', async () => {
    const reply = await as('olivia')('GET', '/v1/chats/%FF');
    expectProblem(reply, 400, 'validation_failed');
    expect(JSON.stringify(reply.body)).not.toContain('%FF');
  });

  it('an 8 KB id is 400 validation_failed without the id', async () => {
    const reply = await as('olivia')('GET', `/v1/chats/${long}`);
    expectProblem(reply, 400, 'validation_failed');
    expect(JSON.stringify(reply.body)).not.toContain('xxxxxxxx');
  });

  it('an 8 KB unknown path is 404 not_found without the path', async () => {
    const reply = await as('olivia')('GET', `/v1/${long}`);
    expectProblem(reply, 404, 'not_found');
    expect(JSON.stringify(reply.body)).not.toContain('xxxxxxxx');
  });

  it('headers over Node’s limit are 431 headers_too_large', async () => {
    const reply = await as('olivia')('GET', '/v1/chats', undefined, { 'x-padding': 'y'.repeat(20_000) });
    expectProblem(reply, 431, 'headers_too_large');
  });

  it('a request arriving while the gateway shuts down is 503 unavailable', async () => {
    const gateway = await system.startGateway();
    const token = await system.personToken(practice, 'olivia');
    const body = filePart('b', 'hello');
    const socket = connectSocket(gateway.port, '127.0.0.1');
    let received = '';
    const continued = new Promise<void>((resolve) => {
      socket.on('data', (chunk) => {
        received += String(chunk);
        if (received.includes('100 Continue')) resolve();
      });
    });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    // An upload in flight holds the gateway open while it stops; a request pipelined behind it arrives meanwhile.
    socket.write(
      `POST /v1/attachments HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        'Expect: 100-continue\r\n\r\n',
    );
    await continued;
    const stopped = gateway.stop();
    socket.write(`${body}GET /v1/me HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    await closed;
    await stopped;
    const answers = received.split(/(?=HTTP\/1\.1 )/).filter((part) => !part.startsWith('HTTP/1.1 100'));
    expect(answers.map((answer) => answer.slice(9, 12))).toEqual(['201', '503']);
    expect(answers[1]).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(answers[1]!.slice(answers[1]!.indexOf('\r\n\r\n') + 4))).toMatchObject({
      status: 503,
      code: 'unavailable',
    });
  });
});
