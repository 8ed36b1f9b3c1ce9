import type { chatV1, MessageData, ReactionData, RealtimeEvent } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import { type ExpiringCache, expiringCache } from '../expiring-cache';
import {
  type ChatContext,
  presentChat,
  presentDeparted,
  presentMessage,
  presentPerson,
  type Viewer,
} from '../presenter';
import type { ChatContextLoader } from '../presenter/chat-context';
import { notificationView } from '../presenter/notification-views';
import { presentNotification, type StoredNotification } from '../presenter/notifications';
import type { ChatRpc, ParticipantRpc } from '../services';
import type { PresentEvent, SocketEvent, StreamPerson } from './hub';

const date = (iso: string | null | undefined) => (iso ? new Date(iso) : undefined);

/** X1: an event's reactors per emoji as one viewer sees them: counted, and whether they are among them. */
const reactionsFor = (viewerId: string, reactions: ReactionData[] | undefined): chatV1.Reaction[] =>
  (Array.isArray(reactions) ? reactions : []).map(({ emoji, personIds }) => ({
    emoji,
    count: personIds.length,
    reactedByMe: personIds.includes(viewerId),
  }));

/**
 * A realtime message as the chat service's Message for one viewer (reactedByMe is theirs),
 * so it is presented exactly as REST presents it.
 */
export function messageOf(data: MessageData, viewerId: string): chatV1.Message {
  return {
    id: data.id,
    chatId: data.chatId,
    seq: data.seq,
    parentId: data.parentId ?? undefined,
    authorId: data.authorId ?? undefined,
    body: data.body,
    mentions: data.mentions ?? [],
    attachmentIds: data.attachmentIds ?? [],
    attachments: (data.attachments ?? []).map((file) => ({ ...file, createdAt: date(file.createdAt) })),
    latestReplies: [],
    pinned: data.pinned ?? false,
    editedAt: date(data.editedAt),
    deletedAt: date(data.deletedAt),
    createdAt: new Date(data.createdAt),
    replyCount: data.replyCount ?? 0,
    reactions: reactionsFor(viewerId, data.reactions),
  };
}

function isMessageData(value: unknown, chatId: string): value is MessageData {
  const data = value as Partial<MessageData> | null;
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof data.id === 'string' &&
    data.chatId === chatId &&
    typeof data.seq === 'number' &&
    typeof data.body === 'string' &&
    typeof data.createdAt === 'string' &&
    (data.attachments === undefined || Array.isArray(data.attachments)) &&
    (data.reactions === undefined || (Array.isArray(data.reactions) && data.reactions.every(isReactionData)))
  );
}

const isReactionData = (value: unknown): value is ReactionData => {
  const data = record(value);
  return isString(data.emoji) && Array.isArray(data.personIds) && data.personIds.every(isString);
};

/** X6: how many posted messages are kept per person for their notifications, and for how many people. */
const JUST_POSTED_PER_PERSON = 8;
const JUST_POSTED_PEOPLE = 10_000;

/** Events naming one message by id (what changed is in the type), with the message as it now reads. */
const messageEvents = new Set(['message.deleted', 'message.pinned', 'message.unpinned']);

const isString = (value: unknown): value is string => typeof value === 'string';
const record = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** The realtime event types a socket may receive, each with the check its data must pass. */
const knownEvents: Record<string, (data: Record<string, unknown>, chatId: string) => boolean> = {
  'message.created': (data, chatId) => isMessageData(data.message, chatId),
  'message.updated': (data, chatId) => isMessageData(data.message, chatId),
  'message.deleted': (data) => isString(data.messageId),
  'message.pinned': (data) => isString(data.messageId),
  'message.unpinned': (data) => isString(data.messageId),
  'chat.updated': () => true,
  'chat.converted': () => true,
  'reaction.added': (data) => isString(data.messageId) && isReactionData(data) && isString(data.personId),
  'reaction.removed': (data) => isString(data.messageId) && isReactionData(data) && isString(data.personId),
  'read_marker.moved': (data) => isString(data.personId) && typeof data.readSeq === 'number',
  'participant.added': (data, chatId) =>
    record(data.participant).chatId === chatId && isString(record(data.participant).personId),
  'participant.removed': (data, chatId) => data.chatId === chatId && isString(data.personId),
  'chat.left': (data, chatId) => data.chatId === chatId && isString(data.personId),
  'notification.created': (data, chatId) =>
    data.chatId === chatId && isString(data.id) && isString(data.type),
  'personal_state.updated': (data, chatId) =>
    data.chatId === chatId &&
    isString(data.personId) &&
    typeof data.pinned === 'boolean' &&
    typeof data.archived === 'boolean',
  typing: (data) => isString(data.personId),
};

