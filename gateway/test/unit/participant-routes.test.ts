import type { InjectOptions } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import type { ChatContext, Viewer } from '../../src/presenter';
import { presentParticipant, presentParticipants } from '../../src/presenter/participants';
import {
  chat,
  groupParticipants,
  participant,
  people,
  personToken,
  serviceCalls,
  serviceToken,
  testApp,
} from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });
const service = async (scope = 'programs:write', practice?: string) => ({
  authorization: `Bearer ${await serviceToken(scope, practice)}`,
});

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

/** A refused request: 4xx problem+json with its code, and no service was called. */
async function expectRefused(request: InjectOptions, status = 400, code = 'validation_failed') {
  const response = await app.inject(request);
  expect(response.statusCode, JSON.stringify(request)).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, code });
  expect(serviceCalls(setup.services)).toBe(0);
}

const added = new Date('2025-02-01T10:00:00.000Z');
const directory = new Map(Object.values(people).map((p) => [p.id, p]));
const members = groupParticipants.map((member, index) => ({
  ...member,
  addedAt: new Date(added.getTime() + index * 1000),
}));
const context = (overrides: Partial<ChatContext['chat']> = {}): ChatContext => ({
  chat: chat(overrides),
  participants: members,
  people: directory,
});
const olivia: Viewer = { personId: 'olivia', kind: 'practitioner' };
const dana: Viewer = { personId: 'dana', kind: 'client' };

describe('presentParticipant (G4, G5, P2)', () => {
  it('team members see everyone in full, with how and when they came and who added them', () => {
    const eli = members.find((member) => member.personId === 'eli')!;
    expect(presentParticipant(olivia, context({ hideClientIdentities: true }), eli)).toEqual({
      id: 'eli',
      name: 'Eli Jones',
      photoUrl: 'https://img.example/eli.png',
      kind: 'client',
      role: 'client',
      via: 'invited',
      addedAt: '2025-02-01T10:00:03.000Z',
      addedBy: 'olivia',
    });
  });

  it('G5: a client sees another client of a hiding group by pseudonym only: no adder, nor how or when they came', () => {
    const listed = presentParticipants(dana, context({ hideClientIdentities: true }));
    expect(listed.map((member) => member.name)).toEqual([
      'Olivia Owens',
      'Terry Team',
      'Dana Smith',
      'Member 4',
    ]);
    expect(listed[3]).toEqual({
      id: null,
      name: 'Member 4',
      photoUrl: null,
      kind: 'client',
      role: 'client',
      via: null,
      addedAt: null,
      addedBy: null,
    });
    expect(listed.every((member) => member.addedBy === null)).toBe(true);
    expect(JSON.stringify(listed)).not.toMatch(/eli|Eli|Jones/);
  });

  it('G4: without hiding, a client sees other clients as the chat names them', () => {
    const listed = presentParticipants(dana, context({ clientNaming: 'first_initial' }));
    expect(listed[3]).toMatchObject({ id: 'eli', name: 'Eli J.', kind: 'client' });
  });

  it('P2: an adder who is no longer a participant is not named; a program service is', () => {
    const byFormer = { ...participant('chat1', 'eli', 'client', 'Member 4'), addedBy: 'gone' };
    const byProgram = { ...participant('chat1', 'eli', 'client', 'Member 4'), addedBy: 'svc:programs' };
    expect(presentParticipant(olivia, context(), byFormer).addedBy).toBeNull();
    expect(presentParticipant(olivia, context(), byProgram).addedBy).toBe('svc:programs');
  });

  it('lists the owner first, then in the order people joined', () => {
    const shuffled = { ...context(), participants: [members[3]!, members[2]!, members[0]!, members[1]!] };
    expect(presentParticipants(olivia, shuffled).map((member) => member.id)).toEqual([
      'olivia',
      'terry',
      'dana',
      'eli',
    ]);
  });
});

