import { setTimeout as sleep } from 'node:timers/promises';
import { ensureRealtimeLog } from '@huddle/bus';
import {
  REALTIME_LOG_STREAM,
  type RealtimeEvent,
  realtimeChatLogSubject,
  realtimeLogSubject,
  realtimeTypingSubject,
} from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import { continueTrace } from '@huddle/telemetry';
import {
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { type CatchUp, memberOf, type RealtimeFeed, type RealtimeLog } from './port';

function isRealtimeEvent(value: unknown): value is RealtimeEvent {
  const event = value as Partial<RealtimeEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.practiceId === 'string' &&
    typeof event.chatId === 'string' &&
    (event.recipients === undefined ||
      (Array.isArray(event.recipients) && event.recipients.every((id) => typeof id === 'string')))
  );
}

/**
 * The realtime feed. A chat's events and a person's own come from the realtime
 * log itself: one ordered JetStream consumer per gateway reads each event as
 * it is logged, in the log's order, and hands it to those here who follow its
 * subject (one nobody here follows is skipped unread). Reading the log, not a
 * live copy its writers publish, keeps a resume exact: with two writers (two
 * notification replicas) each publishing live after its own write, a gateway
 * could send a later event before an earlier one, and a socket resuming from
 * the earlier one's id was replayed the later one a second time. It also means
 * nothing goes live that is not logged. Typing, never logged, travels on core
 * NATS (`realtimeTypingSubject`).
 */
export function natsRealtimeFeed(connection: NatsConnection, logger: Logger): NatsRealtimeFeed {
  const followers = new Map<string, Set<(event: RealtimeEvent) => void>>();
  const gapHandlers: Array<() => void> = [];
  const gap = () => {
    for (const handler of gapHandlers) handler();
  };
  let consuming: ConsumerMessages | undefined;
  let closed = false;
  let live = false;

  const parse = (data: { json(): unknown }, subject: string): RealtimeEvent | undefined => {
    let event: unknown;
    try {
      event = data.json();
    } catch {
      event = undefined;
    }
    // Log the subject only: the payload may hold message content.
    if (isRealtimeEvent(event)) return event;
    logger.warn({ subject }, 'ignored a malformed realtime event');
    return undefined;
  };

  const dispatch = (message: JsMsg) => {
    const handlers = followers.get(message.subject);
    if (!handlers) return;
    const event = parse(message, message.subject);
    if (!event) return;
    // The event's trace (from the notification service's headers) goes on to the socket write.
    continueTrace(message.headers, () => {
      for (const handler of [...handlers]) handler(event);
    });
  };

  const follow = (subject: string, handler: (event: RealtimeEvent) => void) => {
    const handlers = followers.get(subject) ?? new Set();
    followers.set(subject, handlers);
    handlers.add(handler);
    return () => {
      handlers.delete(handler);
      if (handlers.size === 0 && followers.get(subject) === handlers) followers.delete(subject);
    };
  };

  /**
   * Reads the log from its end on, for as long as the gateway runs. The ordered consumer
   * recreates itself where it left off when it misses an event or its heartbeats; when it
   * stops (given up, or closed at a reconnect), a new one starts from the end, and the events
   * logged between reached no socket here: a gap.
   */
  const read = async () => {
    for (let attempt = 0; !closed && !connection.isClosed(); attempt++) {
      try {
        const jsm = await jetstreamManager(connection);
        // The log may not be made yet (the notification service makes it too): made here, same settings.
        await ensureRealtimeLog(jsm);
        const consumer = await jetstream(connection).consumers.getPushConsumer(REALTIME_LOG_STREAM, {
          deliver_policy: DeliverPolicy.New,
        });
        const messages = await consumer.consume({ callback: dispatch });
        consuming = messages;
        live = true;
        if (attempt > 0) gap();
        attempt = 0;
        void (async () => {
          for await (const status of messages.status()) {
            if (status.type === 'heartbeats_missed') live = false;
            if (status.type === 'ordered_consumer_recreated') live = true;
          }
        })();
        await messages.closed();
      } catch (error) {
        if (!closed) logger.warn({ err: error }, 'realtime log not read; retrying');
      }
      live = false;
      if (!closed && !connection.isClosed()) await sleep(Math.min(5_000, 200 * 2 ** attempt));
    }
  };
  void read();

  // After a NATS reconnect the consumer may be gone (a killed server keeps no ephemeral consumer,
  // and may have lost its last writes and numbered new events over them): a new one starts from
  // the log's end, and the gap it reports sends the sockets here to the log for what they missed.
  // Typing (core NATS) sent meanwhile is gone, as it may be.
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === 'reconnect') void consuming?.close();
    }
  })();

  return {
    subscribe: (practiceId, personId, handler) => follow(realtimeLogSubject(practiceId, personId), handler),
    subscribeChat(practiceId, chatId, handler) {
      const unfollow = follow(realtimeChatLogSubject(practiceId, chatId), handler);
      const typing = connection.subscribe(realtimeTypingSubject(practiceId, chatId), {
        callback: (error, message) => {
          if (error) {
            logger.warn({ err: error }, 'typing subscription failed');
            return;
          }
          const event = parse(message, message.subject);
          if (event) handler(event);
        },
      });
      return () => {
        unfollow();
        typing.unsubscribe();
      };
    },
    // A subject followed here takes every event the consumer reads from now on, and those logged
    // before are in the log: only the typing subscriptions need the broker's word.
    flush: () => connection.flush(),
    publish: (practiceId, chatId, event) =>
      connection.publish(realtimeTypingSubject(practiceId, chatId), JSON.stringify(event)),
    onGap: (handler) => void gapHandlers.push(handler),
    get live() {
      return live;
    },
    async close() {
      closed = true;
      await consuming?.close();
    },
  };
}

