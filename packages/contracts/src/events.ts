/**
 * Domain events on JetStream. The subject of an event is its type,
 * `<service>.v1.<entity>.<past-tense>`; the payload is JSON. Fields may be
 * added, never renamed. Each service's stream holds the subjects under its name.
 */

/**
 * An event as it travels. `EventEnvelope` alone is the union of every type in
 * `DomainEvents`, discriminated on `type`: checking `type` narrows `data`, so a
 * consumer never casts, and a type added to the map joins the union by itself.
 */
export type EventEnvelope<T extends EventType = EventType> = {
  [K in T]: {
    /** Unique per event; also the JetStream message id used for de-duplication. */
    id: string;
    type: K;
    occurredAt: string;
    data: DomainEvents[K];
  };
}[T];

export interface PersonData {
  id: string;
  practiceId: string;
  kind: 'practitioner' | 'client';
  firstName: string;
  lastName: string;
  photoUrl: string | null;
  tags: string[];
  teamRole: 'owner' | 'admin' | 'member' | null;
  canManageTeamSettings: boolean;
  clientTagRestriction: string[] | null;
  zoomLinked: boolean;
  /** Where outbound email notifications go (N1); absent or null: no email. Added after v1 began. */
  email?: string | null;
}

export interface PracticeData {
  id: string;
  name: string;
  plan: 'starter' | 'professional' | 'plus' | 'team';
}

export interface ParticipantData {
  chatId: string;
  personId: string;
  role: 'owner' | 'team' | 'client';
  via: 'created' | 'invited' | 'default_sharing' | 'program' | 'conversion';
  addedBy: string;
  addedAt: string;
  pseudonym: string;
  kind: 'practitioner' | 'client';
}

export interface ChatData {
  id: string;
  practiceId: string;
  kind: 'direct' | 'group';
  name: string;
  avatar: string;
  style: 'feed' | 'direct';
  clientNaming: 'full' | 'first_initial' | 'first';
  hideClientIdentities: boolean;
  locked: boolean;
  ownerId: string;
  programId: string | null;
  /**
   * S5, G5: the client a converted chat's generated name ("<full name> (Group)")
   * was made from, until the owner renames it; null otherwise. The gateway's
   * presenter shows other clients a neutral title while it is set.
   */
  namedAfterClientId: string | null;
  createdAt: string;
}

/** A file a message references, as messages show it. */
export interface AttachmentData {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  createdAt: string;
}

export interface MessageData {
  id: string;
  chatId: string;
  seq: number;
  parentId: string | null;
  authorId: string | null;
  body: string;
  mentions: string[];
  attachmentIds: string[];
  createdAt: string;
  // The rest of what a message shows, so realtime presents it as REST does. Added after v1
  // began: events written before lack them.
  replyCount?: number;
  pinned?: boolean;
  editedAt?: string | null;
  deletedAt?: string | null;
  /** The files of `attachmentIds`, described, in order. */
  attachments?: AttachmentData[];
  /** X1: who reacted with which emoji, for the gateway to count and tell each viewer reactedByMe. */
  reactions?: ReactionData[];
}

/**
 * X1: one emoji on a message and everyone who reacted with it, oldest first. Person ids
 * never reach a socket: the gateway turns them into a count and the viewer's reactedByMe.
 */
export interface ReactionData {
  emoji: string;
  personIds: string[];
}

export interface NotificationData {
  id: string;
  type: 'message' | 'mention' | 'added' | 'scheduled_message_failed';
  chatId: string;
  messageId: string | null;
  createdAt: string;
  readAt: string | null;
  /**
   * X6: who caused an `added` notification (who added the person). Message notifications
   * leave it out: their actor is the message's author, looked up when presented, so an
   * author unlinked since (P2) is not named. Absent in events written before it was added.
   */
  actorId?: string | null;
}

export interface ReactionEventData {
  practiceId: string;
  chatId: string;
  messageId: string;
  emoji: string;
  personId: string;
  personIds: string[];
}

