import { randomUUID } from 'node:crypto';
import type { RealtimeEvent } from '@huddle/contracts';

/**
 * Where realtime events come from (DESIGN.md section 3, Realtime): a chat's
 * events once per chat, naming their recipients, and a person's own events
 * (notifications, their chat state) once per person. The gateway subscribes to
 * the chats of its connected people and to each of those people, and presents
 * each event for the viewers it is for. The notification service writes them
 * to the realtime log, and the feed reads them from there, in the log's order.
 */
export interface RealtimeFeed {
  /** Delivers the person's own events to `handler`, in order, until the returned function is called. */
  subscribe(practiceId: string, personId: string, handler: (event: RealtimeEvent) => void): () => void;
  /** Delivers the chat's events to `handler`, in order, until the returned function is called. */
  subscribeChat(practiceId: string, chatId: string, handler: (event: RealtimeEvent) => void): () => void;
  /** Resolves once every subscription made so far is live at the broker. */
  flush(): Promise<void>;
  /**
   * Sends an ephemeral chat event (typing) to the sockets of its `recipients`,
   * wherever they are connected; never stored.
   */
  publish(practiceId: string, chatId: string, event: RealtimeEvent & { recipients: string[] }): void;
  /**
   * Calls `handler` each time live events may have been missed: the broker
   * connection was lost and is back, and what was published meanwhile (or
   * before the subscriptions were renewed) reached no subscriber here.
   */
  onGap(handler: () => void): void;
}

/** Ephemeral events carry ids of their own: they are never stored, so a stream cannot resume from them. */
export const ephemeralId = () => `eph_${randomUUID()}`;

/** What a person missed, read from the realtime log, oldest first. */
export type CatchUp =
  | { found: true; events: RealtimeEvent[] }
  /** The id is not in the log (too old, unknown, or the log is away), or more was missed than `maxEvents`. */
  | { found: false };

/** Whose events a catch-up reads: the person's own and their chats'. */
export interface CatchUpScope {
  practiceId: string;
  personId: string;
  chatIds: string[];
}

/**
 * The realtime log: the last few minutes of each chat's realtime events and
 * of each person's own (not typing), kept so a socket that reconnects can
 * catch up.
 */
export interface RealtimeLog {
  /**
   * The events for the person (a chat's only when they are among its
   * recipients) logged after `lastEventId`, in the order they were logged, up
   * to the end of the log as it is when the read starts. Gives up (not found)
   * after `timeoutMs`.
   */
  since(
    scope: CatchUpScope,
    lastEventId: string,
    limits: { maxEvents: number; timeoutMs: number },
  ): Promise<CatchUp>;
  /**
   * A chat's events for a person just added to it: those naming them logged
   * after their `participant.added` (`addedId`), and those logged just before
   * it that already name them. A chat's messages and its membership changes
   * reach the log through different consumers, so a message posted right
   * after the add may be logged before it; the look back stops at the
   * person's previous membership event. Not found as `since`.
   */
  joined(
    scope: { practiceId: string; personId: string; chatId: string },
    addedId: string,
    limits: { maxEvents: number; timeoutMs: number },
  ): Promise<CatchUp>;
}

/**
 * Whom a membership event (`participant.added` or `.removed`, or a person's own `chat.left`)
 * is about; undefined for other events.
 */
export function memberOf(event: RealtimeEvent): unknown {
  const data = (event.data ?? {}) as { personId?: unknown; participant?: { personId?: unknown } };
  if (event.type === 'participant.added') return data.participant?.personId;
  if (event.type === 'participant.removed' || event.type === 'chat.left') return data.personId;
  return undefined;
}
