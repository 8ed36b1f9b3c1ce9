import { type RealtimeEvent, realtimeSubject } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import type { NatsConnection } from '@nats-io/transport-node';
import type { RealtimeFeed } from './port';

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
          handler(event);
        },
      });
      return () => subscription.unsubscribe();
    },
    flush: () => connection.flush(),
    publish: (practiceId, personId, event) =>
      connection.publish(realtimeSubject(practiceId, personId), JSON.stringify(event)),
  };
}
