/**
 * The authorization oracle: who may call which operation on which kind of chat,
 * written from DESIGN.md's rules (ids in the comments) and NOT from the code
 * under test. The matrix suite (authorization-matrix.test.ts) generates its
 * cases from this table and compares what the running system answers.
 *
 * Error rules (DESIGN section 4 and A1), in the order they apply:
 *   1. No token, an expired, forged or unsigned one, or one naming nobody of its
 *      practice (on a person route): 401 `unauthenticated`.
 *   2. A person token on a service route or a service token on a person route,
 *      a service token without the route's scope, or for another practice: 403.
 *   3. A chat the caller is not an active participant of (never was, removed,
 *      another practice, a practice owner not in it): 404, the chat does not exist (A1).
 *   4. A participant whose role does not allow the operation: 403
 *      (`forbidden`, `not_chat_owner`, `chat_locked`, `tag_restricted`).
 *   5. Product rules that are not about who calls (a style without pins, a
 *      direct chat nobody leaves): 400/409. Where a role rule (4) and a product
 *      rule (5) both refuse, either answer is right; both are denials.
 */

/** The seven chat kinds of the matrix (section 1, R1, S5, G5, G6). */
export const kinds = [
  'one-on-one',
  'shared',
  'group',
  'locked-group',
  'identity-hiding-group',
  'program-group',
  'converted-group',
] as const;
export type Kind = (typeof kinds)[number];

/** How each kind is made, and what that means for the rules below. */
export const kindFacts: Record<
  Kind,
  { chatKind: 'direct' | 'group'; style: 'feed' | 'direct'; locked: boolean; hidesIdentities: boolean }
> = {
  // S1: a practitioner and one client.
  'one-on-one': { chatKind: 'direct', style: 'direct', locked: false, hidesIdentities: false },
  // S2: a 1-on-1 shared with team members stays a direct chat.
  shared: { chatKind: 'direct', style: 'direct', locked: false, hidesIdentities: false },
  // G1/G2: a feed group.
  group: { chatKind: 'group', style: 'feed', locked: false, hidesIdentities: false },
  // G6: locked by its owner.
  'locked-group': { chatKind: 'group', style: 'feed', locked: true, hidesIdentities: false },
  // G5: clients see other clients by pseudonym only.
  'identity-hiding-group': { chatKind: 'group', style: 'feed', locked: false, hidesIdentities: true },
  // R1: made by a program system's service token, owned by the practitioner it names.
  'program-group': { chatKind: 'group', style: 'feed', locked: false, hidesIdentities: false },
  // S5: a shared chat a client was added to: a group for good, keeping its direct style.
  'converted-group': { chatKind: 'group', style: 'direct', locked: false, hidesIdentities: false },
};

export const roles = [
  'practice-owner',
  'team-admin',
  'chat-owner',
  'team-member',
  'restricted-invited',
  'restricted-uninvited',
  'client-participant',
  'client-outsider',
  'removed-participant',
  'other-practitioner',
  'other-client',
  'service-directory',
  'service-programs',
  'service-unscoped',
  'service-other-practice',
  'expired-token',
  'forged-token',
  'unsigned-token',
  'unknown-subject-token',
  'no-token',
] as const;
export type Role = (typeof roles)[number];

type Participation = 'owner' | 'team' | 'client' | null;

interface RoleFacts {
  token: 'person' | 'service' | 'expired' | 'forged' | 'unsigned' | 'unknown-subject' | 'none';
  /** The practice the token is for: the world's practice, or another. */
  practice: 'own' | 'other';
  person?: 'practitioner' | 'client';
  /** Section 1: owner | admin | member, for practitioners. */
  teamRole?: 'owner' | 'admin' | 'member';
  canManageTeamSettings?: boolean;
  /** Section 1: a clientTagRestriction that excludes the world's clients (they carry other tags). */
  tagRestricted?: boolean;
  scopes?: string[];
  /** What they are in a chat of each kind: null when they are not an active participant. */
  in: (kind: Kind) => Participation;
}

const nowhere = () => null;

