import type { Emit } from '@huddle/bus';
import type { ParticipantData, PersonData } from '@huddle/contracts';
import type { Database, Executor, Transaction } from '@huddle/db';
import type { Attachment } from '../domain/attachment';
import type { Chat } from '../domain/chat';
import type { Message } from '../domain/message';
import type { PersonalStateChange } from '../domain/personal-state';
import type { ReactionSummary, Reactor } from '../domain/reaction';
import type { AgedMessage, LegalHold, Retention } from '../domain/retention';
import type { ScheduledMessage, ScheduledStatus } from '../domain/scheduled';
import type { SearchLanguage } from '../domain/search';

/** Runs a change and the events it emits in one transaction (the outbox). */
export interface UnitOfWork {
  transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R>;
}

export type Reader = Database;

export interface Decision {
  allowed: boolean;
  reason: string;
  message: string;
  /** tag_restricted: the team members whose restriction excludes a client (S3). */
  personIds: string[];
}

/** The sharing-policy service's decisions and practice plans. */
export interface Policy {
  /**
   * May this practitioner bring these people into a chat (G1; also P1, S2, S5)?
   * `memberIds`: team members already in it, who must reach every client added (S3).
   */
  authorizeGroupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: string[];
    memberIds?: string[];
  }): Promise<Decision>;
  /** May this practitioner start, or return to, their 1-on-1 with this client (S1)? */
  authorizeDirectChat(request: { practiceId: string; ownerId: string; clientId: string }): Promise<Decision>;
  planOf(practiceId: string): Promise<string | undefined>;
  /** S4: whom a new 1-on-1 of this owner is shared with by default, and whom that skips. */
  planDefaultSharing(request: { practiceId: string; ownerId: string; clientId: string }): Promise<{
    teamMemberIds: string[];
    skipped: Array<{ personId: string; reason: string; message: string }>;
  }>;
}

/** The directory, for kinds, names and team roles. */
export interface Directory {
  people(practiceId: string, personIds: string[]): Promise<PersonData[]>;
}

/** The participant service: memberships of chats, authoritative for access (A1). */
export interface Participants {
  add(request: {
    practiceId: string;
    chatId: string;
    addedBy: string;
    participants: Array<{ personId: string; role?: ParticipantData['role']; via: ParticipantData['via'] }>;
  }): Promise<ParticipantData[]>;
  remove(request: {
    practiceId: string;
    chatId: string;
    personId: string;
    removedBy: string;
    messages: 'keep' | 'delete';
  }): Promise<boolean>;
}

/*
 * The chat service's own data, as the use-cases need it. `store/` implements
 * these with drizzle; `store/repositories.ts` gathers them into one `ChatStore`, and
 * each use-case takes the part it uses. Every method takes the `Executor` to
 * run on: the reader, or the transaction of a unit of work.
 */

/** Settings of a chat its owner may change (G6, G10, S5). */
export type ChangeableField =
  | 'name'
  | 'avatar'
  | 'style'
  | 'clientNaming'
  | 'hideClientIdentities'
  | 'locked';

/** A person's active membership of a chat, as this service projects it. */
export interface Member {
  chatId: string;
  personId: string;
  role: ParticipantData['role'];
  kind: ParticipantData['kind'];
  readSeq: number;
  markedUnread: boolean;
}

/** A chat in a person's list, with what its unread count is made of (U1) and their own state of it (X4). */
export interface ListedChat {
  chat: Chat;
  lastSeq: number;
  /** C3: messages at or below this seq were deleted by the retention job. */
  floorSeq: number;
  lastActivityAt: Date;
  readSeq: number;
  markedUnread: boolean;
  pinned: boolean;
  archived: boolean;
  mutedUntil: Date | null;
}

/** X4: a member's own state of a chat after a change, with the count of its changes. */
export interface StoredPersonalState {
  pinned: boolean;
  archived: boolean;
  mutedUntil: Date | null;
  stateVersion: number;
}

/** Team and client counts of a chat, and the client of a direct chat, for chat titles (S6). */
export interface ChatComposition {
  teamCount: number;
  clientCount: number;
  clientId: string | null;
}

