import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 4's walk-through through the real gateway and services on PostgreSQL
 * and NATS: default sharing (S4), 1-on-1 chats (S1), sharing and invitations
 * (S2, S3), titles (S6), conversion (S5), adding (P1), removal (P2), leaving
 * (P3) and revocation (P4), and the races between them.
 */

const practice = 'p-share';
/** Sharing needs plus or team (S2): one practice of each plan without it. */
const starter = 'p-share-starter';
const professional = 'p-share-pro';

/**
 * Olivia owns the practice; Terry, Paul and Ron are team members; Rita may only
 * reach clients tagged "sleep". Dana, Eli, Fay and Gus are clients tagged "nutrition".
 */
const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  paul: { kind: 'practitioner', firstName: 'Paul', lastName: 'Pereira', teamRole: 'member' },
  ron: { kind: 'practitioner', firstName: 'Ron', lastName: 'Rusk', teamRole: 'member' },
  rita: {
    kind: 'practitioner',
    firstName: 'Rita',
    lastName: 'Restricted',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  dana: {
    kind: 'client',
    firstName: 'Dana',
    lastName: 'Quillfeather',
    photoUrl: 'https://img.example/dana-quill.png',
    tags: ['nutrition'],
  },
  eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones', tags: ['nutrition'] },
  fay: { kind: 'client', firstName: 'Fay', lastName: 'Lopez', tags: ['nutrition'] },
  gus: { kind: 'client', firstName: 'Gus', lastName: 'Grant', tags: ['nutrition'] },
} as const;
type Name = keyof typeof people;

let system: System;
const callers = new Map<string, ReturnType<typeof api>>();
const as = (name: Name | `${typeof starter}:${string}` | `${typeof professional}:${string}`) =>
  callers.get(name)!;

beforeAll(async () => {
  system = await startSystem('sharing');
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  expect(
    (await directory('PUT', `/v1/practices/${practice}`, { name: 'Share Clinic', plan: 'team' })).status,
  ).toBe(201);
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id, api(system.url, await system.personToken(practice, id)));
  }
  for (const [id, plan] of [
    [starter, 'starter'],
    [professional, 'professional'],
  ] as const) {
    const elsewhere = api(system.url, await system.serviceToken(id, 'directory:write'));
    expect((await elsewhere('PUT', `/v1/practices/${id}`, { name: `Clinic ${id}`, plan })).status).toBe(201);
    for (const [personId, person] of Object.entries({
      sol: { kind: 'practitioner', firstName: 'Sol', lastName: 'Sun', teamRole: 'owner' },
      tom: { kind: 'practitioner', firstName: 'Tom', lastName: 'Teal', teamRole: 'member' },
      cal: { kind: 'client', firstName: 'Cal', lastName: 'Cole' },
    })) {
      expect((await elsewhere('PUT', `/v1/practices/${id}/people/${personId}`, person)).status).toBe(201);
      callers.set(`${id}:${personId}`, api(system.url, await system.personToken(id, personId)));
    }
  }
});

afterAll(async () => {
  await system?.stop();
});

/** A refused request: a 4xx problem+json with the stable code. */
function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe(code);
}

async function post(
  who: Name,
  chatId: string,
  content: { body: string; parentId?: string; mentions?: string[] },
) {
  const reply = await as(who)('POST', `/v1/chats/${chatId}/messages`, content);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; seq: number; body: string };
}

async function group(name: string, participantIds: Name[], style: 'feed' | 'direct' = 'feed') {
  const reply = await as('olivia')('POST', '/v1/chats', { name, style, participantIds });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string };
}

const messages = async (who: Name, chatId: string) => {
  const reply = await as(who)('GET', `/v1/chats/${chatId}/messages?limit=200`);
  expect(reply.status).toBe(200);
  return reply.body as { items: any[]; pinned: any[] };
};
const participantIds = async (who: Name, chatId: string) => {
  const reply = await as(who)('GET', `/v1/chats/${chatId}/participants`);
  expect(reply.status).toBe(200);
  return (reply.body.items as Array<{ id: string | null }>).map((member) => member.id);
};
const bodies = (items: Array<{ body: string }>) => items.map((message) => message.body);