describe('GET /v1/chats/{id}/participants', () => {
  it('G5: presents the list for the caller', async () => {
    setup.state.chat = chat({ hideClientIdentities: true });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/participants',
      headers: await bearer('dana'),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.nextCursor).toBeNull();
    expect(body.items).toHaveLength(4);
    expect(body.items[3]).toEqual({
      id: null,
      name: 'Member 4',
      photoUrl: null,
      kind: 'client',
      role: 'client',
      via: null,
      addedAt: null,
      addedBy: null,
    });
    expect(response.body).not.toMatch(/eli|Eli/);
  });

  it('A1: a non-participant gets 404', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/chats/chat1/participants',
      headers: await bearer('stranger'),
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not_found' });
  });

  it('a bad chat id is 400 before any service is called', async () => {
    await expectRefused({
      method: 'GET',
      url: '/v1/chats/bad%20id/participants',
      headers: await bearer('olivia'),
    });
  });
});

describe('POST /v1/chats/{id}/participants (P1)', () => {
  it('adds, answering the chat as the caller sees it now and who was added', async () => {
    setup.state.participants = setup.state.participants.filter((member) => member.personId !== 'eli');
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/participants',
      headers: await bearer('olivia'),
      payload: { personIds: ['eli', 'terry'] },
    });
    expect(response.statusCode).toBe(200);
    expect(setup.services.chat.addParticipants).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      actorId: 'olivia',
      personIds: ['eli', 'terry'],
      convertToGroup: false,
    });
    expect(response.json()).toMatchObject({ chat: { id: 'chat1', kind: 'group' }, addedIds: ['eli'] });
  });

  it('P1: a client gets the service’s 403 forbidden', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/chat1/participants',
      headers: await bearer('dana'),
      payload: { personIds: ['eli'] },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'forbidden' });
  });

  it('an empty, oversized, repeated, malformed or padded list is 400 before any service is called', async () => {
    const headers = await bearer('olivia');
    for (const payload of [
      {},
      { personIds: [] },
      { personIds: Array.from({ length: 101 }, (_, n) => `p${n}`) },
      { personIds: ['eli', 'eli'] },
      { personIds: ['not an id'] },
      { personIds: 'eli' },
      { personIds: ['eli'], role: 'owner' },
    ]) {
      await expectRefused({ method: 'POST', url: '/v1/chats/chat1/participants', headers, payload });
    }
  });
});