/**
 * A load shared by every viewer through `cache`; one that failed for the viewer
 * who started it (one just removed, say) is asked again as this one.
 */
function sharedLoad<T>(
  cache: ExpiringCache<T>,
  key: string,
  load: () => Promise<T>,
  fresh = false,
): Promise<T> {
  let loadedForThisViewer = false;
  const loading = cache.get(
    key,
    () => {
      loadedForThisViewer = true;
      return load();
    },
    { fresh },
  );
  return loadedForThisViewer ? loading : loading.catch(() => load());
}

/**
 * The part of an event for one viewer: the notifications of one change travel
 * once on their chat's subject, keyed by person (`byPerson`), and each person
 * is shown their own and nobody else's (N1).
 */
function ownPart(event: RealtimeEvent, personId: string): RealtimeEvent | null {
  const byPerson = record(event.data).byPerson;
  if (event.type !== 'notification.created' || byPerson === undefined) return event;
  const own = Object.hasOwn(record(byPerson), personId) ? record(byPerson)[personId] : undefined;
  return own === undefined ? null : { ...event, data: own };
}

/**
 * P4: a person's own notice that they are out of a chat, for them alone: never one that came on
 * a chat's subject (with recipients) or names someone else. The chat is not loaded (they may
 * no longer read it), and nothing but its id is shown: not who removed them, nor anything of it.
 */
function chatLeftFor(person: StreamPerson, event: RealtimeEvent): SocketEvent | null {
  if (event.recipients !== undefined || record(event.data).personId !== person.personId) return null;
  return { id: event.id, type: 'chat.left', chatId: event.chatId, data: { chatId: event.chatId } };
}

/** Whether a realtime event is of a type sockets receive, with the data that type needs. */
export const isPresentable = (event: RealtimeEvent) =>
  knownEvents[event.type]?.(record(event.data), event.chatId) === true;

/**
 * Presents realtime events for their viewer. Only event types the presenter
 * knows reach a socket: anything else could carry data the viewer may not see.
 * Every event is chat-scoped and checked against the chat's participants for
 * the viewer when presented (a list at most a second and a half old, and
 * loaded anew on every membership event), so a removed participant gets
 * nothing more for that chat, not even a notification queued before the
 * removal (P4). A replay (`fresh`, the first event of each chat a reconnecting
 * socket catches up on) asks the chat service and the participant list anew.
 * People are presented through the presenter for this viewer (G4, G5, P2).
 *
 * - `message.created`, `message.updated`: the message, presented as REST does.
 * - `message.deleted`, `message.pinned`, `message.unpinned`: `{messageId, message}`, the
 *   message presented as REST now shows it (the tombstone after a delete), or null when it
 *   is gone outright.
 * - `chat.updated`, `chat.converted`: the chat as it now is, for the viewer (G3, G6, S5, S6).
 * - `reaction.added`, `reaction.removed`: `{messageId, emoji, count, reactedByMe, person}`:
 *   the emoji's count after the change, whether the viewer is among its reactors, and who
 *   reacted, presented for the viewer (X1, G5).
 * - `read_marker.moved`: `{personId, readSeq}`, for team members only (U1).
 * - `participant.added`: `{person, role}`; `participant.removed`: `{person, messages}`.
 * - `chat.left`: `{chatId}` and nothing else, to the person removed (P2) or leaving (P3) alone,
 *   from their own subject: the one thing their stream says of a chat they are out of (P4).
 * - `notification.created`: the inbox item as REST shows it, with chat, actor and snippet (N1, X6).
 * - `personal_state.updated`: `{pinned, archived, mutedUntil}`, to that person only (X4).
 * - `typing`: `{person}`, never to the typist themselves.
 */
