import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Who may do what to a chat, as one table: role × action × chat kind, each
 * cell the exact status and problem code (A1, G3, G7, G8, P1, P2, S2, S3, X1, X5).
 * Everyone without access gets 404 not_found — to them the chat does not exist.
 */

const practice = 'p-authz';
const otherPractice = 'p-authz-other';

const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  paul: { kind: 'practitioner', firstName: 'Paul', lastName: 'Pereira', teamRole: 'member' },
  nate: { kind: 'practitioner', firstName: 'Nate', lastName: 'Nowhere', teamRole: 'member' },
  ron: { kind: 'practitioner', firstName: 'Ron', lastName: 'Rusk', teamRole: 'member' },
  rita: {
    kind: 'practitioner',
    firstName: 'Rita',
    lastName: 'Rey',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  rhea: {
    kind: 'practitioner',
    firstName: 'Rhea',
    lastName: 'Ruiz',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  dana: { kind: 'client', firstName: 'Dana', lastName: 'Quill', tags: ['nutrition'] },
  cleo: { kind: 'client', firstName: 'Cleo', lastName: 'Park', tags: ['nutrition'] },
} as const;

type Kind = 'direct' | 'shared' | 'group';
type Role =
  | 'owner'
  | 'team member'
  | 'restricted, invited'
  | 'restricted, not invited'
  | 'client participant'
  | 'non-participant'
  | 'removed participant'
  | 'other practice'
  | 'service token';
type Action =
  | 'GET chat'
  | 'GET messages'
  | 'POST message'
  | 'PATCH chat'
  | 'POST participants'
  | 'DELETE participant'
  | 'PUT pin'
  | 'DELETE pin'
  | 'GET revisions'
  | 'PUT reaction'
  | 'GET reactions'
  | 'GET read-markers'
  | 'GET attachments';
type Cell = [status: number, code?: string];

/** Who plays each role; a 1-on-1 holds only its owner and its client (Cleo there), so team roles are not in it. */
const actors: Record<Role, string> = {
  owner: 'olivia',
  'team member': 'terry',
  'restricted, invited': 'rita',
  'restricted, not invited': 'rhea',
  'client participant': 'dana',
  'non-participant': 'nate',
  'removed participant': 'ron',
  'other practice': 'zed',
  'service token': 'svc',
};
const rolesIn: Record<Kind, Role[]> = {
  direct: [
    'owner',
    'client participant',
    'non-participant',
    'restricted, not invited',
    'other practice',
    'service token',
  ],
  shared: Object.keys(actors) as Role[],
  group: Object.keys(actors) as Role[],
};

const ok = (status = 200): Cell => [status];
const notFound: Cell = [404, 'not_found'];
const forbidden: Cell = [403, 'forbidden'];
const notOwner: Cell = [403, 'not_chat_owner'];
const noStyle: Cell = [409, 'not_supported_in_style'];

/** The expected table. */
function expected(kind: Kind, role: Role): Record<Action, Cell> {
  if (role === 'service token') {
    return Object.fromEntries(actions.map((action) => [action, forbidden])) as Record<Action, Cell>;
  }
  const participant = ['owner', 'team member', 'restricted, invited', 'client participant'].includes(role);
  if (!participant)
    return Object.fromEntries(actions.map((action) => [action, notFound])) as Record<Action, Cell>;
  const owner = role === 'owner';
  const team = role !== 'client participant';
  const feed = kind === 'group';
  return {
    'GET chat': ok(),
    'GET messages': ok(),
    'POST message': ok(201),
    // G3: only the owner; only groups have settings.
    'PATCH chat': owner ? (kind === 'group' ? ok() : [400, 'validation_failed']) : notOwner,
    // P1/S2: team members add to groups, only the owner to direct chats, clients never.
    'POST participants': !team ? forbidden : kind === 'group' || owner ? ok() : notOwner,
    // P2: the chat owner (the practice owner here) removes; P3: nobody leaves a 1-on-1.
    'DELETE participant': owner
      ? kind === 'direct'
        ? [409, 'cannot_leave_direct_chat']
        : ok(204)
      : forbidden,
    // G7: team members pin in feed chats.
    'PUT pin': !feed ? noStyle : team ? ok() : forbidden,
    'DELETE pin': !feed ? noStyle : team ? ok() : forbidden,
    // G8: team members read revisions.
    'GET revisions': team ? ok() : forbidden,
    // X1: participants react; team members see who reacted.
    'PUT reaction': ok(),
    'GET reactions': team ? ok() : forbidden,
    // X5: read receipts for team members; files for every participant.
    'GET read-markers': team ? ok() : forbidden,
    'GET attachments': ok(),
  };
}

const actions: Action[] = [
  'GET chat',
  'GET messages',
  'POST message',
  'PATCH chat',
  'POST participants',
  'DELETE participant',
  'PUT pin',
  'DELETE pin',
  'GET revisions',
  'PUT reaction',
  'GET reactions',
  'GET read-markers',
  'GET attachments',
];

let system: System;
const callers = new Map<string, ReturnType<typeof api>>();
const chats = new Map<Kind, { id: string; postId: string }>();

beforeAll(async () => {
  system = await startSystem('authz');
  for (const id of [practice, otherPractice]) {
    const directory = api(system.url, await system.serviceToken(id, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${id}`, { name: `Clinic ${id}`, plan: 'team' })).status,
    ).toBe(201);
  }
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id, api(system.url, await system.personToken(practice, id)));
  }
  const elsewhere = api(system.url, await system.serviceToken(otherPractice, 'directory:write'));
  const zed = { kind: 'practitioner', firstName: 'Zed', lastName: 'Zimmer', teamRole: 'owner' };
  expect((await elsewhere('PUT', `/v1/practices/${otherPractice}/people/zed`, zed)).status).toBe(201);
  callers.set('zed', api(system.url, await system.personToken(otherPractice, 'zed')));
  callers.set('svc', api(system.url, await system.serviceToken(practice, 'programs:write directory:write')));

  const olivia = callers.get('olivia')!;
  const direct = await olivia('POST', '/v1/chats/direct', { clientId: 'cleo' });
  const shared = await olivia('POST', '/v1/chats/direct', { clientId: 'dana' });
  const group = await olivia('POST', '/v1/chats', {
    name: 'Everyone',
    style: 'feed',
    participantIds: ['terry', 'rita', 'dana', 'paul', 'ron'],
  });
  expect([direct.status, shared.status, group.status]).toEqual([201, 201, 201]);
  // S3: Rita is invited into the shared chat whatever her tag restriction.
  const sharing = await olivia('POST', `/v1/chats/${shared.body.id}/participants`, {
    personIds: ['terry', 'rita', 'paul', 'ron'],
  });
  expect(sharing.body.chat.kind).toBe('shared');
  for (const [kind, reply] of [
    ['direct', direct],
    ['shared', shared],
    ['group', group],
  ] as const) {
    if (kind !== 'direct') {
      const removed = await olivia('DELETE', `/v1/chats/${reply.body.id}/participants/ron?messages=keep`);
      expect(removed.status).toBe(204);
    }
    const posted = await olivia('POST', `/v1/chats/${reply.body.id}/messages`, { body: 'Welcome' });
    expect(posted.status).toBe(201);
    chats.set(kind, { id: reply.body.id, postId: posted.body.id });
  }
});

afterAll(async () => {
  await system?.stop();
});

/** Performs one action; a removal that succeeded is undone so every cell starts from the same chat. */
async function perform(kind: Kind, role: Role, action: Action): Promise<Cell> {
  const { id, postId } = chats.get(kind)!;
  const call = callers.get(kind === 'direct' && role === 'client participant' ? 'cleo' : actors[role])!;
  // Paul is in the shared chat and the group; in the 1-on-1, adding its own client again adds nobody.
  const target = kind === 'direct' ? (role === 'client participant' ? 'paul' : 'cleo') : 'paul';
  const reply = await (() => {
    switch (action) {
      case 'GET chat':
        return call('GET', `/v1/chats/${id}`);
      case 'GET messages':
        return call('GET', `/v1/chats/${id}/messages`);
      case 'POST message':
        return call('POST', `/v1/chats/${id}/messages`, { body: `from ${role}` });
      case 'PATCH chat':
        return call('PATCH', `/v1/chats/${id}`, { name: 'Everyone' });
      case 'POST participants':
        return call('POST', `/v1/chats/${id}/participants`, { personIds: [target] });
      case 'DELETE participant':
        return call(
          'DELETE',
          kind === 'direct' && role === 'owner'
            ? `/v1/chats/${id}/participants/me`
            : `/v1/chats/${id}/participants/paul?messages=keep`,
        );
      case 'PUT pin':
        return call('PUT', `/v1/chats/${id}/pins/${postId}`);
      case 'DELETE pin':
        return call('DELETE', `/v1/chats/${id}/pins/${postId}`);
      case 'GET revisions':
        return call('GET', `/v1/chats/${id}/messages/${postId}/revisions`);
      case 'PUT reaction':
        return call('PUT', `/v1/chats/${id}/messages/${postId}/reactions/${encodeURIComponent('👍')}`);
      case 'GET reactions':
        return call('GET', `/v1/chats/${id}/messages/${postId}/reactions`);
      case 'GET read-markers':
        return call('GET', `/v1/chats/${id}/read-markers`);
      case 'GET attachments':
        return call('GET', `/v1/chats/${id}/attachments`);
    }
  })();
  if (action === 'DELETE participant' && reply.status === 204) {
    const back = await callers.get('olivia')!('POST', `/v1/chats/${id}/participants`, {
      personIds: ['paul'],
    });
    expect(back.status).toBe(200);
  }
  if (reply.status < 400) return [reply.status];
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  return [reply.status, reply.body.code];
}

describe.each(['direct', 'shared', 'group'] as const)('%s chat', (kind) => {
  it.each(rolesIn[kind])('%s', async (role) => {
    const actual: Partial<Record<Action, Cell>> = {};
    for (const action of actions) actual[action] = await perform(kind, role, action);
    expect(actual).toEqual(expected(kind, role));
  });

  it('the chat is as it was: kind, owner and participants unchanged by the table', async () => {
    const { id } = chats.get(kind)!;
    const chat = await callers.get('olivia')!('GET', `/v1/chats/${id}`);
    expect(chat.body).toMatchObject({ kind, ownerId: 'olivia' });
    const members = await callers.get('olivia')!('GET', `/v1/chats/${id}/participants`);
    const expectedIds = kind === 'direct' ? ['cleo', 'olivia'] : ['dana', 'olivia', 'paul', 'rita', 'terry'];
    expect(members.body.items.map((member: { id: string }) => member.id).sort()).toEqual(expectedIds);
  });
});