/** The world's people, as facts: set up to match by world.ts. */
export const roleFacts: Record<Role, RoleFacts> = {
  // The practice owner is in none of the chats (A1: owning the practice grants no reading).
  'practice-owner': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'owner',
    in: nowhere,
  },
  // An admin who can manage team settings, in none of the chats.
  'team-admin': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'admin',
    canManageTeamSettings: true,
    in: nowhere,
  },
  // A team member who started (or, R1, was named owner of) every chat.
  'chat-owner': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'member',
    in: () => 'owner',
  },
  // Shared with, created into, or named as a program practitioner; a 1-on-1 has only its owner and client (S1).
  'team-member': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'member',
    in: (kind) => (kind === 'one-on-one' ? null : 'team'),
  },
  // S3: invited although their restriction excludes the chat's client.
  'restricted-invited': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'member',
    tagRestricted: true,
    in: (kind) => (kind === 'one-on-one' ? null : 'team'),
  },
  'restricted-uninvited': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'member',
    tagRestricted: true,
    in: nowhere,
  },
  // The chat's client: of the 1-on-1, the shared chat, the converted group's original client, a group's member.
  'client-participant': { token: 'person', practice: 'own', person: 'client', in: () => 'client' },
  'client-outsider': { token: 'person', practice: 'own', person: 'client', in: nowhere },
  // P2/P4: a team member removed (messages kept) from every chat but the 1-on-1, which they never were in.
  'removed-participant': {
    token: 'person',
    practice: 'own',
    person: 'practitioner',
    teamRole: 'member',
    in: nowhere,
  },
  // Owner of another practice: owning theirs reaches nothing in ours.
  'other-practitioner': {
    token: 'person',
    practice: 'other',
    person: 'practitioner',
    teamRole: 'owner',
    in: nowhere,
  },
  'other-client': { token: 'person', practice: 'other', person: 'client', in: nowhere },
  'service-directory': { token: 'service', practice: 'own', scopes: ['directory:write'], in: nowhere },
  'service-programs': { token: 'service', practice: 'own', scopes: ['programs:write'], in: nowhere },
  'service-unscoped': { token: 'service', practice: 'own', scopes: [], in: nowhere },
  'service-other-practice': {
    token: 'service',
    practice: 'other',
    scopes: ['directory:write', 'programs:write'],
    in: nowhere,
  },
  // The chat owner's token, expired; the chat owner's claims signed with another key; no token.
  'expired-token': { token: 'expired', practice: 'own', in: nowhere },
  'forged-token': { token: 'forged', practice: 'own', in: nowhere },
  // The chat owner's claims with `alg: none` and no signature.
  'unsigned-token': { token: 'unsigned', practice: 'own', in: nowhere },
  // Validly signed, for our practice, naming the other practice's owner: not a person of ours.
  'unknown-subject-token': { token: 'unknown-subject', practice: 'own', in: nowhere },
  'no-token': { token: 'none', practice: 'own', in: nowhere },
};

/** Who had a scheduled message of their own made in a chat of this kind (X2): its participants, Ron before his removal. */
const scheduledIn = (role: Role, kind: Kind) =>
  roleFacts[role].in(kind) !== null || role === 'removed-participant';

/**
 * Combinations that say nothing: a removed participant of a 1-on-1 cannot exist (P2, P3: nobody
 * leaves it), only feed chats have edits that replace files (G8), an upload no message uses
 * and a search across the caller's chats belong to no chat (one kind stands for all), and a
 * person who never was in a chat has no scheduled message of their own in it (X2).
 */
export const meaningful = (role: Role, kind: Kind | null, variant: string | null = null) =>
  !(role === 'removed-participant' && kind === 'one-on-one') &&
  !(variant === replacedFile && kind !== null && kindFacts[kind].style !== 'feed') &&
  !((variant === unusedUpload || variant === acrossMyChats) && kind !== 'group') &&
  !(
    variant === myScheduled &&
    kind !== null &&
    roleFacts[role].token === 'person' &&
    !scheduledIn(role, kind)
  );

/** How an operation authenticates (section 4's "Who" column). */
type Auth = 'public' | 'person' | 'service';

interface Operation {
  auth: Auth;
  /** The scope a service route needs. */
  scope?: 'directory:write' | 'programs:write';
  /** Chat-scoped: generated for every chat kind; otherwise once per role. */
  chat: boolean;
  /**
   * Sub-cases of one operation, e.g. removing someone and leaving; one unnamed when absent.
   * `anotherChats` (message operations): the same call naming a message of a chat the caller is not in.
   */
  variants?: readonly string[];
  /** The rule for a caller that passed authentication (rules 3-5 above). */
  rule: (caller: Caller) => Expectation;
}

export interface Caller {
  role: Role;
  facts: RoleFacts;
  kind: Kind | null;
  variant: string | null;
  /** What the caller is in the chat (chat operations), null when not an active participant. */
  as: Participation;
}

export type Expectation =
  | { outcome: 'allow'; rule: string }
  | { outcome: 'deny'; status: number; also?: number[]; rule: string };

const allow = (rule: string): Expectation => ({ outcome: 'allow', rule });
const deny = (status: number, rule: string, also: number[] = []): Expectation => ({
  outcome: 'deny',
  status,
  also,
  rule,
});

const notInChat = deny(404, 'A1: not an active participant, the chat does not exist');

