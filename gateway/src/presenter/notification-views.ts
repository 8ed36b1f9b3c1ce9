import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import type { ChatRpc } from '../services';
import type { ChatContextLoader } from './chat-context';
import type { ChatContext, Viewer } from './index';
import type { NotificationView } from './notifications';

/** A chat's not_found means the caller no longer takes part (A1, P4): nothing to show, not an error. */
async function unlessGone<T>(loading: Promise<T>): Promise<T | undefined> {
  try {
    return await loading;
  } catch (error) {
    if (error instanceof HuddleError && error.code === 'not_found') return undefined;
    throw error;
  }
}

/** The messages of one chat a viewer's notifications name, as they read now. */
export async function messagesFor(
  chats: Pick<ChatRpc, 'getMessages'>,
  caller: { practiceId: string; personId: string },
  chatId: string,
  messageIds: string[],
): Promise<Map<string, chatV1.Message>> {
  if (messageIds.length === 0) return new Map();
  const answer = await unlessGone(
    chats.getMessages({ practiceId: caller.practiceId, chatId, viewerId: caller.personId, messageIds }),
  );
  return new Map((answer?.messages ?? []).map((message) => [message.id, message]));
}

/** X6: a notification's view from a chat and context already loaded (the realtime presenter has them). */
export async function notificationView(
  chats: Pick<ChatRpc, 'getMessages'>,
  caller: { practiceId: string; personId: string },
  presented: { context: ChatContext; viewer: Viewer },
  messageIds: string[],
): Promise<NotificationView> {
  const messages = await messagesFor(chats, caller, presented.context.chat.id, messageIds);
  return { ...presented, messages };
}

/**
 * X6: for an inbox page, what its viewer may see now of each chat it names, by chat id;
 * chats they no longer take part in are absent. One set of look-ups per chat, not per item.
 */
export async function notificationViews(
  chats: Pick<ChatRpc, 'getChat' | 'getMessages'>,
  contexts: ChatContextLoader,
  caller: { practiceId: string; personId: string },
  notifications: ReadonlyArray<{ chatId: string; messageId: string | null }>,
): Promise<Map<string, NotificationView>> {
  const messageIdsByChat = new Map<string, Set<string>>();
  for (const { chatId, messageId } of notifications) {
    const ids = messageIdsByChat.get(chatId) ?? new Set<string>();
    if (messageId) ids.add(messageId);
    messageIdsByChat.set(chatId, ids);
  }
  const views = await Promise.all(
    [...messageIdsByChat].map(async ([chatId, messageIds]) => {
      const found = await unlessGone(
        chats.getChat({ practiceId: caller.practiceId, chatId, viewerId: caller.personId }),
      );
      if (!found?.chat || found.chat.practiceId !== caller.practiceId) return undefined;
      const presented = await unlessGone(contexts.forViewer(found.chat, caller.personId));
      if (!presented) return undefined;
      return [chatId, await notificationView(chats, caller, presented, [...messageIds])] as const;
    }),
  );
  return new Map(views.filter((view) => view !== undefined));
}