describe('S4 default direct-chat sharing and S1 1-on-1 chats', () => {
  let chatId: string;

  it('S4: the practitioner, the practice owner or a team-settings manager set the list; others are 403', async () => {
    const initial = await as('olivia')('GET', '/v1/practitioners/olivia/direct-chat-sharing');
    expect(initial.status).toBe(200);
    expect(initial.body).toMatchObject({ teamMemberIds: [], updatedAt: null });

    const set = await as('olivia')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', {
      teamMemberIds: ['terry', 'rita'],
    });
    expect(set.status).toBe(200);
    expect(set.body.teamMemberIds).toEqual(['terry', 'rita']);
    expect(Date.parse(set.body.updatedAt)).not.toBeNaN();

    // The practice owner sets Terry's list on his behalf.
    expect(
      (await as('olivia')('PUT', '/v1/practitioners/terry/direct-chat-sharing', { teamMemberIds: ['paul'] }))
        .status,
    ).toBe(200);
    expect(
      (await as('terry')('GET', '/v1/practitioners/terry/direct-chat-sharing')).body.teamMemberIds,
    ).toEqual(['paul']);
    // A member who manages no team settings reads and sets no one else's; a client neither.
    expectProblem(await as('terry')('GET', '/v1/practitioners/olivia/direct-chat-sharing'), 403, 'forbidden');
    expectProblem(
      await as('terry')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', { teamMemberIds: [] }),
      403,
      'forbidden',
    );
    expectProblem(await as('dana')('GET', '/v1/practitioners/olivia/direct-chat-sharing'), 403, 'forbidden');
    // Only team members go on the list.
    expectProblem(
      await as('olivia')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', { teamMemberIds: ['dana'] }),
      400,
      'validation_failed',
    );
    expect(
      (await as('olivia')('GET', '/v1/practitioners/olivia/direct-chat-sharing')).body.teamMemberIds,
    ).toEqual(['terry', 'rita']);
  });

  it('S1/S4: a new 1-on-1 is shared by default, skipping the tag-restricted member and saying why', async () => {
    const started = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'dana' });
    expect(started.status).toBe(201);
    chatId = started.body.id;
    expect(started.body).toMatchObject({
      kind: 'shared',
      ownerId: 'olivia',
      title: 'Dana Quillfeather +1 more',
    });
    expect(started.body.defaultSharing).toEqual({
      sharedWithIds: ['terry'],
      skipped: [
        { personId: 'rita', reason: 'tag_restricted', message: expect.stringMatching(/tag restriction/) },
      ],
    });
    expect((await participantIds('olivia', chatId)).sort()).toEqual(['dana', 'olivia', 'terry']);
    const terry = (await as('olivia')('GET', `/v1/chats/${chatId}/participants`)).body.items.find(
      (member: { id: string }) => member.id === 'terry',
    );
    expect(terry).toMatchObject({ role: 'team', via: 'default_sharing', addedBy: 'olivia' });
    expect((await as('terry')('GET', `/v1/chats/${chatId}`)).status).toBe(200);
    expectProblem(await as('rita')('GET', `/v1/chats/${chatId}`), 404, 'not_found');
  });

  it('S1: starting it again answers the same chat with 200 and shares nothing anew', async () => {
    const again = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'dana' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(chatId);
    expect(again.body).not.toHaveProperty('defaultSharing');
  });

  it('S4: not retroactive — a changed list shares only 1-on-1 chats started afterwards', async () => {
    expect(
      (await as('olivia')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', { teamMemberIds: ['paul'] }))
        .status,
    ).toBe(200);
    expect((await participantIds('olivia', chatId)).sort()).toEqual(['dana', 'olivia', 'terry']);
    const fresh = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'gus' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.defaultSharing).toEqual({ sharedWithIds: ['paul'], skipped: [] });
  });

  it('S6: the owner’s chat list shows the shared chat as "<client> +1 more" with the client’s photo', async () => {
    const list = await as('olivia')('GET', '/v1/chats?limit=200');
    const item = list.body.items.find((chat: { id: string }) => chat.id === chatId);
    expect(item).toMatchObject({
      kind: 'shared',
      title: 'Dana Quillfeather +1 more',
      avatar: 'https://img.example/dana-quill.png',
    });
  });

  it('S3: an explicit invitation overrides a tag restriction — the restricted member reads and posts', async () => {
    // Rita cannot reach Dana on her own.
    expectProblem(await as('rita')('POST', '/v1/chats/direct', { clientId: 'dana' }), 403, 'tag_restricted');
    const invited = await as('olivia')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['rita'] });
    expect(invited.status).toBe(200);
    expect(invited.body.addedIds).toEqual(['rita']);
    expect(invited.body.chat).toMatchObject({
      id: chatId,
      kind: 'shared',
      title: 'Dana Quillfeather +2 more',
    });
    expect((await as('rita')('GET', `/v1/chats/${chatId}`)).status).toBe(200);
    await post('rita', chatId, { body: 'Rita here, happy to help' });
    expect(bodies((await messages('dana', chatId)).items)).toContain('Rita here, happy to help');
    // Inviting her again adds nobody.
    const again = await as('olivia')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['rita'] });
    expect(again.body.addedIds).toEqual([]);
  });

  it('S2/P1: only the owner adds to a shared chat (not_chat_owner); a client never adds (forbidden)', async () => {
    expectProblem(
      await as('terry')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['paul'] }),
      403,
      'not_chat_owner',
    );
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['paul'] }),
      403,
      'forbidden',
    );
    expect((await participantIds('olivia', chatId)).sort()).toEqual(['dana', 'olivia', 'rita', 'terry']);
  });

  it('S5: adding a client converts the chat to "<client full name> (Group)", for good', async () => {
    // S3: Rita's invitation covered Dana, not Eli, whom her restriction excludes: she goes first.
    expect((await as('olivia')('DELETE', `/v1/chats/${chatId}/participants/rita?messages=keep`)).status).toBe(
      204,
    );
    const converted = await as('olivia')('POST', `/v1/chats/${chatId}/participants`, {
      personIds: ['eli'],
      convertToGroup: true,
    });
    expect(converted.status).toBe(200);
    expect(converted.body.chat).toMatchObject({
      id: chatId,
      kind: 'group',
      name: 'Dana Quillfeather (Group)',
      title: 'Dana Quillfeather (Group)',
    });
    const item = (await as('dana')('GET', '/v1/chats?limit=200')).body.items.find(
      (chat: { id: string }) => chat.id === chatId,
    );
    expect(item).toMatchObject({ kind: 'group', title: 'Dana Quillfeather (Group)' });
    expect(item.avatar).not.toBe('https://img.example/dana-quill.png');

    // Never back: without the new client, and even with only one team member left, it stays a group.
    for (const personId of ['eli', 'terry']) {
      expect(
        (await as('olivia')('DELETE', `/v1/chats/${chatId}/participants/${personId}?messages=keep`)).status,
      ).toBe(204);
    }
    expect((await as('olivia')('GET', `/v1/chats/${chatId}`)).body).toMatchObject({
      kind: 'group',
      name: 'Dana Quillfeather (Group)',
    });
    // The owner can rename it; the 1-on-1 with Dana starts afresh.
    expect(
      (await as('olivia')('PATCH', `/v1/chats/${chatId}`, { name: 'Dana and friends' })).body.title,
    ).toBe('Dana and friends');
    const fresh = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'dana' });
    expect(fresh.status).toBe(201);
    expect(fresh.body.id).not.toBe(chatId);
  });

  it('S2: on starter and professional plans sharing is plan_required, and default sharing skips with that reason', async () => {
    for (const id of [starter, professional] as const) {
      const sol = as(`${id}:sol`);
      expect(
        (await sol('PUT', '/v1/practitioners/sol/direct-chat-sharing', { teamMemberIds: ['tom'] })).status,
      ).toBe(200);
      const started = await sol('POST', '/v1/chats/direct', { clientId: 'cal' });
      expect(started.status).toBe(201);
      expect(started.body.kind).toBe('direct');
      expect(started.body.defaultSharing).toEqual({
        sharedWithIds: [],
        skipped: [{ personId: 'tom', reason: 'plan_required', message: expect.any(String) }],
      });
      expectProblem(
        await sol('POST', `/v1/chats/${started.body.id}/participants`, { personIds: ['tom'] }),
        403,
        'plan_required',
      );
      expectProblem(await as(`${id}:tom`)('GET', `/v1/chats/${started.body.id}`), 404, 'not_found');
    }
  });
});