/** A chat operation open to every active participant. */
const participants = (rule: string) => (caller: Caller) => (caller.as ? allow(rule) : notInChat);

/** G6: in a locked chat only the owner changes messages (posts, replies, edits, reactions, deletes, pins). */
const lockedOut = (caller: Caller) =>
  caller.kind !== null && kindFacts[caller.kind].locked && caller.as !== 'owner';

/** A chat operation of team-member participants only. */
const teamOnly = (rule: string) => (caller: Caller) =>
  !caller.as ? notInChat : caller.as === 'client' ? deny(403, rule) : allow(rule);

const isPractitionerOfPractice = (facts: RoleFacts) => facts.person === 'practitioner';

/** Variants naming a message or file other than the chat's own live ones (A1, G8). */
export const anotherChats = 'another chat’s message';
const messageVariants = ['this chat’s message', anotherChats] as const;
const liveFile = 'a live message’s file';
export const replacedFile = 'a file an edit replaced';
export const deletedFile = 'a deleted message’s file';
/** Cora's upload that no message uses: it belongs to no chat, so one kind stands for all. */
export const unusedUpload = 'an upload no message uses';

/** X2: scheduling a post, a reply to this chat's post, or a reply naming another chat's post as its parent. */
export const replyToAnotherChats = 'a reply to another chat’s post';
const scheduleVariants = ['a post', 'a reply', replyToAnotherChats] as const;
/** X2: the caller's own scheduled message in a chat of the kind, or someone else's there. */
export const myScheduled = 'mine';
const scheduledVariants = [myScheduled, 'someone else’s'] as const;
/** X3: searching every chat of the caller's, or one chat (`?chatId=`). */
export const acrossMyChats = 'across my chats';
const searchVariants = [acrossMyChats, 'in this chat'] as const;

/** X4: the chat list's filters (`?archived=true`, `?pinned=true`) and the unfiltered list. */
export const chatListVariants = ['my list', 'archived', 'pinned'] as const;
/** X4: which of my own chat state a call changes. */
export const personalStateVariants = ['pinned', 'archived', 'mutedUntil'] as const;

/**
 * Every operation of the gateway's OpenAPI document, keyed as `METHOD path`.
 * The suite fails when the document has an operation this table lacks.
 */