export function realtimePresenter(
  chats: ChatRpc,
  contexts: ChatContextLoader,
  directory: Pick<ParticipantRpc, 'getPeople'>,
  { chatTtlMs = 1_500 }: { chatTtlMs?: number } = {},
): PresentEvent {
  /**
   * The chats events are about, asked of the chat service once for every viewer
   * on this gateway rather than once per viewer and event. Who may see an event
   * is then the participant list's answer (`contexts.forViewer`). A change to a
   * chat reaches each participant as an event before any later one, and that
   * event is presented with the chat loaded anew, so no later event of theirs
   * is presented with the chat as it was before the change (G5, G6, S5).
   */
  const seenChats = expiringCache<chatV1.Chat | undefined>({ ttlMs: chatTtlMs, maxEntries: 2_000 });

  const chatAsSeenBy = async (person: StreamPerson, chatId: string) =>
    (await chats.getChat({ practiceId: person.practiceId, chatId, viewerId: person.personId })).chat;

  const chatFor = (person: StreamPerson, chatId: string, fresh: boolean) =>
    sharedLoad(seenChats, chatId, () => chatAsSeenBy(person, chatId), fresh);

  /**
   * X6: the message a notification names, for its actor and snippet, likewise
   * asked once for every viewer (a post notifies each participant but its
   * author). Loaded anew once an edit or a deletion of it is presented here,
   * and for every message of a chat someone left (P2: their authorship may be
   * unlinked); otherwise kept as long as a chat is.
   */
  const seenMessages = expiringCache<chatV1.GetMessagesResponse>({ ttlMs: chatTtlMs, maxEntries: 10_000 });
  const membersGeneration = new Map<string, number>();
  const messageKey = (chatId: string, messageId: string) =>
    `${chatId}:${membersGeneration.get(chatId) ?? 0}:${messageId}`;
  const messagesOnce: Pick<ChatRpc, 'getMessages'> = {
    getMessages: (request) => {
      const [messageId] = request.messageIds;
      if (request.messageIds.length !== 1 || !messageId) return chats.getMessages(request);
      return sharedLoad(seenMessages, messageKey(request.chatId, messageId), () =>
        chats.getMessages(request),
      );
    },
  };

  /**
   * X6: the messages each person was just shown as posted, for the notifications of them
   * that usually follow on the chat's subject: those need no GetMessages. Any other event
   * of theirs in between (an edit, a deletion, a removal, P2) drops them all, so a
   * notification never shows more than the events before it in that person's own order did.
   */
  const justPosted = new Map<string, Map<string, chatV1.Message>>();
  const personKey = (person: StreamPerson) => `${person.practiceId}:${person.personId}`;

  function rememberPosted(person: StreamPerson, message: MessageData): void {
    const key = personKey(person);
    const posted = justPosted.get(key) ?? new Map<string, chatV1.Message>();
    posted.set(message.id, messageOf(message, person.personId));
    if (posted.size > JUST_POSTED_PER_PERSON) posted.delete(posted.keys().next().value!);
    justPosted.delete(key);
    justPosted.set(key, posted);
    if (justPosted.size > JUST_POSTED_PEOPLE) justPosted.delete(justPosted.keys().next().value!);
  }

  /** The message a notification names, if this person was just shown it posted (consumed). */
  function takePosted(person: StreamPerson, chatId: string, messageId: string | null) {
    const posted = justPosted.get(personKey(person));
    const message = messageId ? posted?.get(messageId) : undefined;
    if (!message || message.chatId !== chatId) return undefined;
    posted!.delete(message.id);
    return message;
  }

  /** What an event changes in what is shared between viewers. */
  function forgetChanged(event: RealtimeEvent, data: Record<string, unknown>) {
    if (event.type === 'message.updated' || event.type === 'message.deleted') {
      const messageId = isString(data.messageId) ? data.messageId : record(data.message).id;
      if (isString(messageId)) seenMessages.forget(messageKey(event.chatId, messageId));
    }
    if (event.type === 'participant.removed')
      membersGeneration.set(event.chatId, (membersGeneration.get(event.chatId) ?? 0) + 1);
  }

  async function present(
    person: StreamPerson,
    event: RealtimeEvent,
    fresh: boolean,
  ): Promise<SocketEvent | null> {
    const data = record(event.data);
    forgetChanged(event, data);
    if (event.type !== 'message.created' && event.type !== 'notification.created')
      justPosted.delete(personKey(person));
    const chatChanged = event.type === 'chat.updated' || event.type === 'chat.converted';
    const chat = await chatFor(person, event.chatId, fresh || chatChanged);
    if (!chat || chat.practiceId !== person.practiceId) return null;
    // Membership changes must be presented with the members as they are now, not as cached.
    const membersChanged = event.type.startsWith('participant.') || event.type === 'chat.converted';
    const { context, viewer } = await contexts.forViewer(chat, person.personId, {
      fresh: fresh || membersChanged,
    });
    const payload = await presentData(person, event.type, data, chat, context, viewer);
    if (event.type === 'message.created') rememberPosted(person, data.message as MessageData);
    return payload === null ? null : { id: event.id, type: event.type, chatId: event.chatId, data: payload };
  }

  async function presentData(
    person: StreamPerson,
    type: string,
    data: Record<string, unknown>,
    chat: chatV1.Chat,
    context: ChatContext,
    viewer: Viewer,
  ): Promise<unknown> {
    switch (type) {
      case 'message.created':
      case 'message.updated':
        return presentMessage(viewer, context, messageOf(data.message as MessageData, viewer.personId));
      case 'chat.updated':
      case 'chat.converted':
        return presentChat(viewer, context);
      case 'reaction.added':
      case 'reaction.removed': {
        // X1: counted and reactedByMe for this viewer; the reactor presented as anywhere else,
        // so a client of an identity-hiding group sees another client only by pseudonym (G5).
        const [reaction] = reactionsFor(viewer.personId, [data as unknown as ReactionData]);
        return {
          messageId: data.messageId,
          emoji: reaction!.emoji,
          count: reaction!.count,
          reactedByMe: reaction!.reactedByMe,
          person: presentPerson(viewer, context, data.personId as string),
        };
      }
      case 'read_marker.moved':
        // Read receipts are for team members only (U1).
        return viewer.kind === 'practitioner' ? { personId: data.personId, readSeq: data.readSeq } : null;
      case 'participant.added': {
        const participant = record(data.participant);
        return {
          person: presentPerson(viewer, context, participant.personId as string),
          role: participant.role ?? null,
        };
      }
      case 'participant.removed': {
        const personId = data.personId as string;
        const { people } = await directory.getPeople({ practiceId: chat.practiceId, personIds: [personId] });
        return {
          person: presentDeparted(viewer, context, personId, people[0]),
          messages: data.messages === 'delete' ? 'delete' : 'keep',
        };
      }
      case 'notification.created': {
        const notification: StoredNotification = {
          id: data.id as string,
          type: data.type as StoredNotification['type'],
          chatId: chat.id,
          messageId: isString(data.messageId) ? data.messageId : null,
          createdAt: isString(data.createdAt) ? data.createdAt : null,
          readAt: null,
          actorId: isString(data.actorId) ? data.actorId : null,
        };
        // X6: the message as the viewer reads it now, for the actor and the snippet: as they
        // were just shown it posted, or else as the chat service answers.
        const posted = takePosted(person, chat.id, notification.messageId);
        if (posted)
          return presentNotification(notification, {
            context,
            viewer,
            messages: new Map([[posted.id, posted]]),
          });
        const caller = { practiceId: chat.practiceId, personId: viewer.personId };
        const messageIds = notification.messageId ? [notification.messageId] : [];
        const view = await notificationView(messagesOnce, caller, { context, viewer }, messageIds);
        return presentNotification(notification, view);
      }
      case 'personal_state.updated':
        // X4: someone's own state of a chat is theirs alone.
        if (data.personId !== viewer.personId) return null;
        return {
          pinned: data.pinned,
          archived: data.archived,
          // Caught up on later, a mute may have run out meanwhile.
          mutedUntil:
            isString(data.mutedUntil) && new Date(data.mutedUntil) > new Date() ? data.mutedUntil : null,
        };
      case 'typing': {
        const typist = data.personId as string;
        if (typist === viewer.personId || !context.participants.some((p) => p.personId === typist))
          return null;
        return { person: presentPerson(viewer, context, typist) };
      }
      default:
        if (!messageEvents.has(type)) return null;
        return {
          messageId: data.messageId,
          // Null when the message is gone outright (P2 delete, P3), or for an event older than this field.
          message: isMessageData(data.message, chat.id)
            ? presentMessage(viewer, context, messageOf(data.message, viewer.personId))
            : null,
        };
    }
  }

  return async (person, event, { fresh = false } = {}) => {
    const own = ownPart(event, person.personId);
    if (!own || own.practiceId !== person.practiceId || !isPresentable(own)) return null;
    if (own.type === 'chat.left') {
      // Their removal drops what they were just shown posted (see justPosted), as any other event does.
      justPosted.delete(personKey(person));
      return chatLeftFor(person, own);
    }
    try {
      return await present(person, own, fresh);
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'not_found') return null;
      throw error;
    }
  };
}
