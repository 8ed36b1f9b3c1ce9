import type { RealtimeEvent } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import { context, inSpan, SpanKind } from '@huddle/telemetry';
import { type RealtimeMetrics, realtimeMetrics } from './metrics';
import { type CatchUp, ephemeralId, memberOf, type RealtimeFeed, type RealtimeLog } from './port';

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

/**
 * Presents one event for a person, or null when they may not see it (P4) or it
 * is not for sockets. `fresh`: check access against the services, not what was
 * cached for live events (a replay of events from before a reconnect).
 */
export type PresentEvent = (
  person: StreamPerson,
  event: RealtimeEvent,
  options?: { fresh?: boolean },
) => Promise<SocketEvent | null>;

export interface StreamLimits {
  /** A socket whose unsent data grows past this is closed rather than buffered without end. */
  maxBufferedBytes: number;
  /** Events waiting to be presented for one person before their sockets are closed as too slow. */
  maxPendingEvents: number;
  /** At most this many missed events are replayed to a reconnecting socket; more means `stream.reset`. Default 1,000. */
  maxCatchUpEvents?: number;
  /** A catch-up not done within this many milliseconds ends in `stream.reset`. Default 5,000. */
  catchUpTimeoutMs?: number;
  /** Open sockets one person may hold on this gateway; one more is closed with 4429 (issue 11). */
  maxSocketsPerPerson: number;
}

/** How a socket's stream began; `refused`: the person already holds as many sockets as allowed, and it was closed. */
export type StreamStart = 'live' | 'caught-up' | 'reset' | 'refused';

export const socketClose = {
  /** Bad or missing token (4000-4999 is the application range; 4401 mirrors HTTP 401). */
  unauthenticated: 4401,
  forbidden: 4403,
  /** The person already holds `maxSocketsPerPerson` open sockets here (4429 mirrors HTTP 429); close one first. */
  tooManySockets: 4429,
  /** The client keeps sending frames the stream does not understand. */
  unsupportedData: 1003,
  /** Try again later: the client is too slow or the gateway cannot present events now. */
  tryAgainLater: 1013,
} as const;

const OPEN = 1;

/** Live events for a socket still catching up, held (bounded) until the missed ones are sent. */
interface Held {
  events: Array<{ id: string; type: string; payload: string }>;
  bytes: number;
  /** Past the bounds: the held events were dropped and the socket will be told to refetch. */
  overflowed: boolean;
}

interface Listener {
  person: StreamPerson;
  sockets: Set<StreamSocket>;
  catchingUp: Map<StreamSocket, Held>;
  unsubscribe: () => void;
  /** Presentation is async; chaining keeps each person's events in order. */
  queue: Promise<void>;
  pending: number;
  /** Ids of the latest events received: delivery is at least once, and a repeat is dropped. */
  recent: Set<string>;
  /** The chats whose events this person receives here. */
  chats: Set<string>;
  /** Chats just joined whose log is being read: their live events wait here, to follow what the log gives. */
  joining: Map<string, RealtimeEvent[]>;
  /** Chats the person left within the realtime log's window, when they connected or since: a catch-up may find their last event there. */
  left: Set<string>;
  /** Resolves once the person's chats are followed; unset until asked, or after it failed. */
  following?: Promise<void>;
}

/** The connected people of one chat, sharing the chat's one subscription. */
interface Followers {
  people: Set<Listener>;
  unsubscribe: () => void;
}

/** The ids of the chats a person takes part in, and of those they left lately (the chat service's answer). */
export type ChatsOf = (person: StreamPerson) => Promise<{ chatIds: string[]; leftChatIds: string[] }>;

/** How many event ids per person are remembered to drop repeats. */
const RECENT_EVENTS = 512;
/**
 * How long a resumed socket remembers the events replayed to it. The same
 * events may still come live: one already queued for presenting when the
 * catch-up ended, or one logged before the catch-up read the log whose live
 * copy arrives after it. Each is sent once.
 */
const REPLAYED_MEMORY_MS = 30_000;

/**
 * The connected people of this gateway. A chat's events come once per chat,
 * on one subscription shared by every connected participant of it, and name
 * their recipients (the chat's participants when the event was sent, P4): each
 * is presented for those of the chat's connected people it names, once per
 * person, not once per socket. A person's own events (notifications, their
 * chat state) come on one subscription per person. A person's chats are asked
 * of the chat service when they connect, and followed anew when they are
 * added to one (their own `participant.added`); one they were removed from
 * or left is dropped with their own `chat.left`, and its events name them no
 * more from the removal on.
 */