export const operations: Record<string, Operation> = {
  'GET /healthz': { auth: 'public', chat: false, rule: () => allow('operations: anyone') },
  'GET /readyz': { auth: 'public', chat: false, rule: () => allow('operations: anyone') },
  'GET /metrics': { auth: 'public', chat: false, rule: () => allow('operations: anyone') },

  // Section 4: the platform's directory writes need `directory:write` for the token's own practice.
  'PUT /v1/practices/{practiceId}': {
    auth: 'service',
    scope: 'directory:write',
    chat: false,
    rule: () => allow('directory:write upserts a practice'),
  },
  'PUT /v1/practices/{practiceId}/people/{personId}': {
    auth: 'service',
    scope: 'directory:write',
    chat: false,
    rule: () => allow('directory:write upserts a person'),
  },
  'PUT /v1/practices/{practiceId}/notification-settings': {
    auth: 'service',
    scope: 'directory:write',
    chat: false,
    rule: () => allow('N1: outbound channels are the platform’s (directory:write)'),
  },
  'GET /v1/practices/{practiceId}/notification-settings': {
    auth: 'service',
    scope: 'directory:write',
    chat: false,
    rule: () => allow('N1: outbound channels are the platform’s (directory:write)'),
  },
  // C3: the practice owner reads and sets the practice's retention period.
  'GET /v1/practices/{practiceId}/retention': {
    auth: 'person',
    chat: false,
    rule: (caller) => practiceOwnerOnly(caller, 'C3: the practice owner manages retention'),
  },
  'PUT /v1/practices/{practiceId}/retention': {
    auth: 'person',
    chat: false,
    rule: (caller) => practiceOwnerOnly(caller, 'C3: the practice owner manages retention'),
  },
  // C1: the practice owner reads their practice's audit trail; another practice's does not exist for them.
  'GET /v1/practices/{practiceId}/audit-events': {
    auth: 'person',
    chat: false,
    rule: (caller) => practiceOwnerOnly(caller, 'C1: the practice owner reads the audit trail'),
  },
  // R1: `programs:write`.
  'PUT /v1/practices/{practiceId}/programs/{programId}/chat': {
    auth: 'service',
    scope: 'programs:write',
    chat: false,
    rule: () => allow('R1: programs:write upserts a program chat'),
  },
  'PUT /v1/practices/{practiceId}/programs/{programId}/enrollments/{clientId}': {
    auth: 'service',
    scope: 'programs:write',
    chat: false,
    rule: () => allow('R1: programs:write enrols'),
  },
  'DELETE /v1/practices/{practiceId}/programs/{programId}/enrollments/{clientId}': {
    auth: 'service',
    scope: 'programs:write',
    chat: false,
    rule: () => allow('R1: programs:write unenrols'),
  },

  // Section 4 "person": anyone of a practice, about themselves.
  'GET /v1/me': { auth: 'person', chat: false, rule: () => allow('any person: who am I') },
  'GET /v1/chat-avatars': {
    auth: 'person',
    chat: false,
    rule: () => allow('G1: the preset list, any person'),
  },
  // X4: my list, my archived chats alone, my pinned chats alone: each only of chats I am in (A1).
  'GET /v1/chats': {
    auth: 'person',
    chat: false,
    variants: chatListVariants,
    rule: () => allow('any person: my chats'),
  },
  'GET /v1/notifications': { auth: 'person', chat: false, rule: () => allow('N1: my inbox') },
  // X2: my scheduled messages, nobody else's (the suite counts another's in the list as an allow).
  'GET /v1/scheduled-messages': {
    auth: 'person',
    chat: false,
    rule: () => allow('X2: an author lists their scheduled messages'),
  },
  'POST /v1/notifications/read': { auth: 'person', chat: false, rule: () => allow('N1: my inbox') },
  'POST /v1/attachments': { auth: 'person', chat: false, rule: () => allow('section 4: any person uploads') },
  'GET /v1/stream': { auth: 'person', chat: false, rule: () => allow('section 4: any person’s own stream') },

  // G1: practitioners create groups with clients they reach (here: the chat owner's client of the group).
  'POST /v1/chats': {
    auth: 'person',
    chat: false,
    rule: ({ facts }) => {
      if (facts.person !== 'practitioner') return deny(403, 'G1: only practitioners create groups');
      // Naming a person of another practice is bad input in the caller's own practice, never a reach into ours.
      if (facts.practice === 'other') return deny(400, 'G1: participants must be people of the practice');
      if (facts.tagRestricted) return deny(403, 'G1: clients added must be reachable (tag restriction)');
      return allow('G1: a practitioner creates a group with a client they reach');
    },
  },
  // S1: a practitioner starts a 1-on-1 with a client they reach (the group's client).
  'POST /v1/chats/direct': {
    auth: 'person',
    chat: false,
    rule: ({ facts }) => {
      if (facts.person !== 'practitioner') return deny(403, 'S1: only practitioners start 1-on-1 chats');
      if (facts.practice === 'other') return deny(400, 'S1: the client is not one of the practice');
      if (facts.tagRestricted) return deny(403, 'S1/S3: tag restriction, and no invitation to a new chat');
      return allow('S1: a practitioner starts (or returns to) a 1-on-1');
    },
  },
  // S4: the practitioner themselves, the practice owner, or team-settings managers, on anyone's behalf.
  'GET /v1/practitioners/{personId}/direct-chat-sharing': {
    auth: 'person',
    chat: false,
    variants: ['own', 'chat-owner’s'],
    rule: (caller) => defaultSharing(caller),
  },
  'PUT /v1/practitioners/{personId}/direct-chat-sharing': {
    auth: 'person',
    chat: false,
    variants: ['own', 'chat-owner’s'],
    rule: (caller) => defaultSharing(caller),
  },
  // M1: a practitioner links their own Zoom account; nobody links someone else's.
  'PUT /v1/practitioners/{personId}/zoom-link': {
    auth: 'person',
    chat: false,
    variants: ['own', 'someone else’s'],
    rule: ({ facts, variant }) => {
      if (variant !== 'own') return deny(403, 'M1: only your own Zoom account');
      return isPractitionerOfPractice(facts)
        ? allow('M1: a practitioner links their Zoom')
        : deny(403, 'M1: clients link no Zoom');
    },
  },

  // A1: participants read a chat, its messages, participants and files.
  'GET /v1/chats/{chatId}': {
    auth: 'person',
    chat: true,
    rule: participants('A1: participants read the chat'),
  },
  'GET /v1/chats/{chatId}/messages': {
    auth: 'person',
    chat: true,
    rule: participants('A1/G2: participants read messages'),
  },
  'GET /v1/chats/{chatId}/messages/{messageId}/replies': {
    variants: messageVariants,
    auth: 'person',
    chat: true,
    rule: participants('A1/G2: participants read threads'),
  },
  'GET /v1/chats/{chatId}/participants': {
    auth: 'person',
    chat: true,
    rule: participants('A1: participants list participants'),
  },
  'GET /v1/chats/{chatId}/attachments': {
    auth: 'person',
    chat: true,
    rule: participants('X5: any participant lists live files'),
  },
  // A1: a file is readable while a live message of the viewer's chat carries it; once an edit replaced
  // it, by team members through the revision history (G8); once its message is deleted, by nobody.
  'GET /v1/attachments/{attachmentId}': {
    auth: 'person',
    chat: true,
    variants: [liveFile, replacedFile, deletedFile, unusedUpload],
    rule: (caller) => {
      if (caller.variant === unusedUpload) {
        return caller.role === 'chat-owner'
          ? allow('A1: its uploader reads a file no message uses yet')
          : deny(404, 'A1: a file no message uses is its uploader’s alone');
      }
      if (!caller.as) return notInChat;
      if (caller.variant === deletedFile) return deny(404, 'A1: its message is deleted: nobody reads it');
      if (caller.variant === replacedFile) {
        return caller.as === 'client'
          ? deny(404, 'A1/G8: an edit replaced it: team members only, through the revision history')
          : allow('A1/G8: a team member reads a revision’s file');
      }
      return allow('A1: a live message’s file, for participants of its chat');
    },
  },
  'PUT /v1/chats/{chatId}/read': { auth: 'person', chat: true, rule: participants('U1: my read marker') },
  // X2: scheduling meets the post rules now (A1, G6, G2) and again at sendAt.
  'POST /v1/chats/{chatId}/scheduled-messages': {
    auth: 'person',
    chat: true,
    variants: scheduleVariants,
    rule: (caller) => {
      if (!caller.as) return notInChat;
      if (lockedOut(caller)) return deny(403, 'X2/G6: locked, only the owner posts, later or now');
      if (caller.variant === 'a post') return allow('X2: a participant schedules a post');
      if (kindFacts[caller.kind!].style !== 'feed')
        return deny(409, 'X2/G2: direct-style chats have no replies');
      if (caller.variant === replyToAnotherChats) {
        // The same answer as for an id naming nothing: whether it is another chat's post is not told.
        return deny(400, 'X2/A1: the parent names no post of this chat', [404]);
      }
      return allow('X2: a participant schedules a reply');
    },
  },
  // X2: only the author edits or cancels a scheduled message; to anyone else it does not exist (404).
  // An edit meets the post rules again: a removed author's is refused as their post would be (P4),
  // a locked chat's by anyone but the owner (G6). Cancelling sends nothing: the author may, always.
  'PATCH /v1/scheduled-messages/{id}': {
    auth: 'person',
    chat: true,
    variants: scheduledVariants,
    rule: (caller) => {
      if (caller.variant !== myScheduled) return deny(404, 'X2: another’s scheduled message does not exist');
      if (!caller.as) return deny(404, 'X2/P4: the post rules asked again find no chat of theirs');
      if (lockedOut(caller)) return deny(403, 'X2/G6: locked, only the owner posts');
      return allow('X2: the author edits their pending message');
    },
  },
  'DELETE /v1/scheduled-messages/{id}': {
    auth: 'person',
    chat: true,
    variants: scheduledVariants,
    rule: ({ variant }) =>
      variant === myScheduled
        ? allow(
            'X2: the author cancels their pending message, removed or locked out since (it sends nothing)',
          )
        : deny(404, 'X2: another’s scheduled message does not exist'),
  },
  // X3: over what the caller may read now (A1, P4): any person across their chats; one chat, its participants.
  // Hits are checked as well: none of a chat they may not read, a deleted or unsent message, or an
  // author they may not know (P2, G5).
  'GET /v1/search': {
    auth: 'person',
    chat: true,
    variants: searchVariants,
    rule: (caller) =>
      caller.variant === acrossMyChats
        ? allow('X3: any person searches their own chats')
        : participants('X3/A1: participants search a chat')(caller),
  },
  // X4: any participant pins, archives or mutes a chat for themselves; G6 locks messages, not this.
  'PUT /v1/chats/{chatId}/me': {
    auth: 'person',
    chat: true,
    variants: personalStateVariants,
    rule: participants('X4: my own state of a chat I am in'),
  },
  'PUT /v1/chats/{chatId}/notification-level': {
    auth: 'person',
    chat: true,
    rule: participants('N1: my level for a chat I am in'),
  },
  // Posting: participants; G6: a locked chat takes posts from its owner only.
  'POST /v1/chats/{chatId}/messages': {
    auth: 'person',
    chat: true,
    rule: (caller) =>
      !caller.as
        ? notInChat
        : lockedOut(caller)
          ? deny(403, 'G6: locked, only the owner posts')
          : allow('participants post'),
  },
  // G3/G6: only the owner changes settings; only groups have settings to change.
  'PATCH /v1/chats/{chatId}': {
    auth: 'person',
    chat: true,
    rule: (caller) => {
      if (!caller.as) return notInChat;
      if (caller.as !== 'owner') return deny(403, 'G3: only the chat owner', [400]);
      if (kindFacts[caller.kind!].chatKind !== 'group') return deny(400, 'G3: only groups have settings');
      return allow('G3: the owner edits the group');
    },
  },
  // P1/S2: team-member participants add to a group; only the owner adds to a direct chat; clients never.
  'POST /v1/chats/{chatId}/participants': {
    auth: 'person',
    chat: true,
    rule: (caller) => {
      if (!caller.as) return notInChat;
      if (caller.as === 'client') return deny(403, 'P1: clients never add');
      if (kindFacts[caller.kind!].chatKind === 'direct' && caller.as !== 'owner') {
        return deny(403, 'P1/S2: only the owner adds to a direct chat');
      }
      return allow('P1/S2: adding a team member');
    },
  },
  // P2: the chat owner, or the practice owner/admin (in the chat or not), removes; P3: leaving.
  'DELETE /v1/chats/{chatId}/participants/{personId}': {
    auth: 'person',
    chat: true,
    variants: ['remove', 'leave'],
    rule: (caller) => {
      const direct = kindFacts[caller.kind!].chatKind === 'direct';
      if (caller.variant === 'leave') {
        if (!caller.as) return notInChat;
        if (direct) return deny(409, 'P3: nobody leaves a 1-on-1 or shared chat');
        if (caller.as === 'owner') return deny(409, 'P3: the owner cannot leave');
        return allow('P3: a participant leaves a group');
      }
      const practiceAdmin =
        caller.facts.practice === 'own' &&
        (caller.facts.teamRole === 'owner' || caller.facts.teamRole === 'admin');
      if (caller.as !== 'owner' && !practiceAdmin) {
        return caller.as ? deny(403, 'P2: only the chat owner or a practice owner/admin removes') : notInChat;
      }
      // In a 1-on-1 the only one to remove is its client, whom nobody removes (P3).
      if (caller.kind === 'one-on-one') return deny(409, 'P3: the client of a 1-on-1 is not removed');
      return allow('P2: the chat owner or a practice owner/admin removes a team member');
    },
  },
  // G8: authors edit their own posts in feed chats; direct styles do not edit; G6 locks.
  'PATCH /v1/chats/{chatId}/messages/{messageId}': {
    auth: 'person',
    chat: true,
    variants: ['own', 'someone else’s', anotherChats],
    rule: (caller) => {
      if (!caller.as) return notInChat;
      const feed = kindFacts[caller.kind!].style === 'feed';
      if (caller.variant !== 'own') {
        return deny(403, 'G8: only the author edits', feed ? [] : [409]);
      }
      if (!feed) return deny(409, 'G8: direct-style chats do not edit');
      if (lockedOut(caller)) return deny(403, 'G6: locked, only the owner edits');
      return allow('G8: the author edits their post');
    },
  },
  // Section 4: the author, or the chat owner, deletes a message; G6 locks it to the owner.
  'DELETE /v1/chats/{chatId}/messages/{messageId}': {
    auth: 'person',
    chat: true,
    variants: ['own', 'someone else’s', anotherChats],
    rule: (caller) => {
      if (!caller.as) return notInChat;
      if (caller.as === 'owner') return allow('the chat owner deletes any message');
      if (caller.variant !== 'own') return deny(403, 'only the author or the chat owner deletes');
      if (lockedOut(caller)) return deny(403, 'G6: locked, only the owner changes messages');
      return allow('the author deletes their message');
    },
  },
  'GET /v1/chats/{chatId}/messages/{messageId}/revisions': {
    variants: messageVariants,
    auth: 'person',
    chat: true,
    rule: teamOnly('G8: team members read the revision history'),
  },
  // G7: team-member participants pin in feed chats; G6 locks pins to the owner.
  'PUT /v1/chats/{chatId}/pins/{messageId}': {
    auth: 'person',
    chat: true,
    variants: messageVariants,
    rule: (caller) => pins(caller),
  },
  'DELETE /v1/chats/{chatId}/pins/{messageId}': {
    auth: 'person',
    chat: true,
    variants: messageVariants,
    rule: (caller) => pins(caller),
  },
  // X1: participants react; locked chats take reactions from the owner only; team members list who.
  'PUT /v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': {
    variants: messageVariants,
    auth: 'person',
    chat: true,
    rule: (caller) => reacting(caller),
  },
  'DELETE /v1/chats/{chatId}/messages/{messageId}/reactions/{emoji}': {
    variants: messageVariants,
    auth: 'person',
    chat: true,
    rule: (caller) => reacting(caller),
  },
  'GET /v1/chats/{chatId}/messages/{messageId}/reactions': {
    variants: messageVariants,
    auth: 'person',
    chat: true,
    rule: teamOnly('X1: team members list who reacted'),
  },
  'GET /v1/chats/{chatId}/read-markers': {
    auth: 'person',
    chat: true,
    rule: teamOnly('X5/U1: read receipts for team members only'),
  },
  // C3: the practice owner, in the chat or not, reads and sets a chat's legal hold.
  'GET /v1/chats/{chatId}/legal-hold': {
    auth: 'person',
    chat: true,
    rule: (caller) => legalHold(caller),
  },
  'PUT /v1/chats/{chatId}/legal-hold': {
    auth: 'person',
    chat: true,
    rule: (caller) => legalHold(caller),
  },
  // C2: the practice owner exports any chat of the practice, in it or not; anyone else of it is refused
  // whatever the chat, and another practice's chats and exports do not exist.
  'POST /v1/chats/{chatId}/exports': {
    auth: 'person',
    chat: true,
    rule: (caller) => chatExport(caller, 'C2: the practice owner exports a chat'),
  },
  'GET /v1/exports/{exportId}': {
    auth: 'person',
    chat: true,
    rule: (caller) => chatExport(caller, 'C2: the practice owner follows an export'),
  },
  'GET /v1/exports/{exportId}/files/{format}': {
    auth: 'person',
    chat: true,
    rule: (caller) => chatExport(caller, 'C2: the practice owner downloads an export'),
  },
  // M1: practitioners start meetings (built-in in direct chats, Zoom in groups); the meeting is a post (G6).
  'POST /v1/chats/{chatId}/meetings': {
    auth: 'person',
    chat: true,
    rule: (caller) => {
      if (!caller.as) return notInChat;
      if (caller.as === 'client') return deny(403, 'M1: practitioners start meetings');
      if (lockedOut(caller)) return deny(403, 'G6: locked, the meeting message is a post');
      return allow('M1: a practitioner starts a meeting');
    },
  },
};

