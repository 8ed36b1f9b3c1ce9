import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * The walk-through of the foundation issue, through the real gateway and the
 * four real services on PostgreSQL and NATS: sync a practice and its people,
 * create a group, and see a post reach its participants' sockets only.
 */
describe('first slice: directory → group → post → realtime', () => {
  let system: System;
  let directory: ReturnType<typeof api>;
  const practice = 'p-slice';

  beforeAll(async () => {
    system = await startSystem('slice');
    directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${practice}`, { name: 'Slice Clinic', plan: 'team' })).status,
    ).toBe(201);
    const people = [
      { id: 'dana', kind: 'practitioner', firstName: 'Dana', lastName: 'Reyes', teamRole: 'owner' },
      { id: 'cleo', kind: 'client', firstName: 'Cleo', lastName: 'Park', tags: ['nutrition'] },
      { id: 'omar', kind: 'client', firstName: 'Omar', lastName: 'Haddad', tags: ['sleep'] },
    ];
    for (const { id, ...person } of people) {
      const reply = await directory('PUT', `/v1/practices/${practice}/people/${id}`, person);
      expect(reply.status).toBe(201);
    }
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('syncing a person again answers 200 with the updated person', async () => {
    const reply = await directory('PUT', `/v1/practices/${practice}/people/cleo`, {
      kind: 'client',
      firstName: 'Cleo',
      lastName: 'Park',
      tags: ['nutrition', 'group-a'],
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: 'cleo', kind: 'client', tags: ['nutrition', 'group-a'] });
  });

  it('GET /v1/me answers who I am', async () => {
    const me = api(system.url, await system.personToken(practice, 'dana'));
    const reply = await me('GET', '/v1/me');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: 'dana',
      kind: 'practitioner',
      firstName: 'Dana',
      teamRole: 'owner',
    });
  });

  it('G1/A1: a practitioner creates a group, posts reach participants’ sockets and no one else’s', async () => {
    const dana = api(system.url, await system.personToken(practice, 'dana'));
    const created = await dana('POST', '/v1/chats', {
      name: 'Morning check-in',
      style: 'direct',
      participantIds: ['cleo'],
    });
    expect(created.status).toBe(201);
    const chat = created.body;
    expect(chat).toMatchObject({ kind: 'group', name: 'Morning check-in', style: 'direct', ownerId: 'dana' });

    const danaStream = await openStream(system.url, await system.personToken(practice, 'dana'));
    const cleoStream = await openStream(system.url, await system.personToken(practice, 'cleo'));
    const omarStream = await openStream(system.url, await system.personToken(practice, 'omar'));
    const streams = [danaStream, cleoStream, omarStream];
    try {
      await Promise.all(streams.map((stream) => stream.next((event) => event.type === 'stream.ready')));
      const posted = await dana('POST', `/v1/chats/${chat.id}/messages`, { body: 'Good morning!' });
      expect(posted.status).toBe(201);
      expect(posted.body).toMatchObject({ chatId: chat.id, seq: 1, body: 'Good morning!' });
      expect(posted.body.author).toMatchObject({ id: 'dana', name: 'Dana Reyes', kind: 'practitioner' });

      const isThePost = (event: { type: string; data: any }) =>
        event.type === 'message.created' && event.data.id === posted.body.id;
      const [toDana, toCleo] = await Promise.all([danaStream.next(isThePost), cleoStream.next(isThePost)]);
      expect(toCleo.chatId).toBe(chat.id);
      expect(toCleo.data).toMatchObject({ body: 'Good morning!', author: { name: 'Dana Reyes' } });
      expect(toDana.data.id).toBe(posted.body.id);

      // Omar is not in the chat: nothing about it reaches him.
      await sleep(500);
      expect(omarStream.events.filter((event) => event.chatId === chat.id)).toEqual([]);
    } finally {
      for (const stream of streams) stream.close();
    }

    const cleo = api(system.url, await system.personToken(practice, 'cleo'));
    const page = await cleo('GET', `/v1/chats/${chat.id}/messages`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((message: { body: string }) => message.body)).toEqual(['Good morning!']);
    expect(page.body.nextCursor).toBeNull();

    const omar = api(system.url, await system.personToken(practice, 'omar'));
    for (const [method, path, body] of [
      ['GET', `/v1/chats/${chat.id}`],
      ['GET', `/v1/chats/${chat.id}/messages`],
      ['POST', `/v1/chats/${chat.id}/messages`, { body: 'let me in' }],
    ] as const) {
      const reply = await omar(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.code).toBe('not_found');
    }
  });

  it('pages messages newest first with a cursor', async () => {
    const dana = api(system.url, await system.personToken(practice, 'dana'));
    const chat = (await dana('POST', '/v1/chats', { name: 'Paging', style: 'direct' })).body;
    for (let n = 1; n <= 5; n++) {
      expect((await dana('POST', `/v1/chats/${chat.id}/messages`, { body: `m${n}` })).status).toBe(201);
    }
    const first = await dana('GET', `/v1/chats/${chat.id}/messages?limit=2`);
    expect(first.body.items.map((m: { body: string }) => m.body)).toEqual(['m5', 'm4']);
    const second = await dana('GET', `/v1/chats/${chat.id}/messages?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((m: { body: string }) => m.body)).toEqual(['m3', 'm2']);
  });

  it('malformed requests get a 4xx problem+json and change nothing', async () => {
    const dana = api(system.url, await system.personToken(practice, 'dana'));
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/chats', { name: '', style: 'direct' }, 400, 'validation_failed'],
      ['POST', '/v1/chats', { name: 'x', style: 'sideways' }, 400, 'validation_failed'],
      ['POST', '/v1/chats', { name: 'x', style: 'feed', surprise: true }, 400, 'validation_failed'],
      ['POST', '/v1/chats', '{"name":', 400, 'validation_failed'],
      [
        'POST',
        '/v1/chats',
        { name: 'x', style: 'feed', participantIds: ['nobody'] },
        400,
        'validation_failed',
      ],
      ['GET', '/v1/chats/not a valid id!', undefined, 400, 'validation_failed'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const reply = await dana(method, path, body);
      expect(reply.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      expect(reply.headers.get('content-type')).toContain('application/problem+json');
      expect(reply.body.code).toBe(code);
    }
    const clientCreates = await api(system.url, await system.personToken(practice, 'cleo'))(
      'POST',
      '/v1/chats',
      {
        name: 'Mine',
        style: 'feed',
      },
    );
    expect(clientCreates.status).toBe(403);
    const anonymous = await api(system.url)('GET', '/v1/me');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('unauthenticated');
  });
});
