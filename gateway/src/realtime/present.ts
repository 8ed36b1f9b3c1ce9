import type { chatV1, MessageData } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import type { ChatContextLoader } from '../chat-context';
import { presentMessage } from '../presenter';
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

/**
 * Presents realtime events for their viewer. Only event types the presenter
 * knows reach a socket: anything else could carry data the viewer may not see.
 * Access is checked per event against the chat service, so a removed
 * participant's stream for that chat stops at once (P4).
 */
export function realtimePresenter(chats: ChatRpc, contexts: ChatContextLoader): PresentEvent {
  return async (person, event) => {
    if (event.practiceId !== person.practiceId) return null;
    // A realtime event's data is its domain event's data: `{practiceId, message}` for messages.
    const message = (event.data as { message?: unknown } | null)?.message;
    if (event.type !== 'message.created' || !isMessageData(message, event.chatId)) return null;
    try {
      const { chat } = await chats.getChat({ chatId: event.chatId, viewerId: person.personId });
      if (!chat) return null;
      const { context, viewer } = await contexts.forViewer(chat, person.personId);
      return {
        id: event.id,
        type: event.type,
        chatId: event.chatId,
        data: presentMessage(viewer, context, messageOf(message)),
      };
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'not_found') return null;
      throw error;
    }
  };
}