function defaultSharing({ role, facts, variant }: Caller): Expectation {
  if (facts.person !== 'practitioner') return deny(403, 'S4: team members manage default sharing');
  if (variant === 'own' || role === 'chat-owner') return allow('S4: the practitioner themselves');
  // The chat owner is a person of our practice only: for another practice they do not exist.
  if (facts.practice === 'other') return deny(404, 'S4: no such practitioner in the caller’s practice');
  if (facts.teamRole === 'owner' || facts.canManageTeamSettings) {
    return allow('S4: the practice owner or a team-settings manager, on anyone’s behalf');
  }
  return deny(403, 'S4: not theirs to manage');
}

/** C1/C3: the practice's own owner only; the path names our practice, which another's people do not reach. */
function practiceOwnerOnly({ facts }: Caller, rule: string): Expectation {
  if (facts.practice === 'other') return deny(404, 'another practice does not exist for the caller');
  if (facts.person === 'practitioner' && facts.teamRole === 'owner') return allow(rule);
  return deny(403, `only the practice owner: ${rule}`);
}

/** C3: the practice owner reaches every chat of the practice; others: 403 in it, 404 outside (A1). */
function legalHold(caller: Caller): Expectation {
  const { facts } = caller;
  if (facts.practice === 'own' && facts.person === 'practitioner' && facts.teamRole === 'owner') {
    return allow('C3: the practice owner manages legal holds, in the chat or not');
  }
  return caller.as ? deny(403, 'C3: only the practice owner manages legal holds') : notInChat;
}

