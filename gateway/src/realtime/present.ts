import type { chatV1, MessageData } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import type { ChatContextLoader } from '../chat-context';
import { presentChat, presentMessage } from '../presenter';
import type { ChatRpc } from '../services';
import type { PresentEvent } from './hub';

/** A realtime message as the chat service's Message, so it is presented exactly as REST presents it. */
export function messageOf(data: MessageData): chatV1.Message {
  return {
    id: data.id,
    chatId: data.chatId,
    seq: data.seq,
    parentId: data.parentId ?? undefined,
    authorId: data.authorId ?? undefined,
    body: data.body,
    mentions: data.mentions ?? [],
    attachmentIds: data.attachmentIds ?? [],
    attachments: [],
    latestReplies: [],
    pinned: false,
    createdAt: new Date(data.createdAt),
    replyCount: 0,
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
    typeof data.createdAt === 'string'
  );
}

/** Events naming one message by id: what changed is in the type. */
const messageEvents = new Set(['message.deleted', 'message.pinned', 'message.unpinned']);

/**
 * Presents realtime events for their viewer. Only event types the presenter
 * knows reach a socket: anything else could carry data the viewer may not see.
 * Access is checked per event against the chat service, so a removed
 * participant's stream for that chat stops at once (P4).
 *
 * - `message.created`, `message.updated`: the message, presented as REST does (G4, G5).
 * - `message.deleted`, `message.pinned`, `message.unpinned`: `{messageId}`.
 * - `chat.updated`: the chat as it now is, presented for the viewer (G3, G6).
 * - `read_marker.moved`: `{personId, readSeq}`, for team members only (U1).
 */
export function realtimePresenter(chats: ChatRpc, contexts: ChatContextLoader): PresentEvent {
  return async (person, event) => {
    if (event.practiceId !== person.practiceId) return null;
    const data = (event.data ?? {}) as Record<string, unknown>;
    // A realtime event's data is its domain event's data: `{practiceId, message}` for messages.
    const message = event.type.startsWith('message.') ? data.message : undefined;
    const known =
      ((event.type === 'message.created' || event.type === 'message.updated') &&
        isMessageData(message, event.chatId)) ||
      (messageEvents.has(event.type) && typeof data.messageId === 'string') ||
      event.type === 'chat.updated' ||
      (event.type === 'read_marker.moved' &&
        typeof data.personId === 'string' &&
        typeof data.readSeq === 'number');
    if (!known) return null;
    try {
      const { chat } = await chats.getChat({ chatId: event.chatId, viewerId: person.personId });
      if (!chat) return null;
      const { context, viewer } = await contexts.forViewer(chat, person.personId);
      const presented = (payload: unknown) => ({
        id: event.id,
        type: event.type,
        chatId: event.chatId,
        data: payload,
      });
      if (isMessageData(message, event.chatId)) {
        return presented(presentMessage(viewer, context, messageOf(message)));
      }
      if (messageEvents.has(event.type)) return presented({ messageId: data.messageId });
      if (event.type === 'chat.updated') return presented(presentChat(viewer, context));
      // Read receipts are for team members only (U1).
      if (viewer.kind !== 'practitioner') return null;
      return presented({ personId: data.personId, readSeq: data.readSeq });
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'not_found') return null;
      throw error;
    }
  };
}
