import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * C2 through the real system: the practice owner (in the chat or not) exports a chat with an
 * edit, a thread, an unlinked message, a tombstone, an attachment and a removal; the export is
 * built in the background; both files are downloaded and read back. Nobody else may export
 * (403), and another practice's chats and exports do not exist (404). Files expire (410).
 */
describe('C2 chat export', () => {
  let system: System;
  const practice = 'p-export';
  const other = 'p-export-other';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    cora: { kind: 'practitioner', firstName: 'Cora', lastName: 'Chen', teamRole: 'member' },
    tom: { kind: 'practitioner', firstName: 'Tom', lastName: 'Ng', teamRole: 'member' },
    zoe: { kind: 'client', firstName: 'Zoë', lastName: 'Ωmega 李雷' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    minji: { kind: 'client', firstName: '민지', lastName: '김' },
    sakura: { kind: 'client', firstName: 'さくら', lastName: '佐藤' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name, practiceId = practice) =>
    api(system.url, await system.personToken(practiceId, who));
  const fileBytes = 'Meal plan, week 1\n';
  let chatId: string;
  let attachmentId: string;
  let exportId: string;

  const schema = JSON.parse(
    readFileSync(new URL('../../services/chat/docs/chat-export.schema.json', import.meta.url), 'utf8'),
  ) as object;
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  async function ok(reply: Promise<Reply>, status = 201): Promise<Reply> {
    const answered = await reply;
    expect(answered.status, JSON.stringify(answered.body)).toBe(status);
    return answered;
  }

  async function download(who: Name, format: string) {
    const response = await fetch(`${system.url}/v1/exports/${exportId}/files/${format}`, {
      headers: { authorization: `Bearer ${await system.personToken(practice, who)}` },
    });
    return { response, data: Buffer.from(await response.arrayBuffer()) };
  }

  beforeAll(async () => {
    system = await startSystem('exports', { chat: { EXPORT_POLL_MS: '200' } });
    for (const [practiceId, ids] of [
      [practice, Object.keys(people)],
      [other, ['olivia']],
    ] as const) {
      const directory = api(system.url, await system.serviceToken(practiceId, 'directory:write'));
      await ok(directory('PUT', `/v1/practices/${practiceId}`, { name: 'C2', plan: 'team' }));
      for (const id of ids) {
        await ok(directory('PUT', `/v1/practices/${practiceId}/people/${id}`, people[id as Name]));
      }
    }

    const cora = await as('cora');
    chatId = (
      await ok(
        cora('POST', '/v1/chats', {
          name: 'Spring group',
          style: 'feed',
          participantIds: ['tom', 'zoe', 'eli', 'minji', 'sakura'],
        }),
      )
    ).body.id;
    const form = new FormData();
    form.append('file', new Blob([fileBytes], { type: 'text/plain' }), 'plan.txt');
    const uploaded = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.personToken(practice, 'cora')}` },
      body: form,
    });
    attachmentId = ((await uploaded.json()) as { id: string }).id;

    // An edited post with a file, a reply to it, a post by Tom (unlinked when he is removed,
    // messages kept) and Eli's post, deleted (a tombstone).
    const post = (
      await ok(
        cora('POST', `/v1/chats/${chatId}/messages`, { body: 'Welcome', attachmentIds: [attachmentId] }),
      )
    ).body.id as string;
    await ok(cora('PATCH', `/v1/chats/${chatId}/messages/${post}`, { body: 'Welcome, everyone' }), 200);
    await ok(
      (await as('zoe'))('POST', `/v1/chats/${chatId}/messages`, { body: 'Thanks, 谢谢', parentId: post }),
    );
    await ok((await as('tom'))('POST', `/v1/chats/${chatId}/messages`, { body: 'Tom’s note' }));
    const doomed = (await ok((await as('eli'))('POST', `/v1/chats/${chatId}/messages`, { body: 'Oops' })))
      .body.id;
    expect((await cora('DELETE', `/v1/chats/${chatId}/messages/${doomed}`)).status).toBeLessThan(300);
    expect((await cora('DELETE', `/v1/chats/${chatId}/participants/tom?messages=keep`)).status).toBeLessThan(
      300,
    );
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('C2: the practice owner, not in the chat, exports it; the export is built in the background until ready', async () => {
    const started = await (await as('olivia'))('POST', `/v1/chats/${chatId}/exports`);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ chatId, requestedBy: 'olivia', status: 'pending', files: [] });
    expect(started.headers.get('location')).toBe(`/v1/exports/${started.body.id}`);
    exportId = started.body.id;
    const olivia = await as('olivia');
    let current: Reply = await olivia('GET', `/v1/exports/${exportId}`);
    for (let attempt = 0; attempt < 150 && ['pending', 'running'].includes(current.body.status); attempt++) {
      await sleep(100);
      current = await olivia('GET', `/v1/exports/${exportId}`);
    }
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({
      status: 'ready',
      progress: { messagesDone: 4, messagesTotal: 4 },
      counts: { messages: 4, revisions: 1, attachments: 1 },
      failure: null,
    });
    expect(current.body.files.map((file: { format: string }) => file.format)).toEqual(['json', 'pdf']);
    expect(Date.parse(current.body.expiresAt) - Date.parse(current.body.createdAt)).toBe(
      7 * 24 * 3600 * 1000,
    );
  });

  it('C2: the JSON follows its schema and holds revisions, the thread, the tombstone, the file and the original author', async () => {
    const { response, data } = await download('olivia', 'json');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="huddle-export-${exportId}.json"`,
    );
    const document = JSON.parse(data.toString('utf8'));
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    expect(document.export.requestedBy).toEqual({ id: 'olivia', name: 'Olivia Owens', kind: 'practitioner' });
    const [welcome, reply, note, tombstone] = document.messages;
    expect(welcome).toMatchObject({
      body: 'Welcome, everyone',
      author: { id: 'cora', name: 'Cora Chen' },
      revisions: [{ number: 1, body: 'Welcome' }],
      attachments: [
        {
          id: attachmentId,
          filename: 'plan.txt',
          size: Buffer.byteLength(fileBytes),
          sha256: createHash('sha256').update(fileBytes).digest('hex'),
        },
      ],
    });
    expect(reply).toMatchObject({
      parentId: welcome.id,
      parentSeq: welcome.seq,
      author: { name: 'Zoë Ωmega 李雷' },
    });
    expect(note).toMatchObject({
      body: 'Tom’s note',
      author: null,
      originalAuthor: {
        person: { id: 'tom', name: 'Tom Ng' },
        unlinkedBy: { id: 'cora', name: 'Cora Chen' },
      },
    });
    expect(tombstone).toMatchObject({ body: null, author: { id: 'eli' } });
    expect(tombstone.deletedAt).not.toBeNull();
    const changes = document.participantChanges.map((change: Record<string, any>) => [
      change.change,
      change.person.id,
      change.by?.id ?? null,
      change.messages,
    ]);
    expect(changes).toEqual(
      expect.arrayContaining([
        ['added', 'cora', 'cora', null],
        ['added', 'zoe', 'cora', null],
        ['added', 'minji', 'cora', null],
        ['removed', 'tom', 'cora', 'keep'],
      ]),
    );
  });

  it('C2: the PDF reads back with real names, non-Latin ones included, and the edit history', async () => {
    const { response, data } = await download('olivia', 'pdf');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(Number(response.headers.get('content-length'))).toBe(data.byteLength);
    const pdf = await getDocument({ data: new Uint8Array(data) }).promise;
    let text = '';
    for (let number = 1; number <= pdf.numPages; number++) {
      const content = await (await pdf.getPage(number)).getTextContent();
      text += content.items.map((item) => ('str' in item ? item.str : '')).join('');
    }
    for (const expected of [
      'Spring group',
      'Zoë Ωmega 李雷',
      'Thanks, 谢谢',
      'Welcome, everyone',
      'Original author: Tom Ng',
      'Tom Ng (team) removed by Cora Chen; their messages kept',
      '민지 김 (client) added by Cora Chen',
      'さくら 佐藤 (client) added by Cora Chen',
      'plan.txt',
    ]) {
      expect(text).toContain(expected);
    }
    // Each script in a font that has it (subsets, named in the font dictionaries): DejaVu Sans,
    // Noto Sans SC for the Chinese and kana, Nanum Gothic for the Hangul.
    const fontNames = [...data.toString('latin1').matchAll(/\/BaseFont \/[A-Z]{6}\+([\w-]+)/g)].map(
      (match) => match[1],
    );
    expect(new Set(fontNames)).toEqual(
      new Set(['DejaVuSans', 'DejaVuSans-Bold', 'NotoSansSC-Regular', 'NanumGothic']),
    );
  });

  it('C2: anyone but the practice owner is refused (403), the chat owner included', async () => {
    for (const who of ['cora', 'zoe', 'tom'] as const) {
      const caller = await as(who);
      expectProblem(await caller('POST', `/v1/chats/${chatId}/exports`), 403, 'forbidden');
      expectProblem(await caller('GET', `/v1/exports/${exportId}`), 403, 'forbidden');
      expectProblem(await caller('GET', `/v1/exports/${exportId}/files/json`), 403, 'forbidden');
    }
  });

  it('C2: another practice’s owner finds neither the chat nor the export (404)', async () => {
    const outsider = await as('olivia', other);
    expectProblem(await outsider('POST', `/v1/chats/${chatId}/exports`), 404, 'not_found');
    expectProblem(await outsider('GET', `/v1/exports/${exportId}`), 404, 'not_found');
    expectProblem(await outsider('GET', `/v1/exports/${exportId}/files/pdf`), 404, 'not_found');
    const olivia = await as('olivia');
    expectProblem(await olivia('POST', '/v1/chats/no-such-chat/exports'), 404, 'not_found');
    expectProblem(await olivia('GET', `/v1/exports/${exportId}/files/docx`), 400, 'validation_failed');
  });

  it('C2: seven days on, the worker deletes the files and downloads answer 410 export_expired', async () => {
    const client = new pg.Client({ connectionString: system.databaseUrls.chat });
    await client.connect();
    try {
      await client.query(`UPDATE chat_exports SET expires_at = now() - interval '1 second' WHERE id = $1`, [
        exportId,
      ]);
      const olivia = await as('olivia');
      let status = '';
      for (let attempt = 0; attempt < 100 && status !== 'expired'; attempt++) {
        status = (await olivia('GET', `/v1/exports/${exportId}`)).body.status;
        if (status !== 'expired') await sleep(100);
      }
      expect(status).toBe('expired');
      expect((await olivia('GET', `/v1/exports/${exportId}`)).body.files).toEqual([]);
      expectProblem(await olivia('GET', `/v1/exports/${exportId}/files/json`), 410, 'export_expired');
      const { rows } = await client.query(
        'SELECT count(*)::int AS parts FROM chat_export_parts WHERE export_id = $1',
        [exportId],
      );
      expect(rows[0].parts).toBe(0);
    } finally {
      await client.end();
    }
  });
});
