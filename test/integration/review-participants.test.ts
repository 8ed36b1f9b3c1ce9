import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, type Socket } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 8, through the real gateway and services on PostgreSQL and NATS:
 * conversion asks first (S5) and its generated name never tells another
 * client who the chat was named after (G5); tag restrictions hold for clients
 * added later, for tags and restrictions changed later, and for a 1-on-1
 * reopened (S3, S1); nobody leaves a 1-on-1 or shared chat (P3); a practice
 * owner or admin removes without being in the chat, and still cannot read it
 * (P2, A1); and the errors of adding and starting chats say what is wrong.
 */

const practice = 'p-review';
const otherPractice = 'p-review-other';

/**
 * Olivia owns the practice, Adam is an admin, Terry and Paul are members;
 * Rita may only reach clients tagged "sleep". Cara, Bea, Dan, Gil and Hal are clients.
 */
const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  adam: { kind: 'practitioner', firstName: 'Adam', lastName: 'Admiral', teamRole: 'admin' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  paul: { kind: 'practitioner', firstName: 'Paul', lastName: 'Pereira', teamRole: 'member' },
  nina: {
    kind: 'practitioner',
    firstName: 'Nina',
    lastName: 'Nutrition',
    teamRole: 'member',
    clientTagRestriction: ['nutrition'],
  },
  rita: {
    kind: 'practitioner',
    firstName: 'Rita',
    lastName: 'Restricted',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  cara: {
    kind: 'client',
    firstName: 'Cara',
    lastName: 'Wolfenden',
    photoUrl: 'https://img.example/cara.png',
    tags: ['nutrition', 'sleep'],
  },
  bea: { kind: 'client', firstName: 'Bea', lastName: 'Bramble', tags: ['nutrition'] },
  dan: { kind: 'client', firstName: 'Dan', lastName: 'Dunmore', tags: ['nutrition'] },
  gil: { kind: 'client', firstName: 'Gil', lastName: 'Galloway', tags: ['sleep'] },
  hal: { kind: 'client', firstName: 'Hal', lastName: 'Hightower', tags: ['nutrition'] },
} as const;
type Name = keyof typeof people;

let system: System;
let directory: ReturnType<typeof api>;
const callers = new Map<string, ReturnType<typeof api>>();
const as = (name: Name | 'zed') => callers.get(name)!;

beforeAll(async () => {
  system = await startSystem('review_participants');
  directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  expect(
    (await directory('PUT', `/v1/practices/${practice}`, { name: 'Review Clinic', plan: 'team' })).status,
  ).toBe(201);
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id, api(system.url, await system.personToken(practice, id)));
  }
  // Zed is the admin of another practice, with the same person ids around him.
  const elsewhere = api(system.url, await system.serviceToken(otherPractice, 'directory:write'));
  expect(
    (await elsewhere('PUT', `/v1/practices/${otherPractice}`, { name: 'Elsewhere', plan: 'team' })).status,
  ).toBe(201);
  const zed = { kind: 'practitioner', firstName: 'Zed', lastName: 'Zimmer', teamRole: 'admin' };
  expect((await elsewhere('PUT', `/v1/practices/${otherPractice}/people/zed`, zed)).status).toBe(201);
  callers.set('zed', api(system.url, await system.personToken(otherPractice, 'zed')));
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

const startDirect = async (who: Name, clientId: Name) => {
  const reply = await as(who)('POST', '/v1/chats/direct', { clientId });
  expect([200, 201], JSON.stringify(reply.body)).toContain(reply.status);
  return reply.body as { id: string; kind: string };
};

const group = async (owner: Name, name: string, participantIds: Name[]) => {
  const reply = await as(owner)('POST', '/v1/chats', { name, style: 'feed', participantIds });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string };
};

const add = (who: Name, chatId: string, personIds: string[], convertToGroup?: boolean) =>
  as(who)('POST', `/v1/chats/${chatId}/participants`, {
    personIds,
    ...(convertToGroup === undefined ? {} : { convertToGroup }),
  });

const memberIds = async (chatId: string) => {
  const reply = await as('olivia')('GET', `/v1/chats/${chatId}/participants`);
  expect(reply.status).toBe(200);
  return (reply.body.items as Array<{ id: string }>).map((member) => member.id).sort();
};