/** C2: exports are the practice owner's, of their own practice's chats. */
function chatExport({ facts }: Caller, rule: string): Expectation {
  if (facts.person !== 'practitioner' || facts.teamRole !== 'owner') {
    return deny(403, 'C2: only the practice owner exports chats', [404]);
  }
  if (facts.practice !== 'own') return deny(404, 'C2: another practice’s chat or export does not exist');
  return allow(rule);
}

function pins(caller: Caller): Expectation {
  if (!caller.as) return notInChat;
  const feed = kindFacts[caller.kind!].style === 'feed';
  if (caller.as === 'client') return deny(403, 'G7: team members pin', feed ? [] : [409]);
  if (!feed) return deny(409, 'G7: pins are for feed chats');
  if (lockedOut(caller)) return deny(403, 'G6: locked, only the owner pins');
  return allow('G7: a team member pins');
}

function reacting(caller: Caller): Expectation {
  if (!caller.as) return notInChat;
  if (lockedOut(caller)) return deny(403, 'X1/G6: locked chats take reactions from the owner only');
  return allow('X1: participants react');
}

/** The oracle: what `role` calling `operation` on a chat of `kind` must get. */
export function expectation(
  role: Role,
  operation: string,
  kind: Kind | null,
  variant: string | null,
): Expectation {
  const op = operations[operation];
  if (!op) throw new Error(`The policy table has no operation ${operation}`);
  const facts = roleFacts[role];
  if (op.auth === 'public') return op.rule({ role, facts, kind, variant, as: null });
  // Rule 1; a validly signed token naming nobody of the practice is still a person token on a service route (rule 2).
  if (facts.token === 'unknown-subject' && op.auth === 'service') {
    return deny(403, 'section 4: a service token is required');
  }
  if (facts.token !== 'person' && facts.token !== 'service') {
    return deny(401, 'section 4: a valid bearer token of a person or service of the practice is required');
  }
  // Rule 2.
  if (facts.token !== op.auth) return deny(403, `section 4: a ${op.auth} token is required`);
  if (op.auth === 'service') {
    if (op.scope && !facts.scopes?.includes(op.scope)) return deny(403, `section 4: needs ${op.scope}`);
    if (facts.practice !== 'own') return deny(403, 'section 4: the token is for another practice');
  }
  const as = kind === null || facts.practice !== 'own' ? null : facts.in(kind);
  if (variant !== anotherChats) return op.rule({ role, facts, kind, variant, as });
  // A1: a message of a chat the caller is not in does not exist for them, whichever chat's path
  // names it. A refusal that holds for any message (role, lock, style) may come first.
  const here = op.rule({
    role,
    facts,
    kind,
    variant: op.variants?.includes('someone else’s') ? 'someone else’s' : null,
    as,
  });
  const gone = 'A1: a message of a chat the caller is not in does not exist for them';
  return here.outcome === 'allow' ? deny(404, gone) : { ...here, also: [...(here.also ?? []), 404] };
}