describe('DELETE /v1/chats/{id}/participants/{personId} (P2, P3)', () => {
  it('P2: removes with the chosen mode and answers 204 with no body', async () => {
    const response = await app.inject({
      method: 'DELETE',
      url: '/v1/chats/chat1/participants/eli?messages=keep',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expect(setup.services.chat.removeParticipant).toHaveBeenCalledWith({
      practiceId: 'p1',
      chatId: 'chat1',
      actorId: 'olivia',
      personId: 'eli',
      messages: 'keep',
    });
  });

  it('P3: `me` leaves, and leaving always deletes whatever the query says', async () => {
    for (const url of ['/v1/chats/chat1/participants/me', '/v1/chats/chat1/participants/me?messages=keep']) {
      setup.state.participants = [...groupParticipants];
      const response = await app.inject({ method: 'DELETE', url, headers: await bearer('dana') });
      expect(response.statusCode).toBe(204);
    }
    expect(setup.services.chat.removeParticipant.mock.calls.map(([request]) => request)).toEqual([
      { practiceId: 'p1', chatId: 'chat1', actorId: 'dana', personId: 'dana', messages: 'delete' },
      { practiceId: 'p1', chatId: 'chat1', actorId: 'dana', personId: 'dana', messages: 'delete' },
    ]);
  });

  it('P3: the owner cannot leave (409 owner_cannot_leave)', async () => {
    const response = await app.inject({
      method: 'DELETE',
      url: '/v1/chats/chat1/participants/me',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toMatchObject({ code: 'owner_cannot_leave' });
  });

  it('P4: after a removal this gateway no longer presents the chat to them', async () => {
    const headers = await bearer('eli');
    expect((await app.inject({ method: 'GET', url: '/v1/chats/chat1', headers })).statusCode).toBe(200);
    await app.inject({
      method: 'DELETE',
      url: '/v1/chats/chat1/participants/eli?messages=delete',
      headers: await bearer('olivia'),
    });
    expect((await app.inject({ method: 'GET', url: '/v1/chats/chat1', headers })).statusCode).toBe(404);
  });

  it('removing someone else without saying what happens to their messages, or with a bad mode, is 400', async () => {
    const headers = await bearer('olivia');
    for (const url of [
      '/v1/chats/chat1/participants/eli',
      '/v1/chats/chat1/participants/eli?messages=archive',
      '/v1/chats/chat1/participants/eli?messages=keep&force=1',
      '/v1/chats/chat1/participants/not%20an%20id?messages=keep',
    ]) {
      await expectRefused({ method: 'DELETE', url, headers });
    }
  });
});

describe('POST /v1/chats/direct (S1, S4)', () => {
  it('S4: a new 1-on-1 is 201 and says whom default sharing added and skipped, and why', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/direct',
      headers: await bearer('olivia'),
      payload: { clientId: 'dana' },
    });
    expect(response.statusCode).toBe(201);
    expect(setup.services.chat.startDirectChat).toHaveBeenCalledWith({
      practiceId: 'p1',
      ownerId: 'olivia',
      clientId: 'dana',
    });
    expect(response.json()).toMatchObject({
      id: 'direct1',
      defaultSharing: {
        sharedWithIds: ['terry'],
        skipped: [{ personId: 'pam', reason: 'tag_restricted', message: expect.any(String) }],
      },
    });
  });

  it('S1: the existing 1-on-1 is 200, without defaultSharing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/chats/direct',
      headers: await bearer('olivia'),
      payload: { clientId: 'eli' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().id).toBe('direct1');
    expect(response.json()).not.toHaveProperty('defaultSharing');
  });

  it('a missing, malformed or padded body is 400 before any service is called', async () => {
    const headers = await bearer('olivia');
    for (const payload of [
      {},
      { clientId: '' },
      { clientId: 'a b' },
      { clientId: 5 },
      { clientId: 'dana', x: 1 },
    ]) {
      await expectRefused({ method: 'POST', url: '/v1/chats/direct', headers, payload });
    }
  });
});

