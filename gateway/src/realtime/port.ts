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
}
