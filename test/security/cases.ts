import { CHAT_AVATARS } from '@huddle/contracts';
import WebSocket from 'ws';
import { api } from '../support/http';
import { allPages, chatListLeak, scheduledListLeak, searchLeak } from './leaks';
import {
  acrossMyChats,
  anotherChats,
  deletedFile,
  type Expectation,
  expectation,
  type Kind,
  kinds,
  meaningful,
  myScheduled,
  operations,
  type Role,
  replacedFile,
  replyToAnotherChats,
  roleFacts,
  roles,
  unusedUpload,
} from './policy';
import { actorOf, pinsChats, practiceId, searchWords, sendAt, upload, type World } from './world';

/** One generated case: a role calling an operation (one of its variants) on a chat of a kind. */
export interface Case {
  role: Role;
  operation: string;
  kind: Kind | null;
  variant: string | null;
  expected: Expectation;
  /** Leaving a chat ends the caller's membership: these run after every other case. */
  last: boolean;
}

export const label = (c: Pick<Case, 'role' | 'operation' | 'kind' | 'variant'>) =>
  `${c.role} × ${c.operation}${c.variant ? ` (${c.variant})` : ''}${c.kind ? ` × ${c.kind}` : ''}`;

/** The cartesian product roles × operations (× variants) × chat kinds, less combinations that say nothing. */
export function generateCases(): Case[] {
  const cases: Case[] = [];
  for (const [operation, op] of Object.entries(operations)) {
    for (const variant of op.variants ?? [null]) {
      for (const kind of op.chat ? kinds : [null]) {
        for (const role of roles) {
          if (!meaningful(role, kind, variant)) continue;
          cases.push({
            role,
            operation,
            kind,
            variant,
            expected: expectation(role, operation, kind, variant),
            last: variant === 'leave',
          });
        }
      }
    }
  }
  return cases;
}

/**
 * The quick subset for `npm test`: every operation once per role, its variant
 * turning with the role and its chat kind with role and operation, so every
 * variant and every kind is seen too. Deterministic: the same cases every run.
 */
export function quickSample(cases: Case[]): Case[] {
  const operationNames = Object.keys(operations);
  const chosen = new Map<string, { score: number; case: Case }>();
  for (const c of cases) {
    const roleIndex = roles.indexOf(c.role);
    const variants: readonly (string | null)[] = operations[c.operation]!.variants ?? [null];
    const turn = (index: number, target: number, length: number) => (index - target + length) % length;
    // How far this case is from the one wanted; the nearest meaningful one is taken.
    const score =
      turn(variants.indexOf(c.variant), roleIndex % variants.length, variants.length) * kinds.length +
      (c.kind === null
        ? 0
        : turn(
            kinds.indexOf(c.kind),
            (roleIndex + operationNames.indexOf(c.operation)) % kinds.length,
            kinds.length,
          ));
    const key = `${c.role}|${c.operation}`;
    const best = chosen.get(key);
    if (!best || score < best.score) chosen.set(key, { score, case: c });
  }
  return [...chosen.values()].map((entry) => entry.case);
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
  /** multipart upload instead of JSON */
  upload?: true;
  /** the WebSocket stream */
  stream?: true;
}

const emoji = encodeURIComponent('👍');

/**
 * Whom a case removes from the 1-on-1: its client (a team member added would make it a shared chat,
 * S2); the client themselves names the owner, as naming themselves would be leaving (P3).
 */
const oneOnOneTarget = (actor: string | null) => {
  const client = actorOf('client-participant', 'one-on-one');
  return actor === client ? 'cora' : client;
};

/**
 * The request a case sends, with the per-case fixtures it needs made first
 * through the API by an actor allowed to make them (the chat owner, the
 * directory or program service), so cases stay independent of each other.
 */
