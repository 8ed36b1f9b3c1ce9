import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X3 through the real system: full-text search over what the caller may read at the
 * moment of the search (A1, P4), stemmed in the practice's language, ranked, with
 * snippets and cursor pages, presented per viewer (G5, P2).
 */
describe('X3 search', () => {
  let system: System;
  const practice = 'p-search';
  const other = 'p-search-other';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    fay: { kind: 'client', firstName: 'Fay', lastName: 'Quill' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name, practiceId = practice) =>
    api(system.url, await system.personToken(practiceId, who));
  /** The hiding group (olivia, terry, dana, eli, fay) and a plain one (olivia, dana). */
  let hidden: string;
  let plain: string;

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  async function untilMember(who: Name, chatId: string) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`${who} never became a member`);
  }

  async function post(who: Name, chatId: string, body: string): Promise<string> {
    const reply = await (await as(who))('POST', `/v1/chats/${chatId}/messages`, { body });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id;
  }

  async function search(who: Name, query: Record<string, string | number>, practiceId = practice) {
    const params = new URLSearchParams(
      Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
    );
    return (await as(who, practiceId))('GET', `/v1/search?${params}`);
  }

  async function found(who: Name, q: string, chatId?: string): Promise<any[]> {
    const reply = await search(who, chatId ? { q, chatId } : { q });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    return reply.body.items;
  }

  async function group(name: string, participantIds: Name[], hideClientIdentities: boolean) {
    const created = await (await as('olivia'))('POST', '/v1/chats', {
      name,
      style: 'feed',
      hideClientIdentities,
      participantIds,
    });
    expect(created.status).toBe(201);
    for (const who of participantIds) await untilMember(who, created.body.id);
    return created.body.id as string;
  }

  beforeAll(async () => {
    // The practice searches in English; every other practice falls back to `simple`.
    system = await startSystem('search', { chat: { SEARCH_PRACTICE_LANGUAGES: `${practice}=english` } });
    for (const practiceId of [practice, other]) {
      const directory = api(system.url, await system.serviceToken(practiceId, 'directory:write'));
      const upserted = await directory('PUT', `/v1/practices/${practiceId}`, { name: 'X3', plan: 'team' });
      expect(upserted.status).toBe(201);
      for (const [id, person] of Object.entries(people)) {
        expect((await directory('PUT', `/v1/practices/${practiceId}/people/${id}`, person)).status).toBe(201);
      }
    }
    hidden = await group('Hidden', ['terry', 'dana', 'eli', 'fay'], true);
    plain = await group('Plain', ['dana'], false);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('X3: words are found stemmed in the practice language, best match first, with highlighted snippets', async () => {
    const both = await post('dana', plain, 'Went running twice; running makes me hungry for oatmeal');
    const once = await post('dana', plain, 'I run on Sundays');
    await post('dana', plain, 'Nothing to do with it');

    const items = await found('olivia', 'runs');
    expect(items.map((item) => item.message.id)).toEqual([both, once]);
    expect(items[0].chat).toEqual({ id: plain, kind: 'group', title: 'Plain', avatar: expect.any(String) });
    expect(items[0].message.body).toBe('Went running twice; running makes me hungry for oatmeal');
    expect(items[0].snippet.filter((part: any) => part.match).map((part: any) => part.text)).toEqual([
      'running',
      'running',
    ]);
    expect(items[0].snippet.map((part: any) => part.text).join('')).toContain('makes me hungry');

    // Web-search syntax: a phrase, and an excluded word.
    expect((await found('olivia', '"run on sundays"')).map((item) => item.message.id)).toEqual([once]);
    expect((await found('olivia', 'run -oatmeal')).map((item) => item.message.id)).toEqual([once]);
    // Nothing but punctuation and stop words is a search for nothing, not an error.
    expect(await found('olivia', 'the & ! ,')).toEqual([]);
  });

  it('X3/A1: only chats the caller is in now, in their practice; one chat by chatId, 404 for one they are not in', async () => {
    const inHidden = await post('terry', hidden, 'Hydration tips: water before breakfast');
    const inPlain = await post('olivia', plain, 'Hydration matters at lunch');

    expect((await found('olivia', 'hydration')).map((item) => item.message.id).sort()).toEqual(
      [inHidden, inPlain].sort(),
    );
    expect((await found('olivia', 'hydration', hidden)).map((item) => item.message.id)).toEqual([inHidden]);
    // Eli is not in the plain group: its message does not exist for him, nor does searching it.
    expect((await found('eli', 'hydration')).map((item) => item.message.id)).toEqual([inHidden]);
    expectProblem(await search('eli', { q: 'hydration', chatId: plain }), 404, 'not_found');
    // The same person ids in another practice find nothing of this one.
    const elsewhere = await search('olivia', { q: 'hydration' }, other);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.items).toEqual([]);
  });

  it('X3/G5: in an identity-hiding group a client finds other clients’ messages presented exactly as the chat’s pages present them', async () => {
    const byEli = await post('eli', hidden, 'Quinoa salad recipe for the group');
    const forDana = await found('dana', 'quinoa');
    expect(forDana).toHaveLength(1);
    const page = await (await as('dana'))('GET', `/v1/chats/${hidden}/messages`);
    const onPage = page.body.items.find((message: any) => message.id === byEli);
    expect(forDana[0].message).toEqual(onPage);
    expect(forDana[0].message.author.id).not.toBe('eli');
    expect(JSON.stringify(forDana[0])).not.toContain('Eli');
    expect(JSON.stringify(forDana[0])).not.toContain('Jones');
    // Team members see the author in full.
    const forTerry = await found('terry', 'quinoa');
    expect(forTerry[0].message.author).toEqual({
      id: 'eli',
      name: 'Eli Jones',
      photoUrl: null,
      kind: 'client',
    });
  });

  it('X3/G8: an edited message is found by its current text only; a deleted one is not found', async () => {
    const edited = await post('dana', plain, 'Avocado toast for breakfast');
    const deleted = await post('dana', plain, 'Avocado smoothie after training');
    expect((await found('olivia', 'avocado')).length).toBe(2);

    const editReply = await (await as('dana'))('PATCH', `/v1/chats/${plain}/messages/${edited}`, {
      body: 'Porridge for breakfast',
    });
    expect(editReply.status, JSON.stringify(editReply.body)).toBe(200);
    const deleteReply = await (await as('dana'))('DELETE', `/v1/chats/${plain}/messages/${deleted}`);
    expect(deleteReply.status).toBe(200);

    expect(await found('olivia', 'avocado')).toEqual([]);
    expect(await found('olivia', 'smoothie')).toEqual([]);
    expect((await found('olivia', 'porridge')).map((item) => item.message.id)).toEqual([edited]);
  });

  it('X3: cursor pages walk every hit once, best first', async () => {
    const ids = new Set<string>();
    for (let n = 1; n <= 5; n += 1) {
      ids.add(await post('olivia', plain, `${'lentil '.repeat(n)}soup number ${n}`.trim()));
    }
    const pages: Array<Array<Record<string, any>>> = [];
    let cursor: string | null = null;
    do {
      const reply: Reply = await search('dana', { q: 'lentil', limit: 2, ...(cursor ? { cursor } : {}) });
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      pages.push(reply.body.items);
      cursor = reply.body.nextCursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    const walked = pages.flat().map((item) => item.message.id);
    expect(new Set(walked)).toEqual(ids);
    // More mentions of the word rank higher: the longest soup first.
    expect(pages[0]![0]!.message.body).toBe('lentil lentil lentil lentil lentil soup number 5');
  });

  it('X3/P2/P4: a removed participant finds nothing of the chat; the rest find their kept messages unlinked', async () => {
    const byFay = await post('fay', hidden, 'Kombucha brewing notes');
    expect((await found('fay', 'kombucha')).map((item) => item.message.id)).toEqual([byFay]);

    const removed = await (await as('olivia'))(
      'DELETE',
      `/v1/chats/${hidden}/participants/fay?messages=keep`,
    );
    expect(removed.status, JSON.stringify(removed.body)).toBe(204);

    expect(await found('fay', 'kombucha')).toEqual([]);
    expectProblem(await search('fay', { q: 'kombucha', chatId: hidden }), 404, 'not_found');
    const forTerry = await found('terry', 'kombucha');
    expect(forTerry.map((item) => item.message.id)).toEqual([byFay]);
    expect(forTerry[0].message.author).toEqual({
      id: null,
      name: 'Former participant',
      photoUrl: null,
      kind: null,
    });
  });

  it('X3: bad input is a 400 problem, never a 5xx', async () => {
    expectProblem(await (await as('olivia'))('GET', '/v1/search'), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: '' }), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: '   ' }), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: 'x'.repeat(201) }), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: 'soup', cursor: 'bm9wZQ' }), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: 'soup', limit: 51 }), 400, 'validation_failed');
    expectProblem(await search('olivia', { q: 'soup', chatId: 'no such/chat' }), 400, 'validation_failed');
    // Query syntax PostgreSQL would refuse in to_tsquery is just words to websearch_to_tsquery.
    for (const q of ["'", '(((', ':*', '!!', 'a & | b', '\\', '%00']) {
      expect((await search('olivia', { q })).status, q).toBe(200);
    }
  });
});
