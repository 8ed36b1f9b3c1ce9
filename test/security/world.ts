import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken } from '@huddle/testing';
import { api, type Reply } from '../support/http';
import type { System } from '../support/system';
import { type Kind, kindFacts, kinds, type Role, roles } from './policy';

/**
 * One practice world on the running system, made through the public API as
 * its people would make it, matching the facts policy.ts states about each
 * role. Chats are owned by Cora; Olga owns the practice; Zed and Quinn are
 * of another practice.
 */

export const practiceId = 'p-matrix';
export const otherPracticeId = 'p-matrix-other';

const people = {
  olga: { kind: 'practitioner', firstName: 'Olga', lastName: 'Owner', teamRole: 'owner' },
  adam: {
    kind: 'practitioner',
    firstName: 'Adam',
    lastName: 'Admin',
    teamRole: 'admin',
    canManageTeamSettings: true,
  },
  cora: { kind: 'practitioner', firstName: 'Cora', lastName: 'Chatowner', teamRole: 'member' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Team', teamRole: 'member' },
  rita: {
    kind: 'practitioner',
    firstName: 'Rita',
    lastName: 'Restricted',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  rhea: {
    kind: 'practitioner',
    firstName: 'Rhea',
    lastName: 'Restricted',
    teamRole: 'member',
    clientTagRestriction: ['sleep'],
  },
  ron: { kind: 'practitioner', firstName: 'Ron', lastName: 'Removed', teamRole: 'member' },
  // The clients carry `nutrition`: Rita's and Rhea's restriction (`sleep`) excludes them.
  dana: { kind: 'client', firstName: 'Dana', lastName: 'Client', tags: ['nutrition'] },
  dina: { kind: 'client', firstName: 'Dina', lastName: 'Client', tags: ['nutrition'] },
  dora: { kind: 'client', firstName: 'Dora', lastName: 'Client', tags: ['nutrition'] },
  // The client whose joining converts the shared chat; Rita reaches her, so the conversion passes S3.
  gina: { kind: 'client', firstName: 'Gina', lastName: 'Joiner', tags: ['sleep'] },
  cleo: { kind: 'client', firstName: 'Cleo', lastName: 'Outsider', tags: ['nutrition'] },
} as const;

const otherPeople = {
  zed: { kind: 'practitioner', firstName: 'Zed', lastName: 'Elsewhere', teamRole: 'owner' },
  quinn: { kind: 'client', firstName: 'Quinn', lastName: 'Elsewhere', tags: ['nutrition'] },
} as const;

/** Who plays each person role (the chat's client differs per direct chat: a 1-on-1 is one per client, S1). */
export function actorOf(role: Role, kind: Kind | null): string | null {
  switch (role) {
    case 'practice-owner':
      return 'olga';
    case 'team-admin':
      return 'adam';
    case 'chat-owner':
      return 'cora';
    case 'team-member':
      return 'terry';
    case 'restricted-invited':
      return 'rita';
    case 'restricted-uninvited':
      return 'rhea';
    case 'client-participant':
      return kind === 'shared' ? 'dina' : kind === 'converted-group' ? 'dora' : 'dana';
    case 'client-outsider':
      return 'cleo';
    case 'removed-participant':
      return 'ron';
    case 'other-practitioner':
      return 'zed';
    case 'other-client':
      return 'quinn';
    default:
      return null;
  }
}

/** X4: the people who pin every chat of the world they are in; the others pin none. */
const pinners = new Set(['cora', 'terry']);
export const pinsChats = (personId: string) => pinners.has(personId);

/** X2: far enough ahead that nothing scheduled by the suite is sent while it runs. */
export const sendAt = () => new Date(Date.now() + 30 * 24 * 3_600_000).toISOString();

/** X3: the words the search cases look for: they match seed posts, the vault's, and scheduled texts. */
export const searchWords = 'mine or file or vault or scheduled';

/** What each chat holds for the cases: ids made at setup. */
export interface WorldChat {
  id: string;
  /** Its active participants once the world is built (Ron removed): who reads it (A1). */
  participants: string[];
  /** Cora's top-level post carrying a file: the target of pins, reactions, threads, revisions. */
  postId: string;
  attachmentId: string;
  /** Per participant (person id): a message of theirs to edit, and one to delete. */
  editOwn: Record<string, string>;
  deleteOwn: Record<string, string>;
  /** The client's message the chat owner deletes as moderator. */
  moderated: string;
  /** Feed chats: a file an edit of Cora's post replaced (G8); absent in direct-style chats. */
  replacedFileId?: string;
  /** A file whose message Cora deleted. */
  deletedFileId: string;
  /** That deleted message (X3: no search finds it). */
  deletedMessageId: string;
  /**
   * X2: per person who was ever in the chat (Ron too, before his removal), a pending scheduled
   * message of theirs to edit, and one to cancel.
   */
  scheduledEdit: Record<string, string>;
  scheduledCancel: Record<string, string>;
  /** C2: the practice owner's export of the chat, ready before the cases run. */
  exportId: string;
}

export type Call = ReturnType<typeof api>;

export interface World {
  chats: Record<Kind, WorldChat>;
  /** The program whose chat the program operations upsert and enrol in. */
  opsProgramId: string;
  /** The practice owner's group of one: its messages belong to a chat no other role is in. */
  vault: { chatId: string; postId: string };
  /** Cora's upload that no message uses (A1: hers alone). */
  unusedUploadId: string;
  /** X2: every scheduled message made at setup, with its author. */
  scheduledAuthors: Map<string, string>;
  /** A new message of the vault's, for one case to try to delete through another chat. */
  freshVaultMessage(): Promise<string>;
  tokens: Record<Role, string | undefined>;
  /** A caller for a person of either practice. */
  as(personId: string): Call;
  directory: Call;
  programs: Call;
  /** A new practitioner or client of the practice, for one case. */
  freshPerson(kind: 'practitioner' | 'client'): Promise<string>;
  tokenOf(personId: string): string;
}

const expectStatus = (reply: Reply, ...statuses: number[]) => {
  if (!statuses.includes(reply.status)) {
    throw new Error(
      `world setup: expected ${statuses.join('/')}, got ${reply.status} ${JSON.stringify(reply.body)}`,
    );
  }
  return reply;
};

/** A local server answering Zoom's `POST /users/me/meetings` (M1), so meetings in groups can be started. */
export async function fakeZoom(): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      response
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ id: 1, join_url: 'https://zoom.example/j/1' })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2`, server };
}

/** Uploads a small file as `caller`; its id. */
export async function upload(baseUrl: string, token: string | undefined, name = 'notes.txt') {
  const form = new FormData();
  form.append('file', new Blob(['matrix file'], { type: 'text/plain' }), name);
  const response = await fetch(`${baseUrl}/v1/attachments`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  const body = (await response.json().catch(() => undefined)) as { id?: string } | undefined;
  return { status: response.status, id: body?.id };
}

/** A JWT with `alg: none` and no signature (RFC 7519 section 6), which no gateway may accept. */
const unsigned = (claims: Record<string, unknown>) =>
  [{ alg: 'none', typ: 'JWT' }, claims]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.')
    .concat('.');

export async function buildWorld(system: System): Promise<World> {
  const tokens = new Map<string, string>();
  const directoryToken = await system.serviceToken(practiceId, 'directory:write');
  const directory = api(system.url, directoryToken);
  const programs = api(system.url, await system.serviceToken(practiceId, 'programs:write'));
  const elsewhere = api(system.url, await system.serviceToken(otherPracticeId, 'directory:write'));

  expectStatus(
    await directory('PUT', `/v1/practices/${practiceId}`, { name: 'Matrix Clinic', plan: 'team' }),
    201,
  );
  expectStatus(
    await elsewhere('PUT', `/v1/practices/${otherPracticeId}`, { name: 'Other Clinic', plan: 'team' }),
    201,
  );
  await Promise.all([
    ...Object.entries(people).map(async ([id, person]) => {
      expectStatus(await directory('PUT', `/v1/practices/${practiceId}/people/${id}`, person), 201);
      tokens.set(id, await system.personToken(practiceId, id));
    }),
    ...Object.entries(otherPeople).map(async ([id, person]) => {
      expectStatus(await elsewhere('PUT', `/v1/practices/${otherPracticeId}/people/${id}`, person), 201);
      tokens.set(id, await system.personToken(otherPracticeId, id));
    }),
  ]);
  const tokenOf = (id: string) => {
    const token = tokens.get(id);
    if (!token) throw new Error(`no token for ${id}`);
    return token;
  };
  const as = (id: string) => api(system.url, tokenOf(id));
  const cora = as('cora');

  // M1: the team members of the chats link Zoom, so a meeting in a group is theirs to start.
  await Promise.all(
    ['cora', 'terry', 'rita'].map(async (id) =>
      expectStatus(
        await as(id)('PUT', `/v1/practitioners/${id}/zoom-link`, { accessToken: `zoom-${id}` }),
        200,
      ),
    ),
  );

  const team = ['terry', 'rita', 'ron'];
  /** Cora's 1-on-1 with a client, shared with the team (S2; S3: Rita although her restriction excludes the client). */
  const sharedWith = async (clientId: string) => {
    const id = expectStatus(await cora('POST', '/v1/chats/direct', { clientId }), 201).body.id as string;
    expectStatus(await cora('POST', `/v1/chats/${id}/participants`, { personIds: team }), 200);
    return id;
  };
  const makers: Record<Kind, () => Promise<string>> = {
    'one-on-one': async () =>
      expectStatus(await cora('POST', '/v1/chats/direct', { clientId: 'dana' }), 201).body.id,
    shared: () => sharedWith('dina'),
    'converted-group': async () => {
      const id = await sharedWith('dora');
      const converted = expectStatus(
        await cora('POST', `/v1/chats/${id}/participants`, { personIds: ['gina'], convertToGroup: true }),
        200,
      );
      if (converted.body.chat.kind !== 'group')
        throw new Error('world setup: the shared chat did not convert');
      return id;
    },
    group: () => group('group'),
    'locked-group': () => group('locked-group'),
    'identity-hiding-group': () => group('identity-hiding-group'),
    'program-group': async () => {
      const path = `/v1/practices/${practiceId}/programs/prog-kind`;
      const program = expectStatus(
        await programs('PUT', `${path}/chat`, {
          name: 'Matrix program',
          ownerId: 'cora',
          practitionerIds: team,
          style: 'feed',
        }),
        201,
      );
      expectStatus(await programs('PUT', `${path}/enrollments/dana`), 200);
      return program.body.id;
    },
  };
  async function group(kind: Kind) {
    const created = await cora('POST', '/v1/chats', {
      name: `Matrix ${kind}`,
      style: 'feed',
      hideClientIdentities: kind === 'identity-hiding-group',
      // G5: two clients in the identity-hiding group, so that one's posts are the other's to not see named.
      participantIds: [...team, 'dana', ...(kind === 'identity-hiding-group' ? ['dina'] : [])],
    });
    return expectStatus(created, 201).body.id as string;
  }
  const chatIds = Object.fromEntries(
    await Promise.all(kinds.map(async (kind) => [kind, await makers[kind]()] as const)),
  ) as Record<Kind, string>;
  const opsProgramId = 'prog-ops';
  expectStatus(
    await programs('PUT', `/v1/practices/${practiceId}/programs/${opsProgramId}/chat`, {
      name: 'Operations program',
      ownerId: 'cora',
    }),
    201,
  );

  // A1: a chat only the practice owner is in, whose messages the other chats' paths must not reach.
  const olga = as('olga');
  const vaultId = expectStatus(await olga('POST', '/v1/chats', { name: 'Vault', style: 'feed' }), 201).body
    .id;
  const postInVault = async () =>
    expectStatus(await olga('POST', `/v1/chats/${vaultId}/messages`, { body: 'In the vault' }), 201).body
      .id as string;
  const vault = { chatId: vaultId, postId: await postInVault() };

  const chats = {} as Record<Kind, WorldChat>;
  const scheduledAuthors = new Map<string, string>();
  await Promise.all(
    kinds.map(async (kind) => {
      const id = chatIds[kind];
      const client = actorOf('client-participant', kind)!;
      const postAs = async (member: string, message: object) =>
        expectStatus(await as(member)('POST', `/v1/chats/${id}/messages`, message), 201).body.id as string;
      const scheduledEdit: Record<string, string> = {};
      const scheduledCancel: Record<string, string> = {};
      /** X2: two pending scheduled messages of the member's, to edit and to cancel. */
      const scheduleAs = async (member: string) => {
        const schedule = async () => {
          const scheduled = await as(member)('POST', `/v1/chats/${id}/scheduled-messages`, {
            body: `Scheduled by ${member}`,
            sendAt: sendAt(),
          });
          const scheduledId = expectStatus(scheduled, 201).body.id as string;
          scheduledAuthors.set(scheduledId, member);
          return scheduledId;
        };
        [scheduledEdit[member], scheduledCancel[member]] = await Promise.all([schedule(), schedule()]);
      };
      /** A file of Cora's on a new post of hers. */
      const postWithFile = async () => {
        const uploaded = await upload(system.url, tokenOf('cora'));
        if (uploaded.status !== 201 || !uploaded.id) throw new Error('world setup: upload failed');
        const postId = await postAs('cora', { body: 'With a file', attachmentIds: [uploaded.id] });
        return { fileId: uploaded.id, postId, path: `/v1/chats/${id}/messages/${postId}` };
      };
      // Ron, removed below, gets no messages of his own: his cases never reach a message.
      const members = ['cora', client, ...(kind === 'one-on-one' ? [] : ['terry', 'rita'])];
      const editOwn: Record<string, string> = {};
      const deleteOwn: Record<string, string> = {};
      const [post, deleted, replacedFileId, moderated] = await Promise.all([
        postWithFile(),
        // A1: a deleted message's file.
        postWithFile().then(async (deleted) => {
          expectStatus(await cora('DELETE', deleted.path), 200);
          return deleted;
        }),
        // G8: a file an edit replaced (feed chats edit).
        kindFacts[kind].style === 'feed'
          ? postWithFile().then(async (replaced) => {
              expectStatus(
                await cora('PATCH', replaced.path, { body: 'Without it', attachmentIds: [] }),
                200,
              );
              return replaced.fileId;
            })
          : undefined,
        postAs(client, { body: 'For the owner to delete' }),
        ...members.map(async (member) => {
          editOwn[member] = await postAs(member, { body: 'Mine to edit' });
          deleteOwn[member] = await postAs(member, { body: 'Mine to delete' });
        }),
        ...members.map(scheduleAs),
        // G5: another client of the identity-hiding group, whose posts its client must not see named.
        kind === 'identity-hiding-group' ? postAs('dina', { body: 'Mine, another client’s' }) : undefined,
      ]);
      // X4: the pinners pin every chat they are in; nobody else pins, archives or mutes one.
      await Promise.all(
        members
          .filter(pinsChats)
          .map(async (member) =>
            expectStatus(await as(member)('PUT', `/v1/chats/${id}/me`, { pinned: true }), 200),
          ),
      );
      // P2: Ron is removed, his messages kept (unlinked from him). Before that he pins the chat, and
      // archives every other one, so that his filtered lists would show them if removal did not end them.
      if (kind !== 'one-on-one') {
        const archived = kinds.indexOf(kind) % 2 === 1;
        expectStatus(await as('ron')('PUT', `/v1/chats/${id}/me`, { pinned: true, archived }), 200);
        // X2: his scheduled messages outlive his membership; P2: a post of his, kept once he is removed.
        await Promise.all([scheduleAs('ron'), postAs('ron', { body: 'Mine, before my removal' })]);
        expectStatus(await cora('DELETE', `/v1/chats/${id}/participants/ron?messages=keep`), 204);
      }
      if (kind === 'locked-group')
        expectStatus(await cora('PATCH', `/v1/chats/${id}`, { locked: true }), 200);
      const exportId = expectStatus(await olga('POST', `/v1/chats/${id}/exports`), 202).body.id as string;
      chats[kind] = {
        id,
        exportId,
        postId: post.postId,
        attachmentId: post.fileId,
        editOwn,
        deleteOwn,
        moderated,
        replacedFileId,
        participants: [
          ...members,
          ...(kind === 'identity-hiding-group' ? ['dina'] : []),
          ...(kind === 'converted-group' ? ['gina'] : []),
        ],
        deletedFileId: deleted.fileId,
        deletedMessageId: deleted.postId,
        scheduledEdit,
        scheduledCancel,
      };
    }),
  );

  // C2: the cases download the exports' files, so each is ready first.
  for (const { exportId } of Object.values(chats)) {
    for (let attempt = 0; ; attempt++) {
      const { status } = expectStatus(await olga('GET', `/v1/exports/${exportId}`), 200).body;
      if (status === 'ready') break;
      if (attempt === 300 || !['pending', 'running'].includes(status)) {
        throw new Error(`world setup: export ${exportId} is ${status}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const unused = await upload(system.url, tokenOf('cora'));
  if (unused.status !== 201 || !unused.id) throw new Error('world setup: upload failed');

  const roleTokens = {} as Record<Role, string | undefined>;
  for (const role of roles) {
    const actor = actorOf(role, null);
    if (actor) roleTokens[role] = tokenOf(actor);
  }
  roleTokens['service-directory'] = directoryToken;
  roleTokens['service-programs'] = await system.serviceToken(practiceId, 'programs:write');
  roleTokens['service-unscoped'] = await system.serviceToken(practiceId, '');
  roleTokens['service-other-practice'] = await system.serviceToken(
    otherPracticeId,
    'directory:write programs:write',
  );
  roleTokens['expired-token'] = await system.personToken(practiceId, 'cora', { expiresIn: -60 });
  // The chat owner's claims, signed with a key the gateway does not know.
  roleTokens['forged-token'] = await mintToken({
    secret: 'a-forger-s-own-secret-of-enough-length',
    sub: 'cora',
    practice: practiceId,
  });
  roleTokens['unsigned-token'] = unsigned({
    sub: 'cora',
    practice: practiceId,
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  roleTokens['unknown-subject-token'] = await system.personToken(practiceId, 'zed');
  roleTokens['no-token'] = undefined;

  let fresh = 0;
  return {
    chats,
    opsProgramId,
    vault,
    unusedUploadId: unused.id,
    scheduledAuthors,
    freshVaultMessage: postInVault,
    tokens: roleTokens,
    as,
    directory,
    programs,
    tokenOf,
    async freshPerson(kind) {
      fresh += 1;
      const id = `fx-${kind === 'client' ? 'c' : 'p'}-${fresh}`;
      const body =
        kind === 'client'
          ? { kind, firstName: 'Fresh', lastName: `Client ${fresh}`, tags: ['nutrition'] }
          : { kind, firstName: 'Fresh', lastName: `Practitioner ${fresh}` };
      expectStatus(await directory('PUT', `/v1/practices/${practiceId}/people/${id}`, body), 201);
      return id;
    },
  };
}
