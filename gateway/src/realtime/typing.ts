import { HuddleError } from '@huddle/errors';
import type { ChatContextLoader } from '../presenter/chat-context';
import type { ChatRpc } from '../services';
import type { StreamPerson } from './hub';
import { ephemeralId, type RealtimeFeed } from './port';

export interface TypingOptions {
  /** At most one typing event per person and chat in this window; the rest are ignored. */
  intervalMs?: number;
  /** How long a membership answer (yes or no) is reused. */
  membershipTtlMs?: number;
  /** Bounds both caches, so a client naming endless chats cannot grow them. */
  maxEntries?: number;
  now?: () => number;
}

/** A map that forgets its oldest entries beyond a size. */
function bounded<V>(max: number) {
  const map = new Map<string, V>();
  return {
    get: (key: string) => map.get(key),
    set(key: string, value: V) {
      map.delete(key);
      map.set(key, value);
      while (map.size > max) map.delete(map.keys().next().value as string);
    },
  };
}

/**
 * Typing indicators: a client says it is typing in a chat; its other
 * participants' sockets hear of it, wherever they are connected (core NATS,
 * the chat's subject, naming them as recipients), and nothing is stored. Only a participant may type
 * (checked against the chat service, the answer cached briefly); each person
 * sends at most one event per chat per interval. The receiving gateways
 * present it per viewer and check the typist is still a participant (P4).
 */
export class TypingIndicators {
  private readonly sent;
  private readonly members;
  private readonly intervalMs: number;
  private readonly membershipTtlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly chats: Pick<ChatRpc, 'getChat'>,
    private readonly contexts: ChatContextLoader,
    private readonly feed: Pick<RealtimeFeed, 'publish'>,
    { intervalMs = 2_000, membershipTtlMs = 5_000, maxEntries = 10_000, now = Date.now }: TypingOptions = {},
  ) {
    this.intervalMs = intervalMs;
    this.membershipTtlMs = membershipTtlMs;
    this.now = now;
    this.sent = bounded<number>(maxEntries);
    this.members = bounded<{ expiresAt: number; others: Promise<string[] | null> }>(maxEntries);
  }

  /** Resolves with whether an event went out; a non-participant or an excess event is ignored. */
  async typing(person: StreamPerson, chatId: string): Promise<boolean> {
    const key = `${person.practiceId}\u0000${person.personId}\u0000${chatId}`;
    const at = this.now();
    const last = this.sent.get(key);
    if (last !== undefined && at - last < this.intervalMs) return false;
    this.sent.set(key, at);
    const others = await this.othersIn(key, person, chatId);
    if (!others) return false;
    const event = {
      id: ephemeralId(),
      type: 'typing',
      practiceId: person.practiceId,
      chatId,
      data: { personId: person.personId },
    };
    this.feed.publish(person.practiceId, chatId, { ...event, recipients: others });
    return true;
  }

  /** The chat's other participants, or null when the person is not one of them (A1). */
  private othersIn(key: string, person: StreamPerson, chatId: string): Promise<string[] | null> {
    const cached = this.members.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.others;
    const others = this.load(person, chatId);
    this.members.set(key, { expiresAt: this.now() + this.membershipTtlMs, others });
    // A failure is not an answer: the next event asks again.
    others.catch(() => this.members.set(key, { expiresAt: 0, others }));
    return others;
  }

  private async load(person: StreamPerson, chatId: string): Promise<string[] | null> {
    try {
      const { chat } = await this.chats.getChat({
        practiceId: person.practiceId,
        chatId,
        viewerId: person.personId,
      });
      if (!chat || chat.practiceId !== person.practiceId) return null;
      const { context } = await this.contexts.forViewer(chat, person.personId);
      return context.participants.map((p) => p.personId).filter((id) => id !== person.personId);
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'not_found') return null;
      throw error;
    }
  }
}
