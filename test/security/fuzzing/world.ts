import { mintToken } from '@huddle/testing';
import { api, sleep } from '../../support/http';
import type { System } from '../../support/system';
import type { IdPools, Principal } from './inputs';

/** A small practice with every kind of chat, so fuzzed ids can name real things. */
export interface FuzzWorld {
  practiceId: string;
  pools: IdPools;
  /** The bearer header of each kind of caller, per operation (a service's or a person's). */
  authorization(as: Principal, service: boolean): string | undefined;
  /** What the practice looks like through the API: compared before and after rejected requests. */
  snapshot(): Promise<Record<string, string>>;
}

const practiceId = 'p-fuzz';
const people = {
  'fz-owner': { kind: 'practitioner', firstName: 'Olga', lastName: 'Owner', teamRole: 'owner' },
  'fz-member': { kind: 'practitioner', firstName: 'Mick', lastName: 'Member', teamRole: 'member' },
  'fz-tagged': {
    kind: 'practitioner',
    firstName: 'Tina',
    lastName: 'Tagged',
    teamRole: 'member',
    clientTagRestriction: ['vip'],
  },
  'fz-client-a': { kind: 'client', firstName: 'Ada', lastName: 'Client', tags: ['vip'] },
  'fz-client-b': {
    kind: 'client',
    firstName: 'Ben',
    lastName: 'Client',
    photoUrl: 'https://img.example/b.png',
  },
  'fz-client-c': { kind: 'client', firstName: 'Cy', lastName: 'Client' },
};