/** Which of a person's chats to list (X4: archived or not, pinned or not) and from where. */
export interface ChatListOptions {
  after: { pinned: boolean; at: Date; id: string } | null;
  limit: number;
  archived: boolean;
  pinned: boolean | null;
}

export interface ChatRepository {
  /** False when a 1-on-1 with the same `directKey` exists already. */
  insert(db: Executor, chat: Chat, directKey?: string | null): Promise<boolean>;
  findProgram(db: Executor, practiceId: string, programId: string): Promise<Chat | undefined>;
  /** R1: false when the program's chat exists already. */
  insertProgram(db: Executor, chat: Chat): Promise<boolean>;
  findDirect(db: Executor, directKey: string): Promise<Chat | undefined>;
  get(db: Executor, id: string): Promise<Chat | undefined>;
  /** Chats by id; unknown ids are left out. */
  many(db: Executor, ids: string[]): Promise<Chat[]>;
  /** Locks the chat row for the rest of the transaction, serializing changes to the chat. */
  getForUpdate(db: Executor, id: string): Promise<Chat | undefined>;
  update(db: Executor, id: string, changes: Partial<Pick<Chat, ChangeableField>>): Promise<Chat | undefined>;
  /** S5: a direct chat becomes a group chat, for good, named after a client. */
  convertToGroup(
    db: Executor,
    id: string,
    name: string,
    avatar: string,
    namedAfterClientId: string,
  ): Promise<Chat | undefined>;
  /**
   * A person's active chats: pinned ones first (X4), each part most recently active first;
   * keyset-paged on (pinned, activity, id). Archived chats only when asked for (X4).
   */
  listForPerson(
    db: Executor,
    practiceId: string,
    personId: string,
    options: ChatListOptions,
  ): Promise<ListedChat[]>;
  /**
   * The seq of the newest message, and the retention floor: every message at or below it
   * was deleted by the retention job (C3), so none of them is unread (U1).
   */
  seqs(db: Executor, id: string): Promise<{ lastSeq: number; floorSeq: number }>;
}

export interface MemberRepository {
  /**
   * Records an active membership; idempotent, and a renewed one starts with a fresh read marker.
   * A membership that was not active is logged as a participant change (C2).
   */
  join(
    db: Executor,
    practiceId: string,
    participant: Pick<ParticipantData, 'chatId' | 'personId' | 'role' | 'kind' | 'via' | 'addedBy'>,
  ): Promise<void>;
  /** Ends a membership as of `at` (a participant change, C2); a membership renewed after `at` stays. */
  leave(
    db: Executor,
    chatId: string,
    personId: string,
    at: Date,
    change: { by: string; messages: 'keep' | 'delete' },
  ): Promise<void>;
  find(db: Executor, chatId: string, personId: string): Promise<Member | undefined>;
  list(db: Executor, chatId: string): Promise<Member[]>;
  /** The chats a person is an active member of, by id, and those they left since `leftSince`. */
  chatIdsOf(
    db: Executor,
    practiceId: string,
    personId: string,
    leftSince: Date,
  ): Promise<{ active: string[]; left: string[] }>;
  /** X5: the read markers of a chat's active participants, by person id, keyset-paged. */
  readMarkers(
    db: Executor,
    chatId: string,
    options: { afterPersonId: string | null; limit: number },
  ): Promise<Array<{ personId: string; readSeq: number }>>;
  /** Moves a read marker forward only; undefined when the person takes no part. */
  markRead(db: Executor, chatId: string, personId: string, seq: number): Promise<number | undefined>;
  /** X4: changes a member's own chat state and counts the change, under the row's lock. */
  setPersonalState(
    db: Executor,
    chatId: string,
    personId: string,
    change: PersonalStateChange,
  ): Promise<StoredPersonalState | undefined>;
  markUnread(db: Executor, chatId: string, personId: string): Promise<void>;
  composition(db: Executor, chatIds: string[]): Promise<Map<string, ChatComposition>>;
}

/** An earlier content of a message (G8). */
export interface Revision {
  number: number;
  body: string;
  attachmentIds: string[];
  replacedAt: Date;
}

