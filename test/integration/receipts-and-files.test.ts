import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X5 through the real system: team members read a chat's read markers (clients
 * never); any participant lists the chat's live files (A1), newest first, in pages.
 */
describe('X5 receipts and files', () => {
  let system: System;
  const practice = 'p-receipts';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
    fay: { kind: 'client', firstName: 'Fay', lastName: 'Quill' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  let chatId: string;

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  async function untilMember(who: Name) {
    const caller = await as(who);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(`${who} never became a member`);
  }

  async function upload(who: Name, name: string, data: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([data], { type: 'text/plain' }), name);
    const response = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.personToken(practice, who)}` },
      body: form,
    });
    const body = (await response.json()) as { id: string };
    expect(response.status, JSON.stringify(body)).toBe(201);
    return body.id;
  }

  async function post(who: Name, body: string, attachmentIds: string[] = []): Promise<string> {
    const reply = await (await as(who))('POST', `/v1/chats/${chatId}/messages`, { body, attachmentIds });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    return reply.body.id;
  }

  /** Every page of a list, following nextCursor. */
  async function allPages(who: Name, path: string, limit: number) {
    const caller = await as(who);
    const pages: Array<Array<Record<string, any>>> = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await caller('GET', `${path}${query}`);
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      pages.push(page.body.items);
      cursor = page.body.nextCursor;
    } while (cursor);
    return pages;
  }

  beforeAll(async () => {
    system = await startSystem('receipts');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X5', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    const created = await (await as('olivia'))('POST', '/v1/chats', {
      name: 'Files',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['terry', 'dana', 'eli'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    for (const who of ['terry', 'dana', 'eli'] as Name[]) await untilMember(who);
  });

  afterAll(async () => {
    await system?.stop();
  });

  it("X5/U1: team members read every participant's read marker in cursor pages; clients get 403", async () => {
    await post('dana', 'One');
    const seq = (await (await as('dana'))('GET', `/v1/chats/${chatId}/messages`)).body.items[0].seq;
    expect((await (await as('eli'))('PUT', `/v1/chats/${chatId}/read`, { seq })).status).toBe(200);

    const pages = await allPages('terry', `/v1/chats/${chatId}/read-markers`, 3);
    expect(pages.map((page) => page.length)).toEqual([3, 1]);
    const markers = new Map(pages.flat().map((item) => [item.person.id, item]));
    expect([...markers.keys()].sort()).toEqual(['dana', 'eli', 'olivia', 'terry']);
    expect(markers.get('eli')).toEqual({
      person: { id: 'eli', name: 'Eli Jones', photoUrl: null, kind: 'client' },
      readSeq: seq,
    });
    expect(markers.get('dana')!.readSeq).toBe(seq);
    expect(markers.get('terry')!.readSeq).toBe(0);

    for (const client of ['dana', 'eli'] as Name[]) {
      expectProblem(await (await as(client))('GET', `/v1/chats/${chatId}/read-markers`), 403, 'forbidden');
    }
    expectProblem(await (await as('fay'))('GET', `/v1/chats/${chatId}/read-markers`), 404, 'not_found');
  });

  it('X5/A1: participants list the live files, newest first, in pages; deleted or replaced files are not listed', async () => {
    const plan = await upload('dana', 'plan.txt', 'meal plan');
    const first = await post('dana', 'My plan', [plan]);
    const log = await upload('eli', 'log.txt', 'food log');
    const logged = await post('eli', 'My log', [log]);
    const gone = await upload('dana', 'gone.txt', 'oops');
    const deleted = await post('dana', 'Wrong file', [gone]);
    expect((await (await as('dana'))('DELETE', `/v1/chats/${chatId}/messages/${deleted}`)).status).toBe(200);
    // An edit replaces Eli's file: the old one is no longer the chat's.
    const newer = await upload('eli', 'log-v2.txt', 'food log, v2');
    const edited = await (await as('eli'))('PATCH', `/v1/chats/${chatId}/messages/${logged}`, {
      body: 'My log',
      attachmentIds: [newer],
    });
    expect(edited.status).toBe(200);

    for (const who of ['dana', 'eli', 'terry'] as Name[]) {
      const pages = await allPages(who, `/v1/chats/${chatId}/attachments`, 1);
      expect(pages.map((page) => page.length)).toEqual([1, 1]);
      expect(pages.flat()).toEqual([
        {
          id: newer,
          messageId: logged,
          filename: 'log-v2.txt',
          contentType: expect.stringContaining('text/plain'),
          size: 'food log, v2'.length,
          url: `/v1/attachments/${newer}`,
          createdAt: expect.any(String),
        },
        {
          id: plan,
          messageId: first,
          filename: 'plan.txt',
          contentType: expect.stringContaining('text/plain'),
          size: 'meal plan'.length,
          url: `/v1/attachments/${plan}`,
          createdAt: expect.any(String),
        },
      ]);
    }
    expectProblem(await (await as('fay'))('GET', `/v1/chats/${chatId}/attachments`), 404, 'not_found');
    expectProblem(
      await (await as('dana'))('GET', `/v1/chats/${chatId}/attachments?cursor=bm90LWEtY3Vyc29y`),
      400,
      'validation_failed',
    );
  });

  it('X5/P4: a removed participant no longer lists the files', async () => {
    expect(
      (await (await as('olivia'))('DELETE', `/v1/chats/${chatId}/participants/eli?messages=keep`)).status,
    ).toBeLessThan(300);
    expectProblem(await (await as('eli'))('GET', `/v1/chats/${chatId}/attachments`), 404, 'not_found');
    const markers = (await allPages('olivia', `/v1/chats/${chatId}/read-markers`, 50)).flat();
    expect(markers.map((item) => item.person.id).sort()).toEqual(['dana', 'olivia', 'terry']);
  });
});