/** Re-syncs a person from the directory with some attributes changed. */
const resync = async (id: Name, changes: Record<string, unknown>) => {
  const reply = await directory('PUT', `/v1/practices/${practice}/people/${id}`, {
    ...people[id],
    ...changes,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
};

/** Repeats a request until its reply matches (a change applied through events), for at most 5 s. */
async function until(request: () => Promise<Reply>, done: (reply: Reply) => boolean): Promise<Reply> {
  let reply = await request();
  for (const deadline = Date.now() + 5_000; !done(reply) && Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    reply = await request();
  }
  return reply;
}

/** Polls until `who` gets `status` for the chat (a change applied through events), within 5 s. */
async function untilChatAnswers(who: Name, chatId: string, status: number) {
  let last = 0;
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    last = (await as(who)('GET', `/v1/chats/${chatId}`)).status;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(last, `${who} on ${chatId}`).toBe(status);
}

describe('S5 conversion asks first, and G5 holds for the name it generates', () => {
  let chatId: string;
  let beasStream: Socket;
  /** Everything that would tell Bea who Cara is. */
  const caraIdentity = /Cara|Wolfenden|"cara"|cara\.png/;

  beforeAll(async () => {
    chatId = (await startDirect('olivia', 'cara')).id;
    await as('cara')('POST', `/v1/chats/${chatId}/messages`, { body: 'our private history' });
    beasStream = await openStream(system.url, await system.personToken(practice, 'bea'));
    await beasStream.next((event) => event.type === 'stream.ready');
  });

  afterAll(() => beasStream?.close());

  it('S5: adding a client without convertToGroup is 409 conversion_required, naming what would happen, and changes nothing', async () => {
    const refused = await add('olivia', chatId, ['bea']);
    expectProblem(refused, 409, 'conversion_required');
    expect(refused.body.detail).toMatch(/group chat for good/);
    expect(refused.body.detail).toMatch(/earlier history/);
    expectProblem(await add('olivia', chatId, ['bea'], false), 409, 'conversion_required');

    expect((await as('olivia')('GET', `/v1/chats/${chatId}`)).body).toMatchObject({ kind: 'direct' });
    expect(await memberIds(chatId)).toEqual(['cara', 'olivia']);
    expectProblem(await as('bea')('GET', `/v1/chats/${chatId}/messages`), 404, 'not_found');
  });

  it('S5: with convertToGroup: true the client joins and the chat is a group named after the original client', async () => {
    const converted = await add('olivia', chatId, ['bea'], true);
    expect(converted.status, JSON.stringify(converted.body)).toBe(200);
    expect(converted.body.chat).toMatchObject({
      kind: 'group',
      name: 'Cara Wolfenden (Group)',
      title: 'Cara Wolfenden (Group)',
    });
    // Team members and the client it is named after read the name.
    expect((await as('cara')('GET', `/v1/chats/${chatId}`)).body).toMatchObject({
      name: 'Cara Wolfenden (Group)',
    });
    const beasPage = await as('bea')('GET', `/v1/chats/${chatId}/messages`);
    expect(beasPage.body.items.map((message: { body: string }) => message.body)).toEqual([
      'our private history',
    ]);
  });

  it('G5: the chat.converted event shows the other client a neutral name', async () => {
    const event = await beasStream.next((e) => e.type === 'chat.converted' && e.chatId === chatId);
    expect(event.data).toMatchObject({ kind: 'group', name: 'Group chat', title: 'Group chat' });
    expect(JSON.stringify(event)).not.toMatch(caraIdentity);
  });

  it('G5: with identities hidden, no surface tells Bea who the chat was named after', async () => {
    const hidden = await as('olivia')('PATCH', `/v1/chats/${chatId}`, { hideClientIdentities: true });
    expect(hidden.status).toBe(200);
    expect(hidden.body.name).toBe('Cara Wolfenden (Group)');
    const updated = await beasStream.next((e) => e.type === 'chat.updated' && e.chatId === chatId);
    expect(updated.data).toMatchObject({
      name: 'Group chat',
      title: 'Group chat',
      hideClientIdentities: true,
    });

    const chat = await as('bea')('GET', `/v1/chats/${chatId}`);
    expect(chat.body).toMatchObject({ name: 'Group chat', title: 'Group chat' });
    const list = await as('bea')('GET', '/v1/chats?limit=200');
    const item = list.body.items.find((listed: { id: string }) => listed.id === chatId);
    expect(item).toMatchObject({ name: 'Group chat', title: 'Group chat' });

    // The participant list: Cara is a pseudonym, and neither how nor when she came ties her to the 1-on-1.
    const participants = await as('bea')('GET', `/v1/chats/${chatId}/participants`);
    const other = participants.body.items.find(
      (member: { kind: string; id: string | null }) => member.kind === 'client' && member.id !== 'bea',
    );
    expect(other).toMatchObject({ id: null, photoUrl: null, via: null, addedAt: null, addedBy: null });

    // Notifications of Cara's next post: the inbox, the socket, and the message event.
    const posted = await as('cara')('POST', `/v1/chats/${chatId}/messages`, { body: 'hello group' });
    expect(posted.status).toBe(201);
    await beasStream.next((e) => e.type === 'notification.created' && e.chatId === chatId);
    await beasStream.next((e) => e.type === 'message.created' && e.data.id === posted.body.id);
    const inbox = await as('bea')('GET', '/v1/notifications');
    expect(inbox.body.items.some((n: { chatId: string }) => n.chatId === chatId)).toBe(true);

    for (const [surface, json] of [
      ['chat', chat.body],
      ['chat list', item],
      ['participants', participants.body],
      ['notifications', inbox.body],
      ['events', beasStream.events.filter((e) => e.chatId === chatId)],
    ] as const) {
      expect(JSON.stringify(json), surface).not.toMatch(caraIdentity);
    }
    // Team members still read everything in full.
    expect((await as('olivia')('GET', `/v1/chats/${chatId}`)).body.title).toBe('Cara Wolfenden (Group)');
  });

  it('G5: once the owner renames it, everyone reads the new name', async () => {
    expect((await as('olivia')('PATCH', `/v1/chats/${chatId}`, { name: 'Evening circle' })).status).toBe(200);
    expect((await as('bea')('GET', `/v1/chats/${chatId}`)).body).toMatchObject({
      name: 'Evening circle',
      title: 'Evening circle',
    });
  });
});

describe('S3 tag restrictions', () => {
  it('S3: adding a client whom a member’s restriction excludes is 403 tag_restricted, naming that member', async () => {
    // Rita reaches Gil (sleep); she was invited with him, not with Bea (nutrition).
    const chat = await group('olivia', 'Sleepers', ['rita', 'terry', 'gil']);
    const refused = await add('terry', chat.id, ['bea']);
    expectProblem(refused, 403, 'tag_restricted');
    expect(refused.body.detail).toMatch(/Rita Restricted/);
    expect(refused.body.details).toEqual({ personIds: ['rita'] });
    expect(await memberIds(chat.id)).toEqual(['gil', 'olivia', 'rita', 'terry']);
    expectProblem(await as('bea')('GET', `/v1/chats/${chat.id}`), 404, 'not_found');

    // With Rita gone, Bea joins; a client Rita reaches always could.
    expect((await add('terry', chat.id, ['cara'])).status).toBe(200);
    expect(
      (await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/rita?messages=keep`)).status,
    ).toBe(204);
    expect((await add('terry', chat.id, ['bea'])).status).toBe(200);
  });

  it('S3: a member invited together with the client is invited into their company (an invitation beats a restriction)', async () => {
    const chat = await group('olivia', 'Together', ['terry']);
    const added = await add('olivia', chat.id, ['rita', 'bea']);
    expect(added.status, JSON.stringify(added.body)).toBe(200);
    expect((await as('rita')('GET', `/v1/chats/${chat.id}/messages`)).status).toBe(200);
  });

  it('S3/S5: converting a shared chat is refused while an invited member’s restriction excludes the new client', async () => {
    const shared = await startDirect('olivia', 'gil');
    expect((await add('olivia', shared.id, ['rita'])).status).toBe(200);
    const refused = await add('olivia', shared.id, ['bea'], true);
    expectProblem(refused, 403, 'tag_restricted');
    expect(refused.body.detail).toMatch(/Rita Restricted/);
    expect((await as('olivia')('GET', `/v1/chats/${shared.id}`)).body.kind).toBe('shared');
  });

  it('S3: a restriction tightened removes default-shared members at once; explicit invitations stay', async () => {
    const invited = await startDirect('olivia', 'hal');
    expect((await add('olivia', invited.id, ['paul'])).status).toBe(200);
    expect(
      (
        await as('olivia')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', {
          teamMemberIds: ['paul'],
        })
      ).status,
    ).toBe(200);
    const defaultShared = await startDirect('olivia', 'dan');
    expect(await memberIds(defaultShared.id)).toEqual(['dan', 'olivia', 'paul']);
    expect((await as('paul')('GET', `/v1/chats/${defaultShared.id}`)).status).toBe(200);

    await resync('paul', { clientTagRestriction: ['sleep'] });
    expect(await memberIds(defaultShared.id)).toEqual(['dan', 'olivia']);
    await untilChatAnswers('paul', defaultShared.id, 404);
    expectProblem(await as('paul')('GET', `/v1/chats/${defaultShared.id}/messages`), 404, 'not_found');
    // Invited into Hal's chat, Paul keeps it whatever his restriction (S3).
    expect((await as('paul')('GET', `/v1/chats/${invited.id}/messages`)).status).toBe(200);
    await resync('paul', {});
  });

  it('S3: a client’s tag removed removes default-shared members it no longer lets in', async () => {
    expect(
      (
        await as('olivia')('PUT', '/v1/practitioners/olivia/direct-chat-sharing', {
          teamMemberIds: ['nina'],
        })
      ).status,
    ).toBe(200);
    const chat = await startDirect('olivia', 'bea');
    expect(await memberIds(chat.id)).toEqual(['bea', 'nina', 'olivia']);
    await resync('bea', { tags: ['sleep'] });
    expect(await memberIds(chat.id)).toEqual(['bea', 'olivia']);
    await untilChatAnswers('nina', chat.id, 404);
    await resync('bea', {});
  });

  it('S3/R1: a program system’s staffing is the explicit assignment: it enrols clients its restricted staff do not reach', async () => {
    const programs = api(system.url, await system.serviceToken(practice, 'programs:write'));
    const base = `/v1/practices/${practice}/programs/sleep-school`;
    const created = await programs('PUT', `${base}/chat`, {
      name: 'Sleep school',
      ownerId: 'olivia',
      practitionerIds: ['rita'],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const enrolled = await programs('PUT', `${base}/enrollments/dan`);
    expect(enrolled.status, JSON.stringify(enrolled.body)).toBe(200);
    expect(enrolled.body).toMatchObject({ enrolled: true, changed: true });
    expect((await as('rita')('GET', `/v1/chats/${created.body.id}/participants`)).status).toBe(200);
  });

  it('S1/S3: POST /v1/chats/direct checks the restriction before answering an existing 1-on-1', async () => {
    const chat = await startDirect('terry', 'hal');
    await resync('terry', { clientTagRestriction: ['sleep'] });
    // The policy decides from its projection of the directory, which follows within moments.
    const refused = await until(
      () => as('terry')('POST', '/v1/chats/direct', { clientId: 'hal' }),
      (reply) => reply.status === 403,
    );
    expectProblem(refused, 403, 'tag_restricted');
    expect(JSON.stringify(refused.body)).not.toContain(chat.id);
    await resync('terry', {});
    const reopened = await until(
      () => as('terry')('POST', '/v1/chats/direct', { clientId: 'hal' }),
      (reply) => reply.status === 200,
    );
    expect(reopened.body.id).toBe(chat.id);
  });
});

describe('P3 nobody leaves a 1-on-1 or shared chat', () => {
  it('P3: the client of a 1-on-1 cannot leave (409 cannot_leave_direct_chat); their messages stay', async () => {
    const chat = await startDirect('paul', 'gil');
    const posted = await as('gil')('POST', `/v1/chats/${chat.id}/messages`, { body: 'I stay' });
    expect(posted.status).toBe(201);
    expectProblem(
      await as('gil')('DELETE', `/v1/chats/${chat.id}/participants/me`),
      409,
      'cannot_leave_direct_chat',
    );
    expectProblem(
      await as('gil')('DELETE', `/v1/chats/${chat.id}/participants/gil`),
      409,
      'cannot_leave_direct_chat',
    );
    const page = await as('paul')('GET', `/v1/chats/${chat.id}/messages`);
    expect(page.body.items.map((message: { body: string }) => message.body)).toContain('I stay');
    expect((await as('gil')('GET', `/v1/chats/${chat.id}`)).status).toBe(200);
  });

  it('P3: a team member of a shared chat cannot leave; the owner removes them, never its client', async () => {
    const chat = await startDirect('paul', 'gil');
    expect((await add('paul', chat.id, ['terry'])).status).toBe(200);
    expectProblem(
      await as('terry')('DELETE', `/v1/chats/${chat.id}/participants/me`),
      409,
      'cannot_leave_direct_chat',
    );
    for (const remover of ['paul', 'olivia'] as const) {
      expectProblem(
        await as(remover)('DELETE', `/v1/chats/${chat.id}/participants/gil?messages=keep`),
        409,
        'cannot_leave_direct_chat',
      );
    }
    expectProblem(
      await as('paul')('DELETE', `/v1/chats/${chat.id}/participants/me`),
      409,
      'cannot_leave_direct_chat',
    );
    expect((await as('paul')('DELETE', `/v1/chats/${chat.id}/participants/terry?messages=keep`)).status).toBe(
      204,
    );
    // S1: the 1-on-1 is still the one POST /v1/chats/direct answers, with its client in it.
    const again = await as('paul')('POST', '/v1/chats/direct', { clientId: 'gil' });
    expect(again.body.id).toBe(chat.id);
    const members = await as('paul')('GET', `/v1/chats/${chat.id}/participants`);
    expect(members.body.items.map((member: { id: string }) => member.id).sort()).toEqual(['gil', 'paul']);
  });
});

describe('P2 a practice owner or admin removes without being in the chat (A1 still holds)', () => {
  it('P2: the practice admin and owner, not participants, remove; they still cannot read the chat', async () => {
    const chat = await group('terry', 'Terry’s circle', ['paul', 'bea', 'dan']);
    expectProblem(await as('adam')('GET', `/v1/chats/${chat.id}`), 404, 'not_found');
    expect((await as('adam')('DELETE', `/v1/chats/${chat.id}/participants/bea?messages=keep`)).status).toBe(
      204,
    );
    expect(
      (await as('olivia')('DELETE', `/v1/chats/${chat.id}/participants/dan?messages=delete`)).status,
    ).toBe(204);
    const members = await as('terry')('GET', `/v1/chats/${chat.id}/participants`);
    expect(members.body.items.map((member: { id: string }) => member.id).sort()).toEqual(['paul', 'terry']);
    for (const path of [`/v1/chats/${chat.id}`, `/v1/chats/${chat.id}/participants`]) {
      expectProblem(await as('adam')('GET', path), 404, 'not_found');
    }
    // The owner of a chat stays, whoever removes.
    expectProblem(
      await as('adam')('DELETE', `/v1/chats/${chat.id}/participants/terry?messages=keep`),
      409,
      'owner_cannot_leave',
    );
  });

  it('P2/A1: a member who is not in the chat, and an admin of another practice, get 404', async () => {
    const chat = await group('terry', 'Closed circle', ['paul']);
    expectProblem(
      await as('rita')('DELETE', `/v1/chats/${chat.id}/participants/paul?messages=keep`),
      404,
      'not_found',
    );
    expectProblem(
      await as('zed')('DELETE', `/v1/chats/${chat.id}/participants/paul?messages=keep`),
      404,
      'not_found',
    );
    // A member in the chat who is not its owner is told why.
    expectProblem(
      await as('paul')('DELETE', `/v1/chats/${chat.id}/participants/terry?messages=keep`),
      403,
      'forbidden',
    );
    expect((await as('terry')('GET', `/v1/chats/${chat.id}/participants`)).body.items).toHaveLength(2);
  });
});

describe('clear errors when adding people and starting chats', () => {
  it('adding to a chat that does not exist is 404, whatever the list', async () => {
    expectProblem(await add('olivia', 'no-such-chat', ['bea']), 404, 'not_found');
    expectProblem(await add('olivia', 'no-such-chat', ['olivia']), 404, 'not_found');
  });

  it('adding yourself is 400 saying so', async () => {
    const chat = await group('olivia', 'Selfie', ['terry']);
    for (const personIds of [['olivia'], ['olivia', 'paul']]) {
      const refused = await add('olivia', chat.id, personIds);
      expectProblem(refused, 400, 'validation_failed');
      expect(refused.body.detail).toMatch(/already/);
      expect(refused.body.detail).not.toMatch(/1-100/);
    }
    expect(await memberIds(chat.id)).toEqual(['olivia', 'terry']);
  });

  it('adding an unknown person says how many are not people of this practice', async () => {
    const chat = await group('olivia', 'Strangers', []);
    const refused = await add('olivia', chat.id, ['bea', 'nobody']);
    expectProblem(refused, 400, 'validation_failed');
    expect(refused.body.detail).toBe('1 of these is not a person of this practice');
  });

  it('S1: a client starting a 1-on-1 is told only practitioners start them', async () => {
    const refused = await as('bea')('POST', '/v1/chats/direct', { clientId: 'dan' });
    expectProblem(refused, 403, 'forbidden');
    expect(refused.body.detail).toBe('Only practitioners start 1-on-1 chats');
  });

  it('S1: a clientId that names no client of the practice is 400 saying so', async () => {
    for (const clientId of ['nobody', 'terry']) {
      const refused = await as('olivia')('POST', '/v1/chats/direct', { clientId });
      expectProblem(refused, 400, 'validation_failed');
      expect(refused.body.detail).toBe('clientId does not name a client of this practice');
    }
  });
});