describe('P1 adding to groups', () => {
  it('P1: any team-member participant adds to a group; a client cannot (403 forbidden)', async () => {
    const chat = await group('Adders', ['terry', 'dana']);
    const added = await as('terry')('POST', `/v1/chats/${chat.id}/participants`, {
      personIds: ['paul', 'eli'],
    });
    expect(added.status).toBe(200);
    expect(added.body.addedIds.sort()).toEqual(['eli', 'paul']);
    expect(added.body.chat).toMatchObject({ kind: 'group', name: 'Adders' });
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chat.id}/participants`, { personIds: ['fay'] }),
      403,
      'forbidden',
    );
    // Rita, invited, may not bring in a client she cannot reach.
    expect(
      (await as('olivia')('POST', `/v1/chats/${chat.id}/participants`, { personIds: ['rita'] })).status,
    ).toBe(200);
    expectProblem(
      await as('rita')('POST', `/v1/chats/${chat.id}/participants`, { personIds: ['fay'] }),
      403,
      'tag_restricted',
    );
    expect((await participantIds('olivia', chat.id)).sort()).toEqual([
      'dana',
      'eli',
      'olivia',
      'paul',
      'rita',
      'terry',
    ]);
  });

  it('G5: a client in an identity-hiding group sees other clients only as pseudonyms in the participant list', async () => {
    const created = await as('olivia')('POST', '/v1/chats', {
      name: 'Hidden',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['terry', 'dana', 'eli'],
    });
    const listed = await as('eli')('GET', `/v1/chats/${created.body.id}/participants`);
    expect(listed.status).toBe(200);
    const dana = listed.body.items.find(
      (member: { role: string; id: string | null }) => member.role === 'client' && member.id !== 'eli',
    );
    expect(dana).toMatchObject({ id: null, photoUrl: null, kind: 'client', addedBy: null });
    expect(dana.name).not.toMatch(/Dana|Quillfeather/);
    expect(JSON.stringify(listed.body)).not.toMatch(/dana|Dana|Quillfeather/);
    expect(listed.body.items.find((member: { id: string }) => member.id === 'olivia')).toMatchObject({
      name: 'Olivia Owens',
      role: 'owner',
    });
    // Team members see everyone, with who added them.
    const team = await as('terry')('GET', `/v1/chats/${created.body.id}/participants`);
    expect(team.body.items.find((member: { id: string }) => member.id === 'dana')).toMatchObject({
      name: 'Dana Quillfeather',
      addedBy: 'olivia',
      via: 'created',
    });
    expectProblem(await as('fay')('GET', `/v1/chats/${created.body.id}/participants`), 404, 'not_found');
  });
});

describe('P2 removal, P3 leaving, P4 revocation', () => {
  it('P2 keep: the removed person’s messages stay as "Former participant", their id nowhere', async () => {
    const chat = await group('Keepers', ['terry', 'dana', 'eli']);
    const elisPost = await post('eli', chat.id, { body: 'my first week went well' });
    await post('eli', chat.id, { body: 'a reply of mine', parentId: elisPost.id });
    await post('dana', chat.id, { body: 'welcome aboard', mentions: ['eli'] });

    expect((await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/eli?messages=keep`)).status).toBe(
      204,
    );
    const former = { id: null, name: 'Former participant', photoUrl: null, kind: null };
    for (const viewer of ['olivia', 'terry', 'dana'] as const) {
      const page = await messages(viewer, chat.id);
      const kept = page.items.find((message) => message.id === elisPost.id);
      expect(kept, viewer).toMatchObject({ body: 'my first week went well', author: former, replyCount: 1 });
      expect(kept.latestReplies[0]).toMatchObject({ body: 'a reply of mine', author: former });
      expect(page.items.find((message) => message.body === 'welcome aboard').mentions).toEqual([former]);
      const thread = await as(viewer)('GET', `/v1/chats/${chat.id}/messages/${elisPost.id}/replies`);
      for (const json of [
        page,
        thread.body,
        (await as(viewer)('GET', `/v1/chats/${chat.id}/participants`)).body,
      ]) {
        expect(JSON.stringify(json), viewer).not.toMatch(/"eli"|Eli|Jones/);
      }
    }
  });

  it('P2 delete: their posts, replies and threads rooted at their posts go; others’ replyCount follows', async () => {
    const chat = await group('Deleters', ['terry', 'dana', 'fay']);
    const faysPost = await post('fay', chat.id, { body: 'fay post' });
    await post('dana', chat.id, { body: 'reply to fay', parentId: faysPost.id });
    const terrysPost = await post('terry', chat.id, { body: 'terry post' });
    await post('fay', chat.id, { body: 'fay reply to terry', parentId: terrysPost.id });
    await post('dana', chat.id, { body: 'dana reply to terry', parentId: terrysPost.id });
    expect((await messages('olivia', chat.id)).items.find((m) => m.id === terrysPost.id).replyCount).toBe(2);

    expect(
      (await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/fay?messages=delete`)).status,
    ).toBe(204);
    const page = await messages('dana', chat.id);
    expect(bodies(page.items)).toEqual(['terry post']);
    expect(page.items[0]).toMatchObject({ replyCount: 1, latestReplies: [{ body: 'dana reply to terry' }] });
    const thread = await as('dana')('GET', `/v1/chats/${chat.id}/messages/${terrysPost.id}/replies`);
    expect(bodies(thread.body.items)).toEqual(['dana reply to terry']);
    expectProblem(
      await as('dana')('GET', `/v1/chats/${chat.id}/messages/${faysPost.id}/replies`),
      404,
      'not_found',
    );
  });

  it('P2: only the chat owner or a practice owner/admin removes; removing someone else needs messages=', async () => {
    const chat = await group('Guarded', ['terry', 'dana', 'eli']);
    expectProblem(
      await as('terry')('DELETE', `/v1/chats/${chat.id}/participants/eli?messages=keep`),
      403,
      'forbidden',
    );
    expectProblem(
      await as('dana')('DELETE', `/v1/chats/${chat.id}/participants/eli?messages=keep`),
      403,
      'forbidden',
    );
    expectProblem(
      await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/eli`),
      400,
      'validation_failed',
    );
    expectProblem(
      await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/fay?messages=keep`),
      404,
      'not_found',
    );
    expect((await participantIds('olivia', chat.id)).sort()).toEqual(['dana', 'eli', 'olivia', 'terry']);
  });

  it('P3: a client leaving takes their messages and threads with them; the owner cannot leave (409)', async () => {
    const chat = await group('Leavers', ['terry', 'dana', 'eli'], 'direct');
    await post('dana', chat.id, { body: 'dana says hi' });
    await post('eli', chat.id, { body: 'eli says hi' });
    expect((await as('dana')('DELETE', `/v1/chats/${chat.id}/participants/me`)).status).toBe(204);
    expect(bodies((await messages('eli', chat.id)).items)).toEqual(['eli says hi']);
    expectProblem(await as('dana')('GET', `/v1/chats/${chat.id}`), 404, 'not_found');
    expect((await participantIds('olivia', chat.id)).sort()).toEqual(['eli', 'olivia', 'terry']);

    expectProblem(
      await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/me`),
      409,
      'owner_cannot_leave',
    );
    expectProblem(
      await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/olivia?messages=keep`),
      409,
      'owner_cannot_leave',
    );
    expect((await as('olivia')('GET', `/v1/chats/${chat.id}`)).status).toBe(200);
    // A team member leaves too (P3: anyone but the owner).
    expect((await as('terry')('DELETE', `/v1/chats/${chat.id}/participants/me`)).status).toBe(204);
  });

  it('P4: a removed participant’s reads and posts fail at once and their socket gets nothing more of the chat', async () => {
    const chat = await group('Revoked', ['terry', 'eli']);
    const stream = await openStream(system.url, await system.personToken(practice, 'eli'));
    try {
      await stream.next((event) => event.type === 'stream.ready');
      const before = await post('olivia', chat.id, { body: 'before removal' });
      await stream.next((event) => event.type === 'message.created' && event.data.id === before.id);

      expect(
        (await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/eli?messages=keep`)).status,
      ).toBe(204);
      for (const [method, path, body] of [
        ['GET', `/v1/chats/${chat.id}`],
        ['GET', `/v1/chats/${chat.id}/messages`],
        ['GET', `/v1/chats/${chat.id}/participants`],
        ['POST', `/v1/chats/${chat.id}/messages`, { body: 'still here?' }],
      ] as const) {
        expectProblem(await as('eli')(method, path, body), 404, 'not_found');
      }
      const seen = stream.events.length;
      const after = await post('olivia', chat.id, { body: 'after removal' });
      await post('terry', chat.id, { body: 'and another', parentId: after.id });
      await sleep(1_000);
      expect(stream.events.slice(seen).filter((event) => event.chatId === chat.id)).toEqual([]);
    } finally {
      stream.close();
    }
  });
});

