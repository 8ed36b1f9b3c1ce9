import type { RealtimeEvent } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import type { RealtimeFeed } from './port';

/** The part of a WebSocket the hub uses. */
export interface StreamSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: string): void;
  close(code: number, reason: string): void;
}

/** What a socket receives: an event as its viewer may see it (DESIGN.md section 4, socket events). */
export interface SocketEvent {
  id: string;
  type: string;
  chatId: string;
  data: unknown;
}

export interface StreamPerson {
  practiceId: string;
  personId: string;
}

/** Presents one event for a person, or null when they may not see it (P4) or it is not for sockets. */
export type PresentEvent = (person: StreamPerson, event: RealtimeEvent) => Promise<SocketEvent | null>;

export interface StreamLimits {
  /** A socket whose unsent data grows past this is closed rather than buffered without end. */
  maxBufferedBytes: number;
  /** Events waiting to be presented for one person before their sockets are closed as too slow. */
  maxPendingEvents: number;
}

export const socketClose = {
  /** Bad or missing token (4000-4999 is the application range; 4401 mirrors HTTP 401). */
  unauthenticated: 4401,
  forbidden: 4403,
  /** The client keeps sending frames the stream does not understand. */
  unsupportedData: 1003,
  /** Try again later: the client is too slow or the gateway cannot present events now. */
  tryAgainLater: 1013,
} as const;

const OPEN = 1;

interface Listener {
  sockets: Set<StreamSocket>;
  unsubscribe: () => void;
  /** Presentation is async; chaining keeps each person's events in order. */
  queue: Promise<void>;
  pending: number;
}

/**
 * The connected people of this gateway: one feed subscription per person,
 * shared by all of that person's sockets, and each event presented once per
 * person, not once per socket.
 */
export class StreamHub {
  private readonly listeners = new Map<string, Listener>();

  constructor(
    private readonly feed: RealtimeFeed,
    private readonly present: PresentEvent,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly limits: StreamLimits,
  ) {}

  /** People with at least one open socket here. */
  get connectedPeople(): number {
    return this.listeners.size;
  }

  /** Resolves once the person's subscription is live, so nothing published after it is missed. */
  attach(person: StreamPerson, socket: StreamSocket): Promise<void> {
    const key = keyOf(person);
    let listener = this.listeners.get(key);
    if (!listener) {
      const created: Listener = {
        sockets: new Set(),
        unsubscribe: () => {},
        queue: Promise.resolve(),
        pending: 0,
      };
      created.unsubscribe = this.feed.subscribe(person.practiceId, person.personId, (event) =>
        this.receive(person, created, event),
      );
      this.listeners.set(key, created);
      listener = created;
    }
    listener.sockets.add(socket);
    return this.feed.flush();
  }

  detach(person: StreamPerson, socket: StreamSocket): void {
    const key = keyOf(person);
    const listener = this.listeners.get(key);
    if (!listener?.sockets.delete(socket) || listener.sockets.size > 0) return;
    this.listeners.delete(key);
    listener.unsubscribe();
  }

  private receive(person: StreamPerson, listener: Listener, event: RealtimeEvent): void {
    if (listener.pending >= this.limits.maxPendingEvents) {
      this.closeAll(listener, 'Too many events waiting; reconnect and catch up');
      return;
    }
    listener.pending += 1;
    listener.queue = listener.queue
      .then(() => this.present(person, event))
      .then(
        (presented) => {
          if (presented) this.broadcast(listener, JSON.stringify(presented));
        },
        (error: unknown) => {
          // Losing an event silently would leave a gap; closing makes the client reconnect and catch up.
          this.logger.warn(
            { err: error, eventId: event.id, eventType: event.type },
            'realtime event not presented',
          );
          this.closeAll(listener, 'Events cannot be delivered now; reconnect shortly');
        },
      )
      .finally(() => {
        listener.pending -= 1;
      });
  }

  private broadcast(listener: Listener, payload: string): void {
    for (const socket of listener.sockets) {
      if (socket.readyState !== OPEN) continue;
      if (socket.bufferedAmount + Buffer.byteLength(payload) > this.limits.maxBufferedBytes) {
        socket.close(socketClose.tryAgainLater, 'Too slow to receive events');
        continue;
      }
      socket.send(payload);
    }
  }

  private closeAll(listener: Listener, reason: string): void {
    for (const socket of listener.sockets) socket.close(socketClose.tryAgainLater, reason);
  }
}

const keyOf = (person: StreamPerson) => `${person.practiceId}\u0000${person.personId}`;