/** The feed over NATS, with whether its reading of the log is live (for readiness). */
export interface NatsRealtimeFeed extends RealtimeFeed {
  readonly live: boolean;
  close(): Promise<void>;
}

/** How many log subjects a catch-up reads at once. */
const CONCURRENT_READS = 8;

/** An event read from the log with its place in the stream. */
interface Logged {
  seq: number;
  event: RealtimeEvent;
}

/**
 * The realtime log over JetStream (stream `REALTIME`, a subject per chat and
 * per person, written by the notification service before it sends each event
 * live). A catch-up reads each of the person's subjects that holds anything
 * with an ordered consumer, from the oldest kept event up to the newest one at
 * the start of the read, and merges them in stream order.
 */
export function natsRealtimeLog(connection: NatsConnection, logger: Logger): RealtimeLog {
  const js = jetstream(connection);
  let manager: Promise<JetStreamManager> | undefined;
  const managerOf = () => {
    manager ??= jetstreamManager(connection).catch((error: unknown) => {
      manager = undefined;
      throw error;
    });
    return manager;
  };

  /** The newest message of a subject, or null when it holds none (or there is no log). */
  async function newest(subject: string): Promise<StoredMsg | null> {
    try {
      return await (await managerOf()).streams.getMessage(REALTIME_LOG_STREAM, { last_by_subj: subject });
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
      throw error;
    }
  }

  /** Every event of one subject up to its newest at the start of the read; null when time ran out. */
  async function read(subject: string, signal: { timedOut: boolean; closers: Set<() => void> }) {
    const last = await newest(subject);
    if (!last) return [];
    const consumer = await js.consumers.get(REALTIME_LOG_STREAM, { filter_subjects: subject });
    const messages = await consumer.consume({ max_messages: 256 });
    const close = () => void messages.close();
    signal.closers.add(close);
    const logged: Logged[] = [];
    try {
      for await (const message of messages) {
        let event: unknown;
        try {
          event = message.json();
        } catch {
          event = undefined;
        }
        if (isRealtimeEvent(event)) logged.push({ seq: message.seq, event });
        else logger.warn({ subject: message.subject, seq: message.seq }, 'ignored a malformed logged event');
        if (message.seq >= last.seq) break;
      }
    } finally {
      signal.closers.delete(close);
      await messages.close();
    }
    return signal.timedOut ? null : logged;
  }

  /** Every event of the subjects up to their newest at the start of the read, in stream order; null when time ran out. */
  async function readAll(subjects: string[], timeoutMs: number): Promise<Logged[] | null> {
    const signal = { timedOut: false, closers: new Set<() => void>() };
    const timer = setTimeout(() => {
      signal.timedOut = true;
      for (const close of signal.closers) close();
    }, timeoutMs);
    timer.unref();
    const logged: Logged[] = [];
    try {
      const pending = [...subjects];
      const worker = async () => {
        for (let subject = pending.pop(); subject !== undefined; subject = pending.pop()) {
          if (signal.timedOut) return;
          const events = await read(subject, signal);
          if (events === null) return;
          logged.push(...events);
        }
      };
      await Promise.all(Array.from({ length: Math.min(CONCURRENT_READS, subjects.length) }, worker));
    } finally {
      clearTimeout(timer);
    }
    if (signal.timedOut) {
      logger.warn({ subjects: subjects.length, read: logged.length }, 'realtime log catch-up timed out');
      return null;
    }
    return logged.sort((a, b) => a.seq - b.seq);
  }

  /** The person's events among `logged` (a chat's only when they are among its recipients, P4), each once. */
  function forPerson(personId: string, logged: Logged[], seen: Set<string>, maxEvents: number): CatchUp {
    const events: RealtimeEvent[] = [];
    for (const { event } of logged) {
      if (seen.has(event.id)) continue;
      if (event.recipients && !event.recipients.includes(personId)) continue;
      seen.add(event.id);
      events.push(event);
      if (events.length > maxEvents) {
        logger.warn({ maxEvents }, 'realtime log catch-up: too many missed');
        return { found: false };
      }
    }
    return { found: true, events };
  }

  function notFound(logged: Logged[]): CatchUp {
    logger.warn({ read: logged.length }, 'realtime log catch-up: last event id not found');
    return { found: false };
  }

  return {
    async since(scope, lastEventId, { maxEvents, timeoutMs }): Promise<CatchUp> {
      const { practiceId, personId } = scope;
      const logged = await readAll(
        [
          realtimeLogSubject(practiceId, personId),
          ...scope.chatIds.map((chatId) => realtimeChatLogSubject(practiceId, chatId)),
        ],
        timeoutMs,
      );
      if (logged === null) return { found: false };
      const from = logged.findIndex(({ event }) => event.id === lastEventId);
      if (from < 0) return notFound(logged);
      return forPerson(personId, logged.slice(from + 1), new Set([lastEventId]), maxEvents);
    },

    async joined({ practiceId, personId, chatId }, addedId, { maxEvents, timeoutMs }): Promise<CatchUp> {
      const logged = await readAll([realtimeChatLogSubject(practiceId, chatId)], timeoutMs);
      if (logged === null) return { found: false };
      const at = logged.findIndex(({ event }) => event.id === addedId);
      if (at < 0) return notFound(logged);
      // Back from the add, to the person's previous membership event: what already names them was sent
      // after the add committed (its recipients are read at delivery time) but logged before it.
      let from = at;
      while (from > 0 && memberOf(logged[from - 1]!.event) !== personId) from -= 1;
      const before = logged.slice(from, at).filter(({ event }) => event.recipients?.includes(personId));
      return forPerson(personId, [...before, ...logged.slice(at + 1)], new Set([addedId]), maxEvents);
    },
  };
}