async function requestFor(world: World, c: Case): Promise<Request> {
  const actor = actorOf(c.role, c.kind);
  const chat = c.kind ? world.chats[c.kind] : undefined;
  const chatPath = chat ? `/v1/chats/${chat.id}` : '';
  const cora = world.as('cora');
  /** A new message of the chat owner's, to be deleted by this case alone. */
  const freshMessage = async () => {
    const reply = await cora('POST', `${chatPath}/messages`, { body: 'To be deleted' });
    if (reply.status !== 201) throw new Error(`fixture: post ${reply.status}`);
    return reply.body.id as string;
  };
  /** A new team member the chat owner adds, to be removed by this case alone. */
  const freshTeamMember = async () => {
    const id = await world.freshPerson('practitioner');
    const reply = await cora('POST', `${chatPath}/participants`, { personIds: [id] });
    if (reply.status !== 200) throw new Error(`fixture: add ${reply.status}`);
    return id;
  };
  const ownIn = (messages: Record<string, string>) => (actor ? messages[actor] : undefined);
  // A token refused before any chat is looked at (no person's, or a service's on a person route)
  // gets the shared targets: no fixture is worth making for it.
  const refusedAtTheDoor = roleFacts[c.role].token !== 'person';

  switch (c.operation) {
    case 'GET /healthz':
    case 'GET /readyz':
    case 'GET /metrics':
    case 'GET /v1/me':
    case 'GET /v1/chat-avatars':
    case 'GET /v1/notifications':
      return { method: 'GET', path: c.operation.slice(4) };
    case 'GET /v1/chats':
      return {
        method: 'GET',
        path: c.variant === 'my list' ? '/v1/chats' : `/v1/chats?${c.variant}=true`,
      };
    case 'GET /v1/scheduled-messages':
      return { method: 'GET', path: '/v1/scheduled-messages?limit=200' };
    case 'POST /v1/notifications/read':
      return { method: 'POST', path: '/v1/notifications/read', body: { all: true } };
    case 'POST /v1/attachments':
      return { method: 'POST', path: '/v1/attachments', upload: true };
    case 'GET /v1/stream':
      return { method: 'GET', path: '/v1/stream', stream: true };
    case 'PUT /v1/practices/{practiceId}':
      return {
        method: 'PUT',
        path: `/v1/practices/${practiceId}`,
        body: { name: 'Matrix Clinic', plan: 'team' },
      };
    case 'PUT /v1/practices/{practiceId}/people/{personId}':
      return {
        method: 'PUT',
        path: `/v1/practices/${practiceId}/people/fx-upsert-${Math.random().toString(36).slice(2, 10)}`,
        body: { kind: 'client', firstName: 'Upserted', lastName: 'Client' },
      };
    case 'PUT /v1/practices/{practiceId}/notification-settings':
      return {
        method: 'PUT',
        path: `/v1/practices/${practiceId}/notification-settings`,
        body: { emailEnabled: false, includeContent: false },
      };
    case 'GET /v1/practices/{practiceId}/audit-events':
      return { method: 'GET', path: `/v1/practices/${practiceId}/audit-events?limit=5` };
    case 'GET /v1/practices/{practiceId}/notification-settings':
      return { method: 'GET', path: `/v1/practices/${practiceId}/notification-settings` };
    case 'GET /v1/practices/{practiceId}/retention':
      return { method: 'GET', path: `/v1/practices/${practiceId}/retention` };
    // `none`: the world's messages stay whoever is allowed to set it.
    case 'PUT /v1/practices/{practiceId}/retention':
      return { method: 'PUT', path: `/v1/practices/${practiceId}/retention`, body: { period: 'none' } };
    case 'PUT /v1/practices/{practiceId}/programs/{programId}/chat':
      return {
        method: 'PUT',
        path: `/v1/practices/${practiceId}/programs/${world.opsProgramId}/chat`,
        body: { name: 'Operations program', ownerId: 'cora' },
      };
    case 'PUT /v1/practices/{practiceId}/programs/{programId}/enrollments/{clientId}':
      return {
        method: 'PUT',
        path: `/v1/practices/${practiceId}/programs/${world.opsProgramId}/enrollments/${await world.freshPerson('client')}`,
      };
    case 'DELETE /v1/practices/{practiceId}/programs/{programId}/enrollments/{clientId}': {
      const client = await world.freshPerson('client');
      const path = `/v1/practices/${practiceId}/programs/${world.opsProgramId}/enrollments/${client}`;
      const enrolled = await world.programs('PUT', path);
      if (enrolled.status !== 200) throw new Error(`fixture: enrol ${enrolled.status}`);
      return { method: 'DELETE', path };
    }
    case 'POST /v1/chats':
      return {
        method: 'POST',
        path: '/v1/chats',
        body: { name: 'A new group', style: 'feed', participantIds: ['dana'] },
      };
    case 'POST /v1/chats/direct':
      return { method: 'POST', path: '/v1/chats/direct', body: { clientId: 'dana' } };
    case 'GET /v1/practitioners/{personId}/direct-chat-sharing':
    case 'PUT /v1/practitioners/{personId}/direct-chat-sharing': {
      // `own`: the caller's own list (the chat owner's for tokens that name nobody).
      const target = c.variant === 'own' ? (actor ?? 'cora') : 'cora';
      const method = c.operation.split(' ')[0]!;
      const path = `/v1/practitioners/${target}/direct-chat-sharing`;
      return method === 'PUT' ? { method, path, body: { teamMemberIds: [] } } : { method, path };
    }
    case 'PUT /v1/practitioners/{personId}/zoom-link': {
      const target = c.variant === 'own' ? (actor ?? 'cora') : actor === 'terry' ? 'cora' : 'terry';
      return {
        method: 'PUT',
        path: `/v1/practitioners/${target}/zoom-link`,
        body: { accessToken: 'zoom-token' },
      };
    }
  }

  if (!chat || !c.kind) throw new Error(`no request for ${c.operation}`);
  // A1: the same call through this chat's path, naming a message of a chat the caller is not in.
  const elsewhere = c.variant === anotherChats;
  const postId = elsewhere ? world.vault.postId : chat.postId;
  const post = `${chatPath}/messages/${postId}`;
  switch (c.operation) {
    case 'GET /v1/chats/{chatId}':
      return { method: 'GET', path: chatPath };
    case 'GET /v1/chats/{chatId}/messages':
      return { method: 'GET', path: `${chatPath}/messages` };
    case 'GET /v1/chats/{chatId}/messages/{messageId}/replies':
      return { method: 'GET', path: `${post}/replies` };
    case 'GET /v1/chats/{chatId}/participants':
      return { method: 'GET', path: `${chatPath}/participants` };
    case 'GET /v1/chats/{chatId}/attachments':
      return { method: 'GET', path: `${chatPath}/attachments` };
    case 'GET /v1/attachments/{attachmentId}': {
      const file =
        c.variant === replacedFile
          ? chat.replacedFileId
          : c.variant === deletedFile
            ? chat.deletedFileId
            : c.variant === unusedUpload
              ? world.unusedUploadId
              : chat.attachmentId;
      return { method: 'GET', path: `/v1/attachments/${file}` };
    }
    case 'GET /v1/chats/{chatId}/legal-hold':
      return { method: 'GET', path: `${chatPath}/legal-hold` };
    case 'PUT /v1/chats/{chatId}/legal-hold':
      return {
        method: 'PUT',
        path: `${chatPath}/legal-hold`,
        body: { held: true, reason: 'Security matrix' },
      };
    case 'PUT /v1/chats/{chatId}/read':
      return { method: 'PUT', path: `${chatPath}/read`, body: { seq: 1 } };
    case 'POST /v1/chats/{chatId}/scheduled-messages':
      return {
        method: 'POST',
        path: `${chatPath}/scheduled-messages`,
        body: {
          body: `Scheduled by ${c.role}`,
          sendAt: sendAt(),
          ...(c.variant === 'a post'
            ? {}
            : { parentId: c.variant === replyToAnotherChats ? world.vault.postId : chat.postId }),
        },
      };
    case 'PATCH /v1/scheduled-messages/{id}':
    case 'DELETE /v1/scheduled-messages/{id}': {
      // Mine: the caller's seed (the chat owner's for tokens that name nobody); someone else's: the
      // chat owner's seed to edit, or for the owner the client's. A cancel of one's own takes the cancel seed.
      const cancel = c.operation.startsWith('DELETE');
      const mine = c.variant === myScheduled;
      const author = mine
        ? (actor ?? 'cora')
        : actor === 'cora'
          ? actorOf('client-participant', c.kind)!
          : 'cora';
      const target = (mine && cancel ? chat.scheduledCancel : chat.scheduledEdit)[author];
      if (!target) throw new Error(`no scheduled message of ${author} in the ${c.kind} chat`);
      const path = `/v1/scheduled-messages/${target}`;
      return cancel
        ? { method: 'DELETE', path }
        : { method: 'PATCH', path, body: { body: `Rescheduled by ${c.role}` } };
    }
    case 'GET /v1/search':
      return {
        method: 'GET',
        path: `/v1/search?q=${encodeURIComponent(searchWords)}&limit=50${
          c.variant === acrossMyChats ? '' : `&chatId=${chat.id}`
        }`,
      };
    case 'PUT /v1/chats/{chatId}/me':
      // The state the world gave the caller (world.ts): allowed or not, their list stays as expected.
      return {
        method: 'PUT',
        path: `${chatPath}/me`,
        body:
          c.variant === 'pinned'
            ? { pinned: actor !== null && pinsChats(actor) }
            : c.variant === 'archived'
              ? { archived: false }
              : { mutedUntil: null },
      };
    case 'PUT /v1/chats/{chatId}/notification-level':
      return { method: 'PUT', path: `${chatPath}/notification-level`, body: { level: 'all' } };
    case 'POST /v1/chats/{chatId}/messages':
      return { method: 'POST', path: `${chatPath}/messages`, body: { body: `From ${c.role}` } };
    case 'PATCH /v1/chats/{chatId}':
      // The avatar it already has: allowed or not, the chat stays as the other cases expect it.
      return { method: 'PATCH', path: chatPath, body: { avatar: CHAT_AVATARS[0] } };
    case 'POST /v1/chats/{chatId}/participants':
      // A 1-on-1's owner names its client, already in: adding a team member would make it a shared chat.
      return {
        method: 'POST',
        path: `${chatPath}/participants`,
        body: {
          personIds: [
            c.kind === 'one-on-one' || refusedAtTheDoor
              ? actorOf('client-participant', c.kind)
              : await world.freshPerson('practitioner'),
          ],
        },
      };
    case 'DELETE /v1/chats/{chatId}/participants/{personId}':
      if (c.variant === 'leave') return { method: 'DELETE', path: `${chatPath}/participants/me` };
      return {
        method: 'DELETE',
        path: `${chatPath}/participants/${
          c.kind === 'one-on-one'
            ? oneOnOneTarget(actor)
            : refusedAtTheDoor
              ? 'terry'
              : await freshTeamMember()
        }?messages=keep`,
      };
    case 'PATCH /v1/chats/{chatId}/messages/{messageId}': {
      // Someone else's: the chat owner's post, or for the owner the client's message.
      const client = actorOf('client-participant', c.kind)!;
      const target = elsewhere
        ? world.vault.postId
        : c.variant === 'own'
          ? (ownIn(chat.editOwn) ?? chat.postId)
          : c.role === 'chat-owner'
            ? chat.editOwn[client]!
            : chat.postId;
      return {
        method: 'PATCH',
        path: `${chatPath}/messages/${target}`,
        body: { body: `Edited by ${c.role}` },
      };
    }
    case 'DELETE /v1/chats/{chatId}/messages/{messageId}': {
      // Own: the caller's seed; someone else's: the client's for the owner, else a new one of the owner's.
      const own = ownIn(chat.deleteOwn);
      const target = refusedAtTheDoor
        ? chat.postId
        : elsewhere
          ? await world.freshVaultMessage()
          : c.variant === 'own' && own
            ? own
            : c.variant !== 'own' && c.role === 'chat-owner'
              ? chat.moderated
              : await freshMessage();
      return { method: 'DELETE', path: `${chatPath}/messages/${target}` };
    }
    case 'GET /v1/chats/{chatId}/messages/{messageId}/revisions':
      return { method: 'GET', path: `${post}/revisions` };
    case 'PUT /v1/chats/{chatId}/pins/{messageId}':
      return { method: 'PUT', path: `${chatPath}/pins/${postId}` };
    case 'DELETE /v1/chats/{chatId}/pins/{messageId}':
      return { method: 'DELETE', path: `${chatPath}/pins/${postId}` };
    case 'PUT /v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}':
      return { method: 'PUT', path: `${post}/reactions/${emoji}` };
    case 'DELETE /v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}':
      return { method: 'DELETE', path: `${post}/reactions/${emoji}` };
    case 'GET /v1/chats/{chatId}/messages/{messageId}/reactions':
      return { method: 'GET', path: `${post}/reactions` };
    case 'GET /v1/chats/{chatId}/read-markers':
      return { method: 'GET', path: `${chatPath}/read-markers` };
    case 'POST /v1/chats/{chatId}/exports':
      return { method: 'POST', path: `${chatPath}/exports` };
    case 'GET /v1/exports/{exportId}':
      return { method: 'GET', path: `/v1/exports/${chat.exportId}` };
    case 'GET /v1/exports/{exportId}/files/{format}':
      return { method: 'GET', path: `/v1/exports/${chat.exportId}/files/json` };
    case 'POST /v1/chats/{chatId}/meetings': {
      // M1: built-in video from direct chats, Zoom (linked by the chats' team members) from groups.
      const group = !['one-on-one', 'shared'].includes(c.kind);
      return { method: 'POST', path: `${chatPath}/meetings`, body: { provider: group ? 'zoom' : 'builtin' } };
    }
  }
  throw new Error(`no request for ${c.operation}`);
}

