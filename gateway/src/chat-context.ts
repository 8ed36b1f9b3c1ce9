import type { chatV1, participantV1 } from '@huddle/contracts';
import { notFound } from '@huddle/errors';
import { expiringCache } from './expiring-cache';
import { type ChatContext, type Viewer, viewerIn } from './presenter';
import type { ChatRpc, ParticipantRpc } from './services';

interface Members {
  participants: participantV1.Participant[];
  people: Map<string, participantV1.Person>;
}

export interface ChatContextLoader {
  /**
   * The context to present `chat` for `viewerId`, who must be one of its
   * participants (A1): otherwise the chat does not exist for them.
   */
  forViewer(
    chat: chatV1.Chat,
    viewerId: string,
    options?: { fresh?: boolean },
  ): Promise<{ context: ChatContext; viewer: Viewer }>;
  /** Drops a chat's cached members, after this gateway changed them (P2, P4, S2, S5). */
  forget(chatId: string): void;
}

export interface ChatContextCacheOptions {
  /** How long a chat's participants and people are reused; short, so removals (P2, P4) show at once. */
  ttlMs?: number;
  /** How many chats are remembered at most; the oldest entries go first. */
  maxChats?: number;
  now?: () => number;
}

/**
 * Loads a chat's participants and their directory entries for the presenter,
 * used by REST and the realtime stream alike. A short per-chat cache lets a
 * burst of realtime events for one chat, fanned out to many viewers on this
 * gateway, cost one pair of calls instead of one per event and viewer.
 */
export function createChatContextLoader(
  participant: ParticipantRpc,
  { ttlMs = 1_500, maxChats = 2_000, now = Date.now }: ChatContextCacheOptions = {},
): ChatContextLoader {
  const cache = expiringCache<Members>({ ttlMs, maxEntries: maxChats, now });

  async function fetchMembers(chat: chatV1.Chat): Promise<Members> {
    const { participants } = await participant.listParticipants({ chatId: chat.id });
    const personIds = participants.map((member) => member.personId);
    const { people } =
      personIds.length > 0
        ? await participant.getPeople({ practiceId: chat.practiceId, personIds })
        : { people: [] };
    return { participants, people: new Map(people.map((person) => [person.id, person])) };
  }

  const members = (chat: chatV1.Chat, fresh: boolean) =>
    cache.get(chat.id, () => fetchMembers(chat), { fresh });

  return {
    async forViewer(chat, viewerId, options = {}) {
      for (const fresh of options.fresh ? [true] : [false, true]) {
        const context = { chat, ...(await members(chat, fresh)) };
        const viewer = viewerIn(context, viewerId);
        if (viewer) return { context, viewer };
        // A cached list may predate the viewer joining: look once more before saying no.
      }
      throw notFound('Chat');
    },
    forget(chatId) {
      cache.forget(chatId);
    },
  };
}

/**
 * The chat as one of its participants sees it, ready to present in (A1: the
 * chat service answers not_found to anyone else, including another practice).
 * REST routes start here; the realtime presenter has its own (drop, not 404).
 */
export async function viewChat(
  chats: Pick<ChatRpc, 'getChat'>,
  contexts: ChatContextLoader,
  caller: { practiceId: string; personId: string },
  chatId: string,
  options: { fresh?: boolean } = {},
): Promise<{ context: ChatContext; viewer: Viewer }> {
  const { chat } = await chats.getChat({ practiceId: caller.practiceId, chatId, viewerId: caller.personId });
  if (!chat) throw notFound('Chat');
  return contexts.forViewer(chat, caller.personId, options);
}
