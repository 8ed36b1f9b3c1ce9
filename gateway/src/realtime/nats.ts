import {
  REALTIME_LOG_STREAM,
  type RealtimeEvent,
  realtimeLogSubject,
  realtimeSubject,
} from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import { continueTrace } from '@huddle/telemetry';
import {
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type StoredMsg,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { CatchUp, RealtimeFeed, RealtimeLog } from './port';

function isRealtimeEvent(value: unknown): value is RealtimeEvent {
  const event = value as Partial<RealtimeEvent> | null;
  return (
    typeof event === 'object' &&
    event !== null &&
    typeof event.id === 'string' &&
    typeof event.type === 'string' &&
    typeof event.practiceId === 'string' &&
    typeof event.chatId === 'string'
  );
}

/** The realtime feed over core NATS: one subscription per person subject (`realtimeSubject`). */
export function natsRealtimeFeed(connection: NatsConnection, logger: Logger): RealtimeFeed {
  return {
    subscribe(practiceId, personId, handler) {
      const subscription = connection.subscribe(realtimeSubject(practiceId, personId), {
        callback: (error, message) => {
          if (error) {
            logger.warn({ err: error }, 'realtime subscription failed');
            return;
          }
          let event: unknown;
          try {
            event = message.json();
          } catch {
            event = undefined;
          }
          // Log the subject only: the payload may hold message content.
          if (!isRealtimeEvent(event)) {
            logger.warn({ subject: message.subject }, 'ignored a malformed realtime event');
            return;
          }
          // The event's trace (from the notification service's headers) goes on to the socket write.
          continueTrace(message.headers, () => handler(event));
        },
      });
      return () => subscription.unsubscribe();
    },
    flush: () => connection.flush(),
    publish: (practiceId, personId, event) =>
      connection.publish(realtimeSubject(practiceId, personId), JSON.stringify(event)),
    onGap(handler) {
      // Core NATS keeps nothing for a subscriber while it is away: every event
      // published between the disconnect and the renewed subscriptions is gone.
      void (async () => {
        for await (const status of connection.status()) {
          if (status.type === 'reconnect') handler();
        }
      })();
    },
  };
}

/**
 * The realtime log over JetStream (stream `REALTIME`, one subject per person,
 * written by the notification service before it sends each event live). A
 * catch-up reads the person's subject with an ordered consumer, from the
 * oldest kept event up to the newest one at the start of the read.
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

  return {
    async since(practiceId, personId, lastEventId, { maxEvents, timeoutMs }): Promise<CatchUp> {
      const subject = realtimeLogSubject(practiceId, personId);
      let newest: StoredMsg | null;
      try {
        newest = await (await managerOf()).streams.getMessage(REALTIME_LOG_STREAM, { last_by_subj: subject });
      } catch (error) {
        if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound)
          return { found: false };
        throw error;
      }
      if (!newest) return { found: false };
      const end = newest.seq;

      const consumer = await js.consumers.get(REALTIME_LOG_STREAM, { filter_subjects: subject });
      const messages = await consumer.consume({ max_messages: 256 });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        void messages.close();
      }, timeoutMs);
      timer.unref();
      let found = false;
      const events: RealtimeEvent[] = [];
      try {
        for await (const message of messages) {
          let event: unknown;
          try {
            event = message.json();
          } catch {
            event = undefined;
          }
          if (!isRealtimeEvent(event)) {
            logger.warn({ subject: message.subject, seq: message.seq }, 'ignored a malformed logged event');
          } else if (found) {
            events.push(event);
            if (events.length > maxEvents) {
              logger.warn({ maxEvents }, 'realtime log catch-up: too many missed');
              return { found: false };
            }
          } else if (event.id === lastEventId) {
            found = true;
          }
          if (message.seq >= end) break;
        }
      } finally {
        clearTimeout(timer);
        await messages.close();
      }
      if (found && !timedOut) return { found: true, events };
      logger.warn({ found, timedOut, read: events.length }, 'realtime log catch-up incomplete');
      return { found: false };
    },
  };
}