/** The status a WebSocket answer stands for: open and ready 101, closed 4401 → 401, 4403 → 403. */
function streamStatus(baseUrl: string, token: string | undefined): Promise<number> {
  return new Promise((resolve) => {
    const query = token ? `?access_token=${token}` : '';
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/stream${query}`);
    const done = (status: number) => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(status);
    };
    const timer = setTimeout(() => done(0), 10_000);
    ws.on('message', (raw) => {
      if (JSON.parse(String(raw)).type === 'stream.ready') done(101);
    });
    ws.on('close', (code) => done(code === 4401 ? 401 : code === 4403 ? 403 : code));
    ws.on('unexpected-response', (_request, response) => done(response.statusCode ?? 0));
    ws.on('error', () => done(0));
  });
}

export interface Result {
  case: Case;
  status: number;
  code?: string;
  /** allow ↔ deny mismatches, and denials with another status than the oracle's. */
  verdict: 'ok' | 'unexpected allow' | 'unexpected denial' | 'wrong denial';
}

export async function runCase(baseUrl: string, world: World, c: Case): Promise<Result> {
  // The chat's client differs per direct chat (actorOf), so person tokens are looked up per case.
  const actor = actorOf(c.role, c.kind);
  const token = actor ? world.tokenOf(actor) : world.tokens[c.role];
  const request = await requestFor(world, c);
  let status: number;
  let code: string | undefined;
  if (request.stream) status = await streamStatus(baseUrl, token);
  else if (request.upload) status = (await upload(baseUrl, token)).status;
  else {
    const reply = await api(baseUrl, token)(request.method, request.path, request.body);
    status = reply.status;
    code = reply.body?.code;
    // An allowed answer that shows what the caller may not see is an allow the oracle did not give.
    if (status === 200) {
      const leak =
        c.operation === 'GET /v1/chats'
          ? chatListLeak(world, actor, reply.body.items)
          : c.operation === 'GET /v1/scheduled-messages'
            ? scheduledListLeak(world, actor, reply.body.items)
            : c.operation === 'GET /v1/search'
              ? searchLeak(
                  world,
                  c.role,
                  actor,
                  await allPages(reply, (cursor) =>
                    api(baseUrl, token)('GET', `${request.path}&cursor=${encodeURIComponent(cursor)}`),
                  ),
                )
              : undefined;
      if (leak) return { case: c, status, code: leak, verdict: 'unexpected allow' };
    }
  }
  return { case: c, status, code, verdict: judge(c.expected, status) };
}

export function judge(expected: Expectation, status: number): Result['verdict'] {
  const allowed = status >= 100 && status < 300;
  if (expected.outcome === 'allow') return allowed ? 'ok' : 'unexpected denial';
  if (allowed) return 'unexpected allow';
  return status === expected.status || expected.also?.includes(status) ? 'ok' : 'wrong denial';
}

/** Runs cases a few at a time (two cores: the system runs in this process). */
export async function runAll(
  baseUrl: string,
  world: World,
  cases: Case[],
  concurrency = 8,
): Promise<Result[]> {
  const results: Result[] = [];
  for (const phase of [cases.filter((c) => !c.last), cases.filter((c) => c.last)]) {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < phase.length) {
          const c = phase[next++]!;
          results.push(await runCase(baseUrl, world, c));
        }
      }),
    );
  }
  return results;
}
