import { randomUUID } from 'node:crypto';
import type { RealtimeEvent } from '@huddle/contracts';

/**
 * Where realtime events for one person come from. The gateway subscribes once
 * per connected person and presents each event for them (DESIGN.md section 3,
 * Realtime); the notification service publishes them.
 */
export interface RealtimeFeed {
  /** Delivers the person's events to `handler`, in order, until the returned function is called. */
  subscribe(practiceId: string, personId: string, handler: (event: RealtimeEvent) => void): () => void;
  /** Resolves once every subscription made so far is live at the broker. */
  flush(): Promise<void>;
  /** Sends an ephemeral event (typing) to one person's sockets, wherever they are connected; never stored. */
  publish(practiceId: string, personId: string, event: RealtimeEvent): void;
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

/**
 * The realtime log: the last few minutes of each person's realtime events
 * (not typing), kept so a socket that reconnects can catch up.
 */
export interface RealtimeLog {
  /**
   * The person's events logged after `lastEventId`, up to the end of the log
   * as it is when the read starts. Gives up (not found) after `timeoutMs`.
   */
  since(
    practiceId: string,
    personId: string,
    lastEventId: string,
    limits: { maxEvents: number; timeoutMs: number },
  ): Promise<CatchUp>;
}