export class StreamHub {
  private readonly listeners = new Map<string, Listener>();
  private readonly followers = new Map<string, Followers>();
  /** Per resumed socket, the ids of the events its catch-up sent (see REPLAYED_MEMORY_MS). */
  private readonly replayedTo = new WeakMap<StreamSocket, Set<string>>();
  private readonly metrics: RealtimeMetrics = realtimeMetrics();

  constructor(
    private readonly feed: RealtimeFeed,
    private readonly present: PresentEvent,
    private readonly logger: Pick<Logger, 'warn'>,
    private readonly limits: StreamLimits,
    private readonly log: RealtimeLog,
    private readonly chatsOf: ChatsOf,
  ) {
    // Events published while the feed was away reached no socket here, and none would learn of the
    // gap: each resumes with its last event id and gets what it missed from the realtime log.
    feed.onGap(() => {
      for (const listener of this.listeners.values()) {
        this.closeAll(listener, 'Events may have been missed; resume from your last event');
      }
    });
  }

  /** People with at least one open socket here. */
  get connectedPeople(): number {
    return this.listeners.size;
  }

  /** Chats followed here, each with one subscription. */
  get followedChats(): number {
    return this.followers.size;
  }

  /**
   * Resolves once the person's subscription is live, so nothing published
   * after it is missed. With `lastEventId` (a reconnect), the socket first gets
   * the events it missed after that id, presented as live ones are, then the
   * live events that came meanwhile (each once); or, when the id is not in the
   * realtime log or catching up would pass its bounds, `stream.reset` (the
   * client refetches over REST).
   */
  async attach(person: StreamPerson, socket: StreamSocket, lastEventId?: string): Promise<StreamStart> {
    const listener = this.listenerFor(person);
    if (!listener.sockets.has(socket)) {
      // Counted here, before any await, so sockets attaching at the same moment cannot all slip under the cap.
      if (listener.sockets.size >= this.limits.maxSocketsPerPerson) {
        socket.close(socketClose.tooManySockets, 'Too many open streams for this person');
        return 'refused';
      }
      this.metrics.socketOpened();
    }
    if (lastEventId === undefined) {
      listener.sockets.add(socket);
      await this.followingOf(listener);
      await this.feed.flush();
      return 'live';
    }
    const held: Held = { events: [], bytes: 0, overflowed: false };
    // Live events are held from the moment of subscribing, so none falls between the log and live.
    listener.catchingUp.set(socket, held);
    listener.sockets.add(socket);
    // The ids the socket saw or was replayed. Remembered however the catch-up ends: one that ends in
    // `stream.reset` after replaying some events leaves the socket live, and their live copies still to
    // come (queued for presenting, or arriving late) must not reach it a second time.
    const replayed = new Set([lastEventId]);
    try {
      await this.followingOf(listener);
      await this.feed.flush();
      const caughtUp = await this.catchUp(listener, socket, lastEventId, held, replayed);
      if (!caughtUp || held.overflowed) {
        this.send(
          socket,
          JSON.stringify({ id: ephemeralId(), type: 'stream.reset', chatId: null, data: {} }),
        );
        return 'reset';
      }
      for (const event of held.events) {
        if (!replayed.has(event.id)) this.send(socket, event.payload, event.type);
      }
      return 'caught-up';
    } finally {
      listener.catchingUp.delete(socket);
      this.replayedTo.set(socket, replayed);
      setTimeout(() => this.replayedTo.delete(socket), REPLAYED_MEMORY_MS).unref();
    }
  }