/**
 * X4: one participant's own state of a chat, after a change. `version` grows with each
 * change of that person's state in that chat: a consumer keeps the highest it has seen.
 */
export interface PersonalStateEventData {
  practiceId: string;
  chatId: string;
  personId: string;
  pinned: boolean;
  archived: boolean;
  /** ISO time until which the chat is muted for them; null: not muted. */
  mutedUntil: string | null;
  version: number;
}

/** C3: a practice's retention period changed. */
export interface RetentionSetEventData {
  practiceId: string;
  actorId: string;
  /** Null: none (kept for good); otherwise 30 to 3650. */
  days: number | null;
  previousDays: number | null;
}

/** C3: what one retention run deleted in one practice, by count. */
export interface RetentionAppliedEventData {
  practiceId: string;
  /** The period applied, and the time before which messages were deleted (ISO). */
  days: number;
  cutoff: string;
  startedAt: string;
  finishedAt: string;
  /** Chats something was deleted from; chats under legal hold are never among them. */
  chats: number;
  /** Messages deleted outright. */
  messages: number;
  /** Thread roots emptied to a tombstone because younger replies remain. */
  tombstoned: number;
  revisions: number;
  reactions: number;
  pins: number;
  /** Attachment files no message references any more. */
  files: number;
  /** Sent or failed scheduled messages (which keep a copy of their text). */
  scheduledMessages: number;
}

/**
 * C1: one request the gateway served that read protected content or changed administration,
 * as the audit trail records it: ids and choices only, never message text or search words.
 */
export interface AuditRecordData {
  practiceId: string;
  /** A person id, `svc:<name>` for a service token, or `system:<job>` for background work. */
  actorId: string;
  /** What was done, e.g. `chat.messages.read`, `participant.removed` (gateway/README.md lists them). */
  action: string;
  chatId: string | null;
  /** The other ids the action names (a message, a person, an attachment), in route order. */
  targetIds: string[];
  /** `succeeded` (2xx) or `forbidden` (403): the attempts worth proving (audit README). */
  outcome: 'succeeded' | 'forbidden';
  requestId: string;
  clientIp: string;
  userAgent: string;
  /** Counts and choices (e.g. `{ messages: 'keep' }`), never content. */
  details: Record<string, string>;
}