export interface MessageRepository {
  /**
   * Posts a message with the chat's next seq, taken under the chat row's lock (gap-free, in
   * commit order), moving the author's read marker to it and unarchiving the chat for everyone
   * (X4); undefined when the chat is gone or the author is no longer an active participant (P4),
   * and the caller must roll its transaction back: the seq was taken all the same.
   * `searchLanguage`: the practice's (X3), which its body is indexed in.
   */
  post(db: Executor, message: Omit<Message, 'seq'>, searchLanguage: string): Promise<number | undefined>;
  get(db: Executor, id: string): Promise<Message | undefined>;
  /** X6: messages of one chat by id; ids of other chats or of no message are left out. */
  getMany(db: Executor, chatId: string, ids: string[]): Promise<Message[]>;
  getForUpdate(db: Executor, id: string): Promise<Message | undefined>;
  /** Newest first, keyset-paged on seq; a feed page holds top-level posts that are not pinned. */
  page(
    db: Executor,
    chatId: string,
    options: { beforeSeq: number | null; limit: number; feed: boolean },
  ): Promise<Message[]>;
  /** A thread, oldest first, keyset-paged on seq. */
  replies(
    db: Executor,
    parentId: string,
    options: { afterSeq: number | null; limit: number },
  ): Promise<Message[]>;
  /** The newest `perPost` replies of each post, oldest first within a post. */
  latestReplies(db: Executor, parentIds: string[], perPost: number): Promise<Map<string, Message[]>>;
  /** Pinned posts of a feed chat, newest pin first (G7). */
  pinned(db: Executor, chatId: string): Promise<Message[]>;
  countPinned(db: Executor, chatId: string): Promise<number>;
  setPinned(db: Executor, id: string, pinned: boolean): Promise<Message | undefined>;
  /** G8: keeps the current content as a revision, then replaces it. */
  edit(db: Executor, current: Message, content: { body: string; attachmentIds: string[] }): Promise<Message>;
  revisions(db: Executor, messageId: string): Promise<Revision[]>;
  /** X1: the message keeps its place but loses content, pin, revisions and reactions. */
  tombstone(db: Executor, id: string): Promise<Message | undefined>;
  /** P2 keep: drops the author link of a person's messages in a chat; answers how many. */
  unlinkAuthor(db: Executor, chatId: string, authorId: string, unlinkedBy: string): Promise<number>;
  /** P2 delete / P3: deletes a person's messages in a chat and threads rooted at their posts; answers the ids. */
  deleteAllBy(db: Executor, chatId: string, authorId: string): Promise<string[]>;
  /** The newest message of each chat, by the chats' last seqs. */
  lastOf(db: Executor, chats: Array<{ chatId: string; seq: number }>): Promise<Map<string, Message>>;
  findIdempotent(
    db: Executor,
    chatId: string,
    authorId: string,
    key: string,
  ): Promise<{ requestHash: string; messageId: string } | undefined>;
  /** Forgets a key whose message no longer exists. */
  releaseIdempotencyKey(db: Executor, chatId: string, authorId: string, key: string): Promise<void>;
  /** Claims a key for a message; false when another post claimed it first. */
  claimIdempotencyKey(
    db: Executor,
    entry: { chatId: string; authorId: string; key: string; requestHash: string; messageId: string },
  ): Promise<boolean>;
}

export interface ReactionRepository {
  /** False when the person already reacted with this emoji. */
  add(db: Executor, reactor: Omit<Reactor, 'createdAt'>): Promise<boolean>;
  /** False when there was no such reaction. */
  remove(db: Executor, reactor: Omit<Reactor, 'createdAt'>): Promise<boolean>;
  /** The emoji a message shows. */
  emojiOf(db: Executor, messageId: string): Promise<string[]>;
  /** Everyone who reacted to some messages, oldest first. */
  reactors(db: Executor, messageIds: string[], emoji?: string): Promise<Reactor[]>;
  /** X1: per message, each emoji with its count as one viewer sees it, in the order first used. */
  summaries(db: Executor, messageIds: string[], viewerId: string): Promise<Map<string, ReactionSummary[]>>;
}