  /**
   * Sends the missed events to the socket, adding each id to `replayed` as it
   * goes; false when the socket must refetch (some may have been sent by then).
   */
  private async catchUp(
    listener: Listener,
    socket: StreamSocket,
    lastEventId: string,
    held: Held,
    replayed: Set<string>,
  ): Promise<boolean> {
    const timeoutMs = this.limits.catchUpTimeoutMs ?? 5_000;
    const deadline = Date.now() + timeoutMs;
    const { person } = listener;
    let missed: CatchUp;
    try {
      // Chats left lately too: the last event seen may be there; their later events do not name the person (P4).
      const chatIds = [...new Set([...listener.chats, ...listener.left])];
      missed = await this.log.since({ ...person, chatIds }, lastEventId, {
        maxEvents: this.limits.maxCatchUpEvents ?? 1_000,
        timeoutMs,
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'realtime log not read; the socket will refetch');
      return false;
    }
    if (!missed.found) {
      // Why a socket has to refetch: the id aged out, too much was missed, or the log was slow.
      this.logger.warn({ reason: 'not in the realtime log or too many missed' }, 'stream reset');
      return false;
    }
    // Access may have changed while the socket was away (P4): each chat's first replayed event is checked anew.
    const checked = new Set<string>();
    for (const event of missed.events) {
      if (socket.readyState !== OPEN || held.overflowed || Date.now() > deadline) {
        this.logger.warn(
          {
            reason: held.overflowed ? 'live events overflowed' : 'catch-up too slow',
            missed: missed.events.length,
          },
          'stream reset',
        );
        return false;
      }
      let presented: SocketEvent | null;
      try {
        // The same presenter as live events: access and identities as they are now (P4, G5).
        presented = await this.present(person, event, { fresh: !checked.has(event.chatId) });
        // P4: their own chat.left is shown without loading the chat, and live it ends the chat's
        // events for them; one logged after it (its recipients read just before the removal) is
        // checked anew, so a cached membership cannot let it through.
        if (event.type === 'chat.left') checked.delete(event.chatId);
        else checked.add(event.chatId);
      } catch (error) {
        this.logger.warn(
          { err: error, eventId: event.id, eventType: event.type },
          'missed event not presented',
        );
        return false;
      }
      replayed.add(event.id);
      if (presented) this.send(socket, JSON.stringify(presented), presented.type);
    }
    return true;
  }

  private listenerFor(person: StreamPerson): Listener {
    const key = keyOf(person);
    const existing = this.listeners.get(key);
    if (existing) return existing;
    const created: Listener = {
      person,
      sockets: new Set(),
      catchingUp: new Map(),
      unsubscribe: () => {},
      queue: Promise.resolve(),
      pending: 0,
      recent: new Set(),
      chats: new Set(),
      joining: new Map(),
      left: new Set(),
    };
    created.unsubscribe = this.feed.subscribe(person.practiceId, person.personId, (event) =>
      this.receiveOwn(created, event),
    );
    this.listeners.set(key, created);
    return created;
  }

  /** Follows the person's chats, once; a failure is not kept, so the next socket asks again. */
  private followingOf(listener: Listener): Promise<void> {
    listener.following ??= this.chatsOf(listener.person).then(
      ({ chatIds, leftChatIds }) => {
        for (const chatId of chatIds) this.follow(listener, chatId);
        listener.left = new Set(leftChatIds);
      },
      (error: unknown) => {
        listener.following = undefined;
        throw error;
      },
    );
    return listener.following;
  }

  private follow(listener: Listener, chatId: string): void {
    // A person whose sockets all closed meanwhile follows nothing.
    if (listener.chats.has(chatId) || this.listeners.get(keyOf(listener.person)) !== listener) return;
    listener.chats.add(chatId);
    const key = chatKeyOf(listener.person.practiceId, chatId);
    let followers = this.followers.get(key);
    if (!followers) {
      const created: Followers = { people: new Set(), unsubscribe: () => {} };
      created.unsubscribe = this.feed.subscribeChat(listener.person.practiceId, chatId, (event) =>
        this.receiveChat(created, event),
      );
      this.followers.set(key, created);
      followers = created;
    }
    followers.people.add(listener);
  }

  private unfollow(listener: Listener, chatId: string): void {
    if (!listener.chats.delete(chatId)) return;
    const key = chatKeyOf(listener.person.practiceId, chatId);
    const followers = this.followers.get(key);
    if (!followers?.people.delete(listener) || followers.people.size > 0) return;
    this.followers.delete(key);
    followers.unsubscribe();
  }

  /** A chat's event goes to the connected people it names, and to no one else (P4). */
  private receiveChat(followers: Followers, event: RealtimeEvent): void {
    const recipients = new Set(event.recipients ?? []);
    for (const listener of [...followers.people]) {
      if (!recipients.has(listener.person.personId)) continue;
      const held = listener.joining.get(event.chatId);
      if (held) held.push(event);
      else this.receive(listener, event);
    }
  }

  /**
   * A person's own event; their own `participant.added` makes them follow that
   * chat, their `chat.left` (removed or left, P4) stop following it.
   */
  private receiveOwn(listener: Listener, event: RealtimeEvent): void {
    this.receive(listener, event);
    if (memberOf(event) !== listener.person.personId) return;
    if (event.type === 'participant.added')
      this.joined(listener, event).catch((error: unknown) => {
        this.logger.warn({ err: error }, 'realtime log not read for a chat just joined');
        this.closeAll(listener, 'Events cannot be delivered now; reconnect shortly');
      });
    if (event.type === 'chat.left') {
      this.unfollow(listener, event.chatId);
      // A socket of theirs that resumes later may have seen the chat's last events before it.
      listener.left.add(event.chatId);
    }
  }

  /**
   * Follows a chat the person was just added to. The chat's events sent
   * before the subscription was live are in its log, around the person's
   * `participant.added`: they are read from there, and the live events that
   * came meanwhile follow them (a repeat is dropped). When the log cannot say,
   * the person's sockets close and resume from their last event id, which
   * reads the same log.
   */
  private async joined(listener: Listener, added: RealtimeEvent): Promise<void> {
    const { chatId } = added;
    if (listener.chats.has(chatId)) return;
    const live: RealtimeEvent[] = [];
    listener.joining.set(chatId, live);
    this.follow(listener, chatId);
    try {
      await this.feed.flush();
      const missed = await this.log.joined({ ...listener.person, chatId }, added.id, {
        maxEvents: this.limits.maxCatchUpEvents ?? 1_000,
        // Only this chat's live events wait meanwhile, not the socket: it may take longer than a catch-up.
        timeoutMs: JOIN_TIMEOUT_FACTOR * (this.limits.catchUpTimeoutMs ?? 5_000),
      });
      if (!missed.found) throw new Error('the chat just joined is not in the realtime log');
      // P4: their chat.left came while the log was read, and nothing of the chat follows it.
      if (!listener.chats.has(chatId)) return;
      for (const event of missed.events) this.receive(listener, event);
    } finally {
      listener.joining.delete(chatId);
      if (listener.chats.has(chatId)) for (const event of live) this.receive(listener, event);
    }
  }

  detach(person: StreamPerson, socket: StreamSocket): void {
    const key = keyOf(person);
    const listener = this.listeners.get(key);
    if (!listener?.sockets.delete(socket)) return;
    this.metrics.socketClosed();
    if (listener.sockets.size > 0) return;
    this.listeners.delete(key);
    listener.unsubscribe();
    for (const chatId of [...listener.chats]) this.unfollow(listener, chatId);
  }

  private receive(listener: Listener, event: RealtimeEvent): void {
    const { person } = listener;
    if (listener.recent.has(event.id)) return;
    listener.recent.add(event.id);
    if (listener.recent.size > RECENT_EVENTS) listener.recent.delete(listener.recent.values().next().value!);
    if (listener.pending >= this.limits.maxPendingEvents) {
      this.closeAll(listener, 'Too many events waiting; reconnect and catch up');
      return;
    }
    listener.pending += 1;
    // The trace the event came with (see the feed) goes on to the socket writes.
    const trace = context.active();
    listener.queue = listener.queue
      .then(() =>
        inSpan(
          'realtime deliver',
          { kind: SpanKind.CONSUMER, parent: trace, attributes: { 'huddle.realtime.type': event.type } },
          async () => {
            const presented = await this.present(person, event);
            if (presented) this.broadcast(listener, presented, JSON.stringify(presented));
          },
        ),
      )
      .catch((error: unknown) => {
        // Losing an event silently would leave a gap; closing makes the client reconnect and catch up.
        this.logger.warn(
          { err: error, eventId: event.id, eventType: event.type },
          'realtime event not presented',
        );
        this.closeAll(listener, 'Events cannot be delivered now; reconnect shortly');
      })
      .finally(() => {
        listener.pending -= 1;
      });
  }

  private broadcast(listener: Listener, event: SocketEvent, payload: string): void {
    for (const socket of listener.sockets) {
      if (this.replayedTo.get(socket)?.has(event.id)) continue;
      const held = listener.catchingUp.get(socket);
      if (held) this.hold(held, event, payload);
      else this.send(socket, payload, event.type);
    }
  }

  private hold(held: Held, { id, type }: SocketEvent, payload: string): void {
    if (held.overflowed) return;
    held.bytes += Buffer.byteLength(payload);
    held.events.push({ id, type, payload });
    if (held.events.length > this.limits.maxPendingEvents || held.bytes > this.limits.maxBufferedBytes) {
      held.overflowed = true;
      held.events = [];
      held.bytes = 0;
    }
  }

  /** Writes a frame to the socket; an event's frame (with its type) is counted as a delivery. */
  private send(socket: StreamSocket, payload: string, eventType?: string): void {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount + Buffer.byteLength(payload) > this.limits.maxBufferedBytes) {
      socket.close(socketClose.tryAgainLater, 'Too slow to receive events');
      return;
    }
    socket.send(payload);
    if (eventType) this.metrics.delivered(eventType);
  }

  private closeAll(listener: Listener, reason: string): void {
    for (const socket of listener.sockets) socket.close(socketClose.tryAgainLater, reason);
  }
}

/** How many catch-up timeouts a join's read of one chat's log may take. */
const JOIN_TIMEOUT_FACTOR = 3;

const keyOf = (person: StreamPerson) => `${person.practiceId}\u0000${person.personId}`;

const chatKeyOf = (practiceId: string, chatId: string) => `${practiceId}\u0000${chatId}`;
