import { randomUUID } from 'node:crypto';
import { type ErrorCode, forbidden, HuddleError, invalid, isErrorCode, notFound } from '@huddle/errors';
import { idCursor, pageLimit, pinnedTimeCursor, splitPage } from '@huddle/paging';
import { type Chat, type ChatChanges, validateChanges, validateNewGroup } from '../domain/chat';
import {
  mutedAt,
  type PersonalState,
  type PersonalStateChange,
  validatePersonalStateChange,
} from '../domain/personal-state';
import type { ChangeableField, ChatStore, Member, Participants, Policy, Reader, UnitOfWork } from './ports';

export const DEFAULT_CHAT_PAGE = 50;
export const MAX_CHAT_PAGE = 200;

export interface Access {
  chat: Chat;
  member: Member;
}

export class Chats {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'chats' | 'members' | 'messages' | 'sharing'>,
    private readonly policy: Policy,
    private readonly participants: Participants,
  ) {}

  /**
   * G1: a practitioner creates a group; they become its owner. Memberships are
   * written to the participant service first: should the chat insert then
   * fail, they point at a chat that does not exist and grant nothing.
   */
  async createGroup(request: {
    practiceId: string;
    creatorId: string;
    name: string;
    avatar: string;
    style: string;
    clientNaming: string;
    hideClientIdentities: boolean;
    participantIds: string[];
  }): Promise<Chat> {
    const settings = validateNewGroup(request);
    const decision = await this.policy.authorizeGroupCreation({
      practiceId: request.practiceId,
      creatorId: request.creatorId,
      participantIds: settings.participantIds,
    });
    if (!decision.allowed) throw denied(decision.reason, decision.message);

    const now = new Date().toISOString();
    const chat: Chat = {
      id: randomUUID(),
      practiceId: request.practiceId,
      kind: 'group',
      name: settings.name,
      avatar: settings.avatar,
      style: settings.style,
      clientNaming: settings.clientNaming,
      hideClientIdentities: settings.hideClientIdentities,
      locked: false,
      ownerId: request.creatorId,
      programId: null,
      namedAfterClientId: null,
      createdAt: now,
    };
    const members = await this.participants.add({
      practiceId: chat.practiceId,
      chatId: chat.id,
      addedBy: request.creatorId,
      participants: [
        { personId: request.creatorId, role: 'owner', via: 'created' },
        ...settings.participantIds.map((personId) => ({ personId, via: 'created' as const })),
      ],
    });
    await this.work.transaction(async (tx, emit) => {
      await this.store.chats.insert(tx, chat);
      for (const member of members) await this.store.members.join(tx, chat.practiceId, member);
      await emit('chat.v1.chat.created', { chat });
    });
    return chat;
  }

  /**
   * S1: the 1-on-1 between a practitioner and a client they reach; starting it
   * again returns the same chat. S4: a new one is shared at once with the
   * owner's default team members, less those it must skip (recorded, with why).
   */
  async startDirect(request: { practiceId: string; ownerId: string; clientId: string }) {
    const { practiceId, ownerId, clientId } = request;
    // Asked before the existing chat is returned: a restriction tightened since applies at once (S3).
    const decision = await this.policy.authorizeDirectChat({ practiceId, ownerId, clientId });
    if (!decision.allowed) throw denied(decision.reason, decision.message);
    // Person ids are unique within a practice only: the practice is part of the key.
    const directKey = `${practiceId}:${ownerId}:${clientId}`;
    const existing = await this.store.chats.findDirect(this.db, directKey);
    if (existing) return { chat: existing, created: false, sharedWithIds: [], skipped: [] };

    const sharing = await this.policy.planDefaultSharing({ practiceId, ownerId, clientId });

    const chat: Chat = {
      id: randomUUID(),
      practiceId,
      kind: 'direct',
      name: '',
      avatar: '',
      style: 'direct',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: false,
      ownerId,
      programId: null,
      namedAfterClientId: null,
      createdAt: new Date().toISOString(),
    };
    const members = await this.participants.add({
      practiceId,
      chatId: chat.id,
      addedBy: ownerId,
      participants: [
        { personId: ownerId, role: 'owner', via: 'created' },
        { personId: clientId, via: 'created' },
        ...sharing.teamMemberIds.map((personId) => ({ personId, via: 'default_sharing' as const })),
      ],
    });
    const created = await this.work.transaction(async (tx, emit) => {
      if (!(await this.store.chats.insert(tx, chat, directKey))) return false;
      for (const member of members) await this.store.members.join(tx, practiceId, member);
      await this.store.sharing.recordSkips(tx, chat.id, sharing.skipped);
      await emit('chat.v1.chat.created', { chat });
      return true;
    });
    if (!created) {
      // A concurrent start won: its chat is the 1-on-1; ours never existed.
      const winner = await this.store.chats.findDirect(this.db, directKey);
      if (!winner) throw new HuddleError('conflict', 'The chat changed meanwhile; try again');
      return { chat: winner, created: false, sharedWithIds: [], skipped: [] };
    }
    return { chat, created: true, sharedWithIds: sharing.teamMemberIds, skipped: sharing.skipped };
  }

  /**
   * A1: the chat and the viewer's membership; to anyone else the chat does not
   * exist. Person ids are unique only within a practice, so the viewer's
   * practice must be the chat's too.
   */
  async access(chatId: string, personId: string, practiceId: string): Promise<Access> {
    const { chat, member } = await this.lookup(chatId, personId, practiceId);
    if (!member) throw notFound('Chat');
    return { chat, member };
  }

  /**
   * The chat of the caller's practice and their membership, if any: for the
   * few decisions a non-participant may take (P2: a practice owner or admin
   * removes), never to show the chat. A chat of another practice does not exist.
   */
  async lookup(chatId: string, personId: string, practiceId: string) {
    const [chat, member] = await Promise.all([
      this.store.chats.get(this.db, chatId),
      this.store.members.find(this.db, chatId, personId),
    ]);
    if (!chat || chat.practiceId !== practiceId) throw notFound('Chat');
    return { chat, member };
  }

  /** An active participant of the chat, or undefined. */
  participant(chatId: string, personId: string): Promise<Member | undefined> {
    return this.store.members.find(this.db, chatId, personId);
  }

  /** G3/G6: only the owner changes a group's settings or locks it. */
  async update(request: {
    chatId: string;
    practiceId: string;
    actorId: string;
    changes: ChatChanges;
  }): Promise<Chat> {
    const { chat } = await this.access(request.chatId, request.actorId, request.practiceId);
    if (chat.ownerId !== request.actorId) {
      throw new HuddleError('not_chat_owner', 'Only the chat owner can change its settings');
    }
    if (chat.kind !== 'group') throw invalid('Only group chats have settings to change');
    const changes = validateChanges(request.changes);
    const changed = (Object.keys(changes) as ChangeableField[]).filter(
      (field) => changes[field] !== chat[field],
    );
    if (changed.length === 0) return chat;
    return this.work.transaction(async (tx, emit) => {
      const updated = await this.store.chats.update(tx, chat.id, changes);
      if (!updated) throw notFound('Chat');
      await emit('chat.v1.chat.updated', { chat: updated, changed });
      return updated;
    });
  }

  /**
   * U1: my chats, most recently active first, with unread counts from the stored markers.
   * X4: pinned chats come first; archived ones are listed only when asked for (`archived`),
   * and `pinned` narrows to pinned or unpinned ones.
   */
  /** The chats a person takes part in, by id (what realtime follows for them), and those left lately. */
  chatIdsOf(practiceId: string, personId: string, leftWithinSeconds: number) {
    const leftSince = new Date(Date.now() - Math.max(0, leftWithinSeconds) * 1000);
    return this.store.members.chatIdsOf(this.db, practiceId, personId, leftSince);
  }

  async list(request: {
    practiceId: string;
    personId: string;
    cursor: string;
    limit: number;
    archived?: boolean;
    pinned?: boolean;
  }) {
    const limit = pageLimit(request.limit, DEFAULT_CHAT_PAGE, MAX_CHAT_PAGE);
    const after = request.cursor ? pinnedTimeCursor.decode(request.cursor) : null;
    const rows = await this.store.chats.listForPerson(this.db, request.practiceId, request.personId, {
      after,
      limit: limit + 1,
      archived: request.archived ?? false,
      pinned: request.pinned ?? null,
    });
    const { page, more } = splitPage(rows, limit);
    const ids = page.map((row) => row.chat.id);
    const [composition, lastMessages] = await Promise.all([
      this.store.members.composition(this.db, ids),
      this.store.messages.lastOf(
        this.db,
        page.map((row) => ({ chatId: row.chat.id, seq: row.lastSeq })),
      ),
    ]);
    const now = new Date();
    const last = page.at(-1);
    return {
      chats: page.map((row) => ({
        chat: row.chat,
        readSeq: row.readSeq,
        unreadCount: unreadCount(row.lastSeq, row.readSeq, row.markedUnread, row.floorSeq),
        lastMessage: lastMessages.get(row.chat.id),
        teamCount: composition.get(row.chat.id)?.teamCount ?? 0,
        clientCount: composition.get(row.chat.id)?.clientCount ?? 0,
        clientId: composition.get(row.chat.id)?.clientId ?? null,
        personalState: {
          pinned: row.pinned,
          archived: row.archived,
          mutedUntil: mutedAt(row.mutedUntil, now),
        } satisfies PersonalState,
      })),
      nextCursor: more && last ? pinnedTimeCursor.encode(last.pinned, last.lastActivityAt, last.chat.id) : '',
    };
  }

  /**
   * X4: a participant pins, archives or mutes a chat for themselves. The change is told to
   * that person's other sockets and to the notification service (which keeps the mute).
   */
  async setPersonalState(request: {
    chatId: string;
    practiceId: string;
    personId: string;
    change: PersonalStateChange;
  }): Promise<PersonalState> {
    const now = new Date();
    const change = validatePersonalStateChange(request.change, now);
    const { chat, member } = await this.access(request.chatId, request.personId, request.practiceId);
    return this.work.transaction(async (tx, emit) => {
      const row = await this.store.members.setPersonalState(tx, chat.id, member.personId, change);
      if (!row) throw notFound('Chat');
      const state: PersonalState = {
        pinned: row.pinned,
        archived: row.archived,
        mutedUntil: mutedAt(row.mutedUntil, now),
      };
      await emit('chat.v1.personal_state.updated', {
        practiceId: chat.practiceId,
        chatId: chat.id,
        personId: member.personId,
        ...state,
        version: row.stateVersion,
      });
      return state;
    });
  }

  /** U1: moves my read marker forward, or marks the chat unread again. */
  async markRead(request: {
    chatId: string;
    practiceId: string;
    personId: string;
    seq: number;
    unread: boolean;
  }) {
    const { chat, member } = await this.access(request.chatId, request.personId, request.practiceId);
    if (!Number.isInteger(request.seq) || request.seq < 0) throw invalid('seq must be a whole number ≥ 0');
    return this.work.transaction(async (tx, emit) => {
      const { lastSeq, floorSeq } = await this.store.chats.seqs(tx, chat.id);
      if (request.unread) {
        await this.store.members.markUnread(tx, chat.id, member.personId);
        return { readSeq: member.readSeq, unreadCount: unreadCount(lastSeq, member.readSeq, true, floorSeq) };
      }
      const readSeq =
        (await this.store.members.markRead(tx, chat.id, member.personId, Math.min(request.seq, lastSeq))) ??
        0;
      if (readSeq !== member.readSeq) {
        await emit('chat.v1.read_marker.moved', {
          practiceId: chat.practiceId,
          chatId: chat.id,
          personId: member.personId,
          readSeq,
        });
      }
      return { readSeq, unreadCount: unreadCount(lastSeq, readSeq, false, floorSeq) };
    });
  }

  /** X5: each active participant's read marker, by person id, for team members only (U1). */
  async readMarkers(request: {
    chatId: string;
    practiceId: string;
    viewerId: string;
    cursor: string;
    limit: number;
  }) {
    const { chat, member } = await this.access(request.chatId, request.viewerId, request.practiceId);
    if (member.kind !== 'practitioner') throw forbidden('Only team members can see read receipts');
    const limit = pageLimit(request.limit, DEFAULT_CHAT_PAGE, MAX_CHAT_PAGE);
    const afterPersonId = request.cursor ? idCursor.decode(request.cursor) : null;
    const rows = await this.store.members.readMarkers(this.db, chat.id, { afterPersonId, limit: limit + 1 });
    const { page, more } = splitPage(rows, limit);
    return { markers: page, nextCursor: more ? idCursor.encode(page.at(-1)!.personId) : '' };
  }
}

/**
 * A chat marked unread shows at least one unread message. C3: messages at or below the
 * retention floor were deleted by the retention job and wait for nobody, so they are not
 * counted; the read marker itself is left as the reader set it (X5 receipts).
 */
export const unreadCount = (lastSeq: number, readSeq: number, markedUnread: boolean, floorSeq = 0) =>
  Math.max(lastSeq - Math.max(readSeq, floorSeq), markedUnread ? 1 : 0);

/** A policy deny as the error it names; an unknown reason is a plain `forbidden`. */
export function denied(reason: string, message: string): HuddleError {
  const code: ErrorCode = isErrorCode(reason) ? reason : 'forbidden';
  return new HuddleError(code, message || 'Not allowed');
}