export interface AttachmentRepository {
  insert(db: Executor, attachment: Attachment): Promise<void>;
  get(db: Executor, practiceId: string, id: string): Promise<Attachment | undefined>;
  getMany(db: Executor, ids: string[]): Promise<Map<string, Attachment>>;
  reference(db: Executor, chatId: string, messageId: string, attachmentIds: string[]): Promise<void>;
  /** Whether any message ever referenced the file. */
  wasUsed(db: Executor, attachmentId: string): Promise<boolean>;
  /** A1: whether the person may read the file. */
  readableBy(db: Executor, attachmentId: string, personId: string): Promise<boolean>;
  /** X5: the files live messages of a chat reference, newest message first. */
  ofChat(
    db: Executor,
    chatId: string,
    options: { before: { seq: number; id: string } | null; limit: number },
  ): Promise<Array<{ attachment: Attachment; messageId: string; seq: number }>>;
}

export interface SharingRepository {
  /** S4: says why default sharing left someone out of a new 1-on-1. */
  recordSkips(
    db: Executor,
    chatId: string,
    skipped: Array<{ personId: string; reason: string; message: string }>,
  ): Promise<void>;
}

/** M1: practitioners' linked Zoom access tokens. */
export interface ZoomLinkRepository {
  token(db: Executor, practiceId: string, personId: string): Promise<string | undefined>;
  set(db: Executor, practiceId: string, personId: string, accessToken: string): Promise<void>;
  forget(db: Executor, practiceId: string, personId: string): Promise<void>;
}

/** X3: where a page of search hits ends, compared exactly on the next page. */
export interface RankCursor {
  rank: string;
  id: string;
}

/** X3: a message that matches a search. */
export interface Hit {
  message: Message;
  /** ts_rank as PostgreSQL prints it, so the next page's cursor compares exactly. */
  rank: string;
  /** ts_headline of the body, matches between MATCH_START and MATCH_END. */
  headline: string;
}

/** X3: what to search for, where, and from which rank on. */
export interface SearchRequest {
  practiceId: string;
  viewerId: string;
  chatId: string | null;
  text: string;
  language: SearchLanguage;
  after: RankCursor | null;
  limit: number;
}

export interface SearchRepository {
  /** X3: live messages matching `text` in the chats `viewerId` is in now (A1, P4), best rank first. */
  search(db: Executor, request: SearchRequest): Promise<Hit[]>;
}

/** X2: one page of an author's scheduled messages of one status. */
export interface ScheduledListRequest {
  practiceId: string;
  authorId: string;
  status: ScheduledStatus;
  after: { at: Date; id: string } | null;
  limit: number;
}

/** X2: messages their authors scheduled, and the scheduler's claims on them. */
export interface ScheduledRepository {
  insert(db: Executor, message: ScheduledMessage): Promise<void>;
  /** One of the author's scheduled messages (nobody else's), and whether a scheduler is sending it. */
  find(
    db: Executor,
    practiceId: string,
    authorId: string,
    id: string,
  ): Promise<{ message: ScheduledMessage; claimed: boolean } | undefined>;
  /** The author's scheduled messages of one status, soonest first, keyset on (sendAt, id). */
  list(db: Executor, request: ScheduledListRequest): Promise<ScheduledMessage[]>;
  /** Changes a pending message no scheduler is sending; undefined when there is none such. */
  update(
    db: Executor,
    current: ScheduledMessage,
    changes: Pick<ScheduledMessage, 'body' | 'parentId' | 'mentions' | 'attachmentIds' | 'sendAt'>,
  ): Promise<ScheduledMessage | undefined>;
  cancel(db: Executor, practiceId: string, authorId: string, id: string): Promise<boolean>;
  /** Claims up to `limit` due messages for `leaseMs`; replicas never take the same one. */
  claimDue(db: Reader, limit: number, leaseMs: number): Promise<ScheduledMessage[]>;
  /** Records the outcome of a claimed send; false when the claim was lost meanwhile. */
  settle(
    db: Executor,
    id: string,
    outcome:
      | { status: 'sent'; messageId: string | null }
      | { status: 'failed'; code: string; message: string },
  ): Promise<boolean>;
}