describe('/v1/practitioners/{id}/direct-chat-sharing (S4)', () => {
  it('GET answers the list, updatedAt null while never set', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/practitioners/terry/direct-chat-sharing',
      headers: await bearer('terry'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ practitionerId: 'terry', teamMemberIds: [], updatedAt: null });
    expect(setup.services.sharingPolicy.getDefaultSharing).toHaveBeenCalledWith({
      practiceId: 'p1',
      actorId: 'terry',
      practitionerId: 'terry',
    });
  });

  it('PUT sets it as the caller; the service decides who may (403 forbidden otherwise)', async () => {
    const set = await app.inject({
      method: 'PUT',
      url: '/v1/practitioners/terry/direct-chat-sharing',
      headers: await bearer('olivia'),
      payload: { teamMemberIds: ['pam'] },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toEqual({
      practitionerId: 'terry',
      teamMemberIds: ['pam'],
      updatedAt: '2025-01-06T00:00:00.000Z',
    });
    const refused = await app.inject({
      method: 'PUT',
      url: '/v1/practitioners/terry/direct-chat-sharing',
      headers: await bearer('dana'),
      payload: { teamMemberIds: [] },
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
  });

  it('a malformed list is 400 before any service is called', async () => {
    const headers = await bearer('olivia');
    for (const payload of [
      {},
      { teamMemberIds: 'pam' },
      { teamMemberIds: ['pam', 'pam'] },
      { teamMemberIds: ['bad id'] },
      { teamMemberIds: Array.from({ length: 101 }, (_, n) => `t${n}`) },
      { teamMemberIds: [], extra: true },
    ]) {
      await expectRefused({
        method: 'PUT',
        url: '/v1/practitioners/terry/direct-chat-sharing',
        headers,
        payload,
      });
    }
  });
});

describe('R1: programs API', () => {
  const chatUrl = '/v1/practices/p1/programs/prog-1/chat';
  const enrolUrl = '/v1/practices/p1/programs/prog-1/enrollments/dana';

  it('upserts the program chat as svc:<name>: 201 created, 200 when it existed', async () => {
    const created = await app.inject({
      method: 'PUT',
      url: chatUrl,
      headers: await service(),
      payload: { name: 'Spring reset', ownerId: 'olivia', practitionerIds: ['terry'], locked: false },
    });
    expect(created.statusCode).toBe(201);
    expect(setup.services.chat.upsertProgramChat).toHaveBeenCalledWith({
      practiceId: 'p1',
      programId: 'prog-1',
      actor: 'svc:platform',
      name: 'Spring reset',
      ownerId: 'olivia',
      practitionerIds: ['terry'],
      locked: false,
    });
    expect(created.json()).toEqual({
      id: 'program1',
      kind: 'group',
      name: 'Spring reset',
      style: 'feed',
      avatar: 'sunrise',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: false,
      ownerId: 'olivia',
      programId: 'prog-1',
    });
    const again = await app.inject({
      method: 'PUT',
      url: '/v1/practices/p1/programs/existing/chat',
      headers: await service(),
      payload: { name: 'Spring reset', ownerId: 'olivia' },
    });
    expect(again.statusCode).toBe(200);
  });

  it('enrols and unenrols: 200 {chatId, enrolled, changed}', async () => {
    const enrolled = await app.inject({ method: 'PUT', url: enrolUrl, headers: await service() });
    expect(enrolled.statusCode).toBe(200);
    expect(enrolled.json()).toEqual({ chatId: 'program1', enrolled: true, changed: true });
    const unenrolled = await app.inject({
      method: 'DELETE',
      url: '/v1/practices/p1/programs/prog-1/enrollments/eli',
      headers: await service(),
    });
    expect(unenrolled.json()).toEqual({ chatId: 'program1', enrolled: false, changed: false });
    expect(setup.services.chat.setEnrollment).toHaveBeenLastCalledWith({
      practiceId: 'p1',
      programId: 'prog-1',
      clientId: 'eli',
      actor: 'svc:platform',
      enrolled: false,
    });
  });

  it('a person token, a token without programs:write, or another practice’s token is 403', async () => {
    const body = { name: 'Spring reset', ownerId: 'olivia' };
    for (const headers of [
      await bearer('olivia'),
      await service('directory:write'),
      await service('programs:write', 'p2'),
    ]) {
      await expectRefused({ method: 'PUT', url: chatUrl, headers, payload: body }, 403, 'forbidden');
      await expectRefused({ method: 'PUT', url: enrolUrl, headers }, 403, 'forbidden');
      await expectRefused({ method: 'DELETE', url: enrolUrl, headers }, 403, 'forbidden');
    }
  });

  it('a bad body is 400 before any service is called', async () => {
    const headers = await service();
    for (const payload of [
      {},
      { name: '', ownerId: 'olivia' },
      { name: 'x'.repeat(101), ownerId: 'olivia' },
      { name: 'Spring', ownerId: 'not an id' },
      { name: 'Spring', ownerId: 'olivia', avatar: 'https://evil.example/a.png' },
      { name: 'Spring', ownerId: 'olivia', style: 'sideways' },
      { name: 'Spring', ownerId: 'olivia', locked: 'yes' },
      { name: 'Spring', ownerId: 'olivia', practitionerIds: ['terry', 'terry'] },
      { name: 'Spring', ownerId: 'olivia', participantIds: ['dana'] },
    ]) {
      await expectRefused({ method: 'PUT', url: chatUrl, headers, payload });
    }
    await expectRefused({
      method: 'PUT',
      url: '/v1/practices/p1/programs/bad%20id/enrollments/dana',
      headers,
    });
  });
});