/**
 * The realtime stream (section 4, N1, P4, U1): which events a role's socket
 * gets for actions in a chat of each kind. Actions, all by the chat owner
 * unless said: post a message, react to it, rename (groups), pin and unpin
 * and edit it (feed chats), take the reaction back, move the client's read
 * marker, type, add and remove a team member (whose own `chat.left` reaches
 * none of these sockets), delete the message; a removed
 * participant and an outsider type too; the owner mutes the chat for themselves (X4).
 */
export const realtimeEvents = [
  'message.created',
  'notification.created',
  'reaction.added',
  'reaction.removed',
  'chat.updated',
  'message.pinned',
  'message.unpinned',
  'message.updated',
  'read_marker.moved',
  'typing',
  'participant.added',
  'participant.removed',
  'chat.left',
  'message.deleted',
  'personal_state.updated',
] as const;
export type RealtimeEvent = (typeof realtimeEvents)[number];

/** Roles that hold a socket: every valid person token. */
export const socketRoles = roles.filter((role) => roleFacts[role].token === 'person');

/** Whether the action behind `event` happens in a chat of this kind at all. */
export function realtimeActionIn(kind: Kind, event: RealtimeEvent): boolean {
  if (event === 'chat.updated') return kindFacts[kind].chatKind === 'group'; // G3
  // G7, G8: pins and edits are for feed chats.
  if (event === 'message.pinned' || event === 'message.unpinned' || event === 'message.updated') {
    return kindFacts[kind].style === 'feed';
  }
  // Adding a team member to a 1-on-1 would make it a shared chat (S2).
  if (event === 'participant.added' || event === 'participant.removed' || event === 'chat.left')
    return kind !== 'one-on-one';
  return true;
}

export function realtimeExpectation(role: Role, kind: Kind, event: RealtimeEvent): boolean {
  const facts = roleFacts[role];
  // P4, A1: only the chat's active participants, of its practice, get anything of it.
  const as = facts.practice === 'own' && facts.token === 'person' ? facts.in(kind) : null;
  if (!as) return false;
  switch (event) {
    // N1: every participant but the author (the chat owner) is notified.
    case 'notification.created':
      return as !== 'owner';
    // U1: read receipts reach team members only.
    case 'read_marker.moved':
      return as !== 'client';
    // Typing reaches the typist's fellow participants, never the typist (the owner), and a
    // removed participant's or outsider's typing reaches nobody (P4).
    case 'typing':
      return as !== 'owner';
    // X4: one's own state of a chat reaches one's own sockets only (the owner's mute).
    case 'personal_state.updated':
      return as === 'owner';
    // P4: the team member removed alone hears chat.left; they hold no socket here, so no one does.
    case 'chat.left':
      return false;
    default:
      return true;
  }
}