/** All of the chat service's repositories. */
export interface ChatStore {
  chats: ChatRepository;
  members: MemberRepository;
  messages: MessageRepository;
  reactions: ReactionRepository;
  attachments: AttachmentRepository;
  sharing: SharingRepository;
  zoomLinks: ZoomLinkRepository;
  search: SearchRepository;
  scheduled: ScheduledRepository;
  retention: RetentionRepository;
}

/** Where attachment bytes live: a port, so object storage can replace the filesystem. */
export interface FileStore {
  put(key: string, data: Uint8Array): Promise<void>;
  get(key: string): Promise<Buffer>;
  /** C3: removes a file; one already gone is no error. */
  delete(key: string): Promise<void>;
}

/** The time now: a port, so tests of time-bound jobs (C3 retention) control it. */
export interface Clock {
  now(): Date;
}

/** C3: what one retention batch deleted, by count. */
export interface PurgeCounts {
  messages: number;
  tombstoned: number;
  revisions: number;
  reactions: number;
  pins: number;
}

/** C3: retention settings, legal holds, and what the retention job deletes. */
export interface RetentionRepository {
  retention(db: Executor, practiceId: string): Promise<Retention | undefined>;
  /** Sets the period (null: none); answers the previous one. */
  setRetention(
    db: Executor,
    practiceId: string,
    days: number | null,
    actorId: string,
  ): Promise<{ retention: Retention; previousDays: number | null }>;
  legalHold(db: Executor, chatId: string): Promise<LegalHold | undefined>;
  /**
   * Sets or lifts a chat's hold under the chat's retention lock (`lockChat`), so a hold that
   * returned is seen by every retention batch after it; answers whether it changed.
   */
  setLegalHold(
    db: Executor,
    hold: { practiceId: string; chatId: string; held: boolean; reason: string; actorId: string },
  ): Promise<{ hold: LegalHold; changed: boolean }>;
  /** Practices with a period other than none. */
  practicesWithPeriod(db: Executor): Promise<Array<{ practiceId: string; days: number }>>;
  /** A practice's chats not under legal hold, by id after `afterId`, with their retention floors. */
  chatsToSweep(
    db: Executor,
    practiceId: string,
    afterId: string | null,
    limit: number,
  ): Promise<Array<{ chatId: string; floorSeq: number }>>;
  /**
   * Takes the chat's retention lock for the rest of the transaction (setting a hold waits for
   * it, posts do not) and answers whether the chat is under legal hold now.
   */
  lockChat(db: Executor, chatId: string): Promise<{ held: boolean; floorSeq: number }>;
  /** The chat's next messages above `afterSeq`, oldest seq first, locked for the transaction. */
  nextMessages(db: Executor, chatId: string, afterSeq: number, limit: number): Promise<AgedMessage[]>;
  /**
   * Deletes these messages (a prefix of the chat's seqs) with their revisions, reactions and
   * pins; a thread root that keeps younger replies becomes a tombstone instead, and tombstones
   * at or below the new floor whose replies are all gone are deleted. Raises the floor.
   */
  purge(db: Executor, chatId: string, prefix: AgedMessage[]): Promise<PurgeCounts>;
  /**
   * Deletes up to `limit` files of the practice older than `cutoff` that no live message or
   * revision references, no pending scheduled message names and no held chat ever used;
   * answers their ids (the bytes are removed after the commit).
   */
  purgeFiles(db: Executor, practiceId: string, cutoff: Date, limit: number): Promise<string[]>;
  /** Deletes up to `limit` sent or failed scheduled messages settled before `cutoff`, outside held chats. */
  purgeScheduled(db: Executor, practiceId: string, cutoff: Date, limit: number): Promise<number>;
  /** Takes or renews the lease `name` for `holder` for `ms` (the database's clock); false when another holds it. */
  lease(db: Executor, name: string, holder: string, ms: number): Promise<boolean>;
  release(db: Executor, name: string, holder: string): Promise<void>;
}