describe('races', () => {
  it('add and remove of the same person at once leave one consistent membership (x10)', async () => {
    const chat = await group('Racing doors', ['terry']);
    for (let round = 0; round < 10; round++) {
      const [added, removed] = await Promise.all([
        as('olivia')('POST', `/v1/chats/${chat.id}/participants`, { personIds: ['dana'] }),
        as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/dana?messages=keep`),
      ]);
      expect(added.status, JSON.stringify(added.body)).toBe(200);
      expect([204, 404], JSON.stringify(removed.body)).toContain(removed.status);
      const listed = (await participantIds('olivia', chat.id)).includes('dana');
      const reads = (await as('dana')('GET', `/v1/chats/${chat.id}`)).status;
      const posts = (await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: `round ${round}` }))
        .status;
      expect({ round, reads, posts }).toEqual({
        round,
        reads: listed ? 200 : 404,
        posts: listed ? 201 : 404,
      });
      const listedInChats = (await as('dana')('GET', '/v1/chats?limit=200')).body.items.some(
        (item: { id: string }) => item.id === chat.id,
      );
      expect(listedInChats).toBe(listed);
    }
  });

  it('S5: conversion while others post loses no message', async () => {
    const started = await as('olivia')('POST', '/v1/chats/direct', { clientId: 'fay' });
    expect(started.status).toBe(201);
    const chatId = started.body.id;
    expect(
      (await as('olivia')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['terry'] })).status,
    ).toBe(200);
    const posting = (who: Name) =>
      Promise.all(
        Array.from({ length: 8 }, (_, n) =>
          as(who)('POST', `/v1/chats/${chatId}/messages`, { body: `${who} ${n}` }),
        ),
      );
    const [terrys, fays, conversion] = await Promise.all([
      posting('terry'),
      posting('fay'),
      as('olivia')('POST', `/v1/chats/${chatId}/participants`, { personIds: ['gus'], convertToGroup: true }),
    ]);
    expect(conversion.status).toBe(200);
    expect(conversion.body.chat).toMatchObject({ kind: 'group', name: 'Fay Lopez (Group)' });
    const posted = [...terrys, ...fays];
    expect(posted.map((reply) => reply.status)).toEqual(posted.map(() => 201));
    const listed = (await messages('gus', chatId)).items;
    expect(listed.map((message) => message.id).sort()).toEqual(posted.map((reply) => reply.body.id).sort());
    const seqs = listed.map((message) => message.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('P2/P4: a removal racing a post leaves no ghost — the post failed, or it follows the removal mode', async () => {
    const chat = await group('Racing posts', ['terry']);
    for (let round = 0; round < 8; round++) {
      const mode = round % 2 ? 'keep' : 'delete';
      expect(
        (await as('olivia')('POST', `/v1/chats/${chat.id}/participants`, { personIds: ['eli'] })).status,
      ).toBe(200);
      const body = `race ${round}`;
      const [posted, removed] = await Promise.all([
        as('eli')('POST', `/v1/chats/${chat.id}/messages`, { body }),
        as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/eli?messages=${mode}`),
      ]);
      expect(removed.status).toBe(204);
      expect([201, 404], JSON.stringify(posted.body)).toContain(posted.status);
      const page = await messages('terry', chat.id);
      const found = page.items.filter((message) => message.body === body);
      if (posted.status === 201 && mode === 'keep') {
        expect(found).toHaveLength(1);
        expect(found[0].author).toEqual({ id: null, name: 'Former participant', photoUrl: null, kind: null });
      } else {
        expect(found, `${mode}: ${posted.status}`).toEqual([]);
      }
      expect(JSON.stringify(page)).not.toMatch(/"eli"/);
    }
  });
});