export async function buildWorld(system: System): Promise<FuzzWorld> {
  const service = await system.serviceToken(practiceId, 'directory:write programs:write');
  const directory = api(system.url, service);
  const must = async (reply: Promise<{ status: number; body: any }>, what: string) => {
    const answer = await reply;
    if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  await must(directory('PUT', `/v1/practices/${practiceId}`, { name: 'Fuzz', plan: 'team' }), 'practice');
  for (const [id, person] of Object.entries(people)) {
    await must(directory('PUT', `/v1/practices/${practiceId}/people/${id}`, person), id);
  }
  // Another practice, so fuzzed ids also cross tenants.
  const other = api(system.url, await system.serviceToken('p-fuzz-other', 'directory:write'));
  await must(other('PUT', '/v1/practices/p-fuzz-other', { name: 'Other', plan: 'team' }), 'other practice');
  await must(
    other('PUT', '/v1/practices/p-fuzz-other/people/fz-stranger', {
      kind: 'practitioner',
      firstName: 'Stan',
      lastName: 'Stranger',
      teamRole: 'owner',
    }),
    'stranger',
  );

  const tokens = {
    owner: await system.personToken(practiceId, 'fz-owner'),
    member: await system.personToken(practiceId, 'fz-member'),
    client: await system.personToken(practiceId, 'fz-client-a'),
    expired: await system.personToken(practiceId, 'fz-owner', { expiresIn: -60 }),
    forged: await mintToken({
      secret: 'not-the-secret-of-this-gateway-at-all',
      sub: 'fz-owner',
      practice: practiceId,
    }),
    service,
  };
  const owner = api(system.url, tokens.owner);
  const group = await must(
    owner('POST', '/v1/chats', {
      name: 'Fuzz feed',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['fz-member', 'fz-client-a', 'fz-client-b'],
    }),
    'group',
  );
  const direct = await must(owner('POST', '/v1/chats/direct', { clientId: 'fz-client-c' }), 'direct');
  const program = await must(
    directory('PUT', `/v1/practices/${practiceId}/programs/prog-fuzz/chat`, {
      name: 'Fuzz program',
      ownerId: 'fz-owner',
      practitionerIds: ['fz-member'],
    }),
    'program',
  );
  await must(
    directory('PUT', `/v1/practices/${practiceId}/programs/prog-fuzz/enrollments/fz-client-a`),
    'enrollment',
  );
  // The chat service learns of members from the participant service's events: wait until it has.
  const client = api(system.url, tokens.client);
  for (const chatId of [group.id, program.id]) {
    for (let attempt = 0; (await client('GET', `/v1/chats/${chatId}/messages`)).status !== 200; attempt++) {
      if (attempt > 100) throw new Error('the client never became a member');
      await sleep(100);
    }
  }
  const upload = await fetch(`${system.url}/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.owner}` },
    body: (() => {
      const form = new FormData();
      form.append('file', new Blob(['fuzz notes'], { type: 'text/plain' }), 'notes.txt');
      return form;
    })(),
  });
  const attachment = (await upload.json()) as { id: string };
  if (upload.status !== 201) throw new Error(`upload: ${upload.status} ${JSON.stringify(attachment)}`);
  const post = await must(
    owner('POST', `/v1/chats/${group.id}/messages`, {
      body: 'Welcome to the fuzz feed',
      attachmentIds: [attachment.id],
    }),
    'post',
  );
  const reply = await must(
    client('POST', `/v1/chats/${group.id}/messages`, { body: 'A reply', parentId: post.id }),
    'reply',
  );
  const clientPost = await must(
    client('POST', `/v1/chats/${group.id}/messages`, { body: 'Hello' }),
    'client post',
  );
  const directPost = await must(
    owner('POST', `/v1/chats/${direct.id}/messages`, { body: 'Hi Cy' }),
    'direct post',
  );
  await must(
    owner('PUT', `/v1/chats/${group.id}/messages/${post.id}/reactions/${encodeURIComponent('👍')}`),
    'react',
  );

  const chats = [group.id, direct.id, program.id];
  const pools: IdPools = {
    practiceId: [practiceId, 'p-fuzz-other'],
    personId: [...Object.keys(people), 'me', 'fz-stranger'],
    clientId: ['fz-client-a', 'fz-client-b', 'fz-client-c'],
    chatId: chats,
    messageId: [post.id, reply.id, clientPost.id, directPost.id],
    attachmentId: [attachment.id],
    programId: ['prog-fuzz', 'prog-new'],
    emoji: ['👍', '❤️', '🎉'].map(encodeURIComponent),
  };

  // Each read the fuzzed operations could change, as the callers who would see it.
  const reads: Array<[typeof owner, string, string]> = [
    ...chats.flatMap(
      (chatId): Array<[typeof owner, string, string]> => [
        [owner, 'owner', `/v1/chats/${chatId}`],
        [owner, 'owner', `/v1/chats/${chatId}/participants`],
        [owner, 'owner', `/v1/chats/${chatId}/messages?limit=100`],
        [owner, 'owner', `/v1/chats/${chatId}/read-markers?limit=100`],
      ],
    ),
    [owner, 'owner', '/v1/me'],
    [owner, 'owner', '/v1/chats?limit=100'],
    [owner, 'owner', '/v1/notifications?limit=100'],
    [owner, 'owner', '/v1/practitioners/fz-owner/direct-chat-sharing'],
    [client, 'client', '/v1/chats?limit=100'],
    [client, 'client', '/v1/notifications?limit=100'],
    [client, 'client', `/v1/chats/${group.id}/attachments?limit=100`],
    [api(system.url, tokens.member), 'member', '/v1/chats?limit=100'],
    [directory, 'service', `/v1/practices/${practiceId}/notification-settings`],
  ];

  return {
    practiceId,
    pools,
    authorization(as, isService) {
      switch (as) {
        case 'intended':
          return `Bearer ${isService ? tokens.service : tokens.owner}`;
        case 'client':
          return `Bearer ${tokens.client}`;
        case 'member':
          return `Bearer ${tokens.member}`;
        case 'expired':
          return `Bearer ${tokens.expired}`;
        case 'forged':
          return `Bearer ${tokens.forged}`;
        case 'garbage':
          return 'Bearer not.a.jwt';
        default:
          return undefined;
      }
    },
    async snapshot() {
      return Object.fromEntries(
        await Promise.all(
          reads.map(async ([caller, who, path]) => {
            const reply = await caller('GET', path);
            return [`${who} ${path}`, `${reply.status} ${JSON.stringify(reply.body)}`] as const;
          }),
        ),
      );
    },
  };
}

/** The reads whose answers differ between two snapshots. */
export function changes(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((key) => before[key] !== after[key]);
}
