import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * R1 through the real gateway and services: a program-management system (a
 * service token with `programs:write`) keeps a group chat per program,
 * idempotently under retries and concurrent calls, enrols and unenrols
 * clients, and locks the chat when the program ends.
 */

const practice = 'p-programs';
const otherPractice = 'p-programs-other';

const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  dana: { kind: 'client', firstName: 'Dana', lastName: 'Quillfeather' },
  eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
} as const;
type Name = keyof typeof people;

let system: System;
let programs: ReturnType<typeof api>;
const callers = new Map<Name, ReturnType<typeof api>>();
const as = (name: Name) => callers.get(name)!;

beforeAll(async () => {
  system = await startSystem('programs');
  for (const id of [practice, otherPractice]) {
    const directory = api(system.url, await system.serviceToken(id, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${id}`, { name: `Clinic ${id}`, plan: 'team' })).status,
    ).toBe(201);
  }
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id as Name, api(system.url, await system.personToken(practice, id)));
  }
  programs = api(system.url, await system.serviceToken(practice, 'programs:write'));
});

afterAll(async () => {
  await system?.stop();
});

function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe(code);
}

const chatPath = (programId: string) => `/v1/practices/${practice}/programs/${programId}/chat`;
const enrolPath = (programId: string, clientId: string) =>
  `/v1/practices/${practice}/programs/${programId}/enrollments/${clientId}`;
const program = { name: 'Spring reset', ownerId: 'olivia', practitionerIds: ['terry'] };

const chatsOf = async (who: Name) =>
  (await as(who)('GET', '/v1/chats?limit=200')).body.items as Array<{ id: string; programId: string | null }>;

describe('R1 programs', () => {
  let chatId: string;

  it('R1: a program system creates its group (201), and a retry answers the same chat (200)', async () => {
    const created = await programs('PUT', chatPath('spring-25'), {
      ...program,
      avatar: 'leaf',
      style: 'feed',
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      kind: 'group',
      name: 'Spring reset',
      style: 'feed',
      avatar: 'leaf',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: false,
      ownerId: 'olivia',
      programId: 'spring-25',
    });
    chatId = created.body.id;
    const retried = await programs('PUT', chatPath('spring-25'), {
      ...program,
      avatar: 'leaf',
      style: 'feed',
    });
    expect(retried.status).toBe(200);
    expect(retried.body).toEqual(created.body);

    const members = (await as('olivia')('GET', `/v1/chats/${chatId}/participants`)).body.items;
    expect(
      members.map((member: { id: string; role: string; via: string }) => [
        member.id,
        member.role,
        member.via,
      ]),
    ).toEqual([
      ['olivia', 'owner', 'program'],
      ['terry', 'team', 'program'],
    ]);
    expect(members[1].addedBy).toBe('svc:test');
    expect((await chatsOf('terry')).filter((chat) => chat.programId === 'spring-25')).toHaveLength(1);
  });

  it('R1: an update changes the settings of the same chat', async () => {
    const renamed = await programs('PUT', chatPath('spring-25'), {
      ...program,
      name: 'Spring reset 2025',
      clientNaming: 'first',
      hideClientIdentities: true,
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      id: chatId,
      name: 'Spring reset 2025',
      clientNaming: 'first',
      hideClientIdentities: true,
    });
    expect((await as('olivia')('GET', `/v1/chats/${chatId}`)).body).toMatchObject({
      title: 'Spring reset 2025',
    });
  });

  it('R1: two concurrent upserts of a new program make one chat', async () => {
    const replies = await Promise.all([
      programs('PUT', chatPath('summer-25'), program),
      programs('PUT', chatPath('summer-25'), program),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 201]);
    expect(replies[0]!.body.id).toBe(replies[1]!.body.id);
    const summer = (await chatsOf('olivia')).filter((chat) => chat.programId === 'summer-25');
    expect(summer).toHaveLength(1);
    expect((await as('olivia')('GET', `/v1/chats/${summer[0]!.id}/participants`)).body.items).toHaveLength(2);
  });

  it('R1: enrolling a client adds them (the client reads the chat); enrolling again changes nothing', async () => {
    expectProblem(await as('dana')('GET', `/v1/chats/${chatId}`), 404, 'not_found');
    const enrolled = await programs('PUT', enrolPath('spring-25', 'dana'));
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toEqual({ chatId, enrolled: true, changed: true });
    expect((await programs('PUT', enrolPath('spring-25', 'dana'))).body).toEqual({
      chatId,
      enrolled: true,
      changed: false,
    });
    expect((await as('dana')('GET', `/v1/chats/${chatId}`)).status).toBe(200);
    const dana = (await as('olivia')('GET', `/v1/chats/${chatId}/participants`)).body.items.find(
      (member: { id: string }) => member.id === 'dana',
    );
    expect(dana).toMatchObject({ role: 'client', via: 'program', addedBy: 'svc:test' });
    expect((await programs('PUT', enrolPath('spring-25', 'eli'))).status).toBe(200);
  });

  it('R1: unenrolling removes the client (404 for them) and keeps their messages', async () => {
    const posted = await as('dana')('POST', `/v1/chats/${chatId}/messages`, { body: 'Loving this program' });
    expect(posted.status).toBe(201);
    const unenrolled = await programs('DELETE', enrolPath('spring-25', 'dana'));
    expect(unenrolled.status).toBe(200);
    expect(unenrolled.body).toEqual({ chatId, enrolled: false, changed: true });
    expect((await programs('DELETE', enrolPath('spring-25', 'dana'))).body.changed).toBe(false);

    expectProblem(await as('dana')('GET', `/v1/chats/${chatId}`), 404, 'not_found');
    expectProblem(await as('dana')('GET', `/v1/chats/${chatId}/messages`), 404, 'not_found');
    for (const viewer of ['olivia', 'eli'] as const) {
      const page = await as(viewer)('GET', `/v1/chats/${chatId}/messages`);
      const kept = page.body.items.find((message: { id: string }) => message.id === posted.body.id);
      expect(kept).toMatchObject({
        body: 'Loving this program',
        author: { id: null, name: 'Former participant', photoUrl: null, kind: null },
      });
      expect(JSON.stringify(page.body)).not.toMatch(/"dana"|Quillfeather/);
    }
  });

  it('R1/G6: ending the program locks its chat — non-owners get 403 chat_locked, everyone still reads', async () => {
    const ended = await programs('PUT', chatPath('spring-25'), {
      ...program,
      name: 'Spring reset 2025',
      locked: true,
    });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ id: chatId, locked: true });
    expectProblem(
      await as('terry')('POST', `/v1/chats/${chatId}/messages`, { body: 'one more tip' }),
      403,
      'chat_locked',
    );
    expectProblem(
      await as('eli')('POST', `/v1/chats/${chatId}/messages`, { body: 'thanks!' }),
      403,
      'chat_locked',
    );
    expect(
      (await as('olivia')('POST', `/v1/chats/${chatId}/messages`, { body: 'Well done all' })).status,
    ).toBe(201);
    expect((await as('eli')('GET', `/v1/chats/${chatId}/messages`)).status).toBe(200);
    expect((await as('eli')('GET', `/v1/chats/${chatId}`)).body.locked).toBe(true);
  });

  it('R1: only service tokens with programs:write for this practice use the programs API (403)', async () => {
    const callers = [
      as('olivia'),
      api(system.url, await system.serviceToken(practice, 'directory:write')),
      api(system.url, await system.serviceToken(otherPractice, 'programs:write')),
    ];
    for (const caller of callers) {
      expectProblem(await caller('PUT', chatPath('autumn-25'), program), 403, 'forbidden');
      expectProblem(await caller('PUT', enrolPath('spring-25', 'eli')), 403, 'forbidden');
      expectProblem(await caller('DELETE', enrolPath('spring-25', 'eli')), 403, 'forbidden');
    }
    expect((await chatsOf('olivia')).some((chat) => chat.programId === 'autumn-25')).toBe(false);
    expect((await as('eli')('GET', `/v1/chats/${chatId}`)).status).toBe(200);
  });

  it('R1: bad requests are 4xx and change nothing', async () => {
    expectProblem(await programs('PUT', enrolPath('no-such-program', 'eli')), 404, 'not_found');
    expectProblem(await programs('PUT', enrolPath('spring-25', 'terry')), 400, 'validation_failed');
    expectProblem(await programs('PUT', enrolPath('spring-25', 'nobody')), 400, 'validation_failed');
    expectProblem(
      await programs('PUT', chatPath('winter-25'), { ...program, ownerId: 'dana' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await programs('PUT', chatPath('winter-25'), { ...program, practitionerIds: ['nobody'] }),
      400,
      'validation_failed',
    );
    expectProblem(
      await programs('PUT', chatPath('winter-25'), { ...program, avatar: 'unicorn' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await programs('PUT', chatPath('winter-25'), { name: 'No owner' }),
      400,
      'validation_failed',
    );
    // A program chat keeps the owner it was created with.
    expectProblem(
      await programs('PUT', chatPath('spring-25'), { ...program, ownerId: 'terry' }),
      409,
      'conflict',
    );
    expect((await chatsOf('olivia')).some((chat) => chat.programId === 'winter-25')).toBe(false);
  });
});