export interface DomainEvents {
  'participant.v1.person.upserted': { person: PersonData };
  'participant.v1.participant.added': { practiceId: string; participant: ParticipantData };
  /** P2/P3: a membership ended; `messages` says whether theirs are kept (unlinked) or deleted. */
  'participant.v1.participant.removed': {
    practiceId: string;
    chatId: string;
    personId: string;
    removedBy: string;
    messages: 'keep' | 'delete';
  };
  'sharing-policy.v1.practice.upserted': { practice: PracticeData };
  'chat.v1.chat.created': { chat: ChatData };
  /** G3/G6: the owner changed settings; `changed` names the fields (e.g. `locked`). */
  'chat.v1.chat.updated': { chat: ChatData; changed: string[] };
  /** S5: a direct chat became a group chat, for good. */
  'chat.v1.chat.converted': { chat: ChatData };
  'chat.v1.message.created': { practiceId: string; message: MessageData };
  /** G8: edited; the message as it now reads. */
  'chat.v1.message.updated': { practiceId: string; message: MessageData };
  /**
   * `message`: the tombstone; absent when the message is gone outright (P2 delete, P3 leave)
   * and in events written before it was added.
   */
  'chat.v1.message.deleted': { practiceId: string; chatId: string; messageId: string; message?: MessageData };
  /** G7: `message` as it now reads (absent in events written before it was added). */
  'chat.v1.message.pinned': { practiceId: string; chatId: string; messageId: string; message?: MessageData };
  'chat.v1.message.unpinned': {
    practiceId: string;
    chatId: string;
    messageId: string;
    message?: MessageData;
  };
  /**
   * X1: `personId` reacted to (or took back a reaction to) a live message; `personIds` is
   * everyone who now reacts with that emoji, oldest first.
   */
  'chat.v1.reaction.added': ReactionEventData;
  'chat.v1.reaction.removed': ReactionEventData;
  /**
   * X2: a scheduled message could not be sent at its time: the post rules refused it
   * (`reason`, an error code such as `chat_locked` or `not_found`). Its author is notified.
   */
  'chat.v1.scheduled_message.failed': {
    practiceId: string;
    chatId: string;
    authorId: string;
    scheduledMessageId: string;
    reason: string;
  };
  /** C3: the practice owner set the retention period (`days` null: none, kept for good). */
  'chat.v1.retention.set': RetentionSetEventData;
  /** C3: the practice owner put a chat under legal hold: the retention job leaves it alone. */
  'chat.v1.legal_hold.set': { practiceId: string; chatId: string; actorId: string; reason: string };
  /** C3: the practice owner lifted a chat's legal hold. */
  'chat.v1.legal_hold.cleared': { practiceId: string; chatId: string; actorId: string };
  /** C3: one run of the retention job over one practice: counts only, never content or ids of messages. */
  'chat.v1.retention.applied': RetentionAppliedEventData;
  /** U1: a participant's read marker moved (read receipts, for team members). */
  'chat.v1.read_marker.moved': { practiceId: string; chatId: string; personId: string; readSeq: number };
  /** X4: a participant pinned, archived or muted a chat for themselves; realtime tells them only. */
  'chat.v1.personal_state.updated': PersonalStateEventData;
  /** C1: the gateway served an audited request (`occurredAt` is when it answered). */
  'audit.v1.request.recorded': AuditRecordData;
  /**
   * N1: notifications landed in people's inboxes, all of one change in one chat (a post
   * notifies each of its chat's participants but the author): one event, not one per person.
   */
  'notification.v1.notifications.created': {
    practiceId: string;
    chatId: string;
    notifications: Array<{ personId: string; notification: NotificationData }>;
  };
}

export type EventType = keyof DomainEvents;

/**
 * Typing in a chat, over core NATS (never logged): the gateway that gets a
 * typing frame publishes it here, and every gateway holding a socket of one of
 * the chat's participants subscribes. Every other realtime event goes through
 * the realtime log (`REALTIME_LOG_STREAM`), which the gateways read in order.
 */
export const realtimeTypingSubject = (practiceId: string, chatId: string) =>
  `huddle.rtchat.${practiceId}.${chatId}`;

/** A realtime event before the gateway presents it for its viewer. */
export interface RealtimeEvent {
  /** The domain event id: lets a reconnecting socket say what it saw last. */
  id: string;
  /** The past-tense domain event, e.g. `message.created`. */
  type: string;
  practiceId: string;
  chatId: string;
  data: unknown;
  /**
   * A chat's event (on `realtimeChatLogSubject`): the people it is for, as the
   * chat's participants were when it was sent (P4); never shown to a socket.
   * Absent on a person's own events.
   */
  recipients?: string[];
}

/**
 * The realtime log: each realtime event (not typing) is kept for a short while
 * in the JetStream stream `REALTIME_LOG_STREAM`, once per chat for a chat's
 * events and once per person for a person's own. The gateways read it as it is
 * written, which is how events go live (in the log's order), and a socket that
 * reconnects with the last event id it saw catches up from it.
 */
export const REALTIME_LOG_STREAM = 'REALTIME';

/** How long the realtime log keeps an event: 15 minutes. */
export const REALTIME_LOG_MAX_AGE_MS = 15 * 60 * 1000;

/** A person's own events in the realtime log. */
export const realtimeLogSubject = (practiceId: string, personId: string) =>
  `huddle.rtlog.${practiceId}.${personId}`;

/** A chat's events in the realtime log. */
export const realtimeChatLogSubject = (practiceId: string, chatId: string) =>
  `huddle.rtchatlog.${practiceId}.${chatId}`;
