import { REALTIME_LOG_STREAM, realtimeLogSubject } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** True while the connection is up (for readiness). */
  connected(): boolean;
  /** Flushes and closes: pending publishes and subscriptions finish first. */
  drain(): Promise<void>;
}

export async function connectBus(options: { url: string; name: string; logger: Logger }): Promise<Bus> {
  const nc = await connect({ servers: options.url, name: options.name, maxReconnectAttempts: -1 });
  let up = true;
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') up = false;
      if (status.type === 'reconnect') up = true;
      if (status.type === 'disconnect' || status.type === 'reconnect') {
        options.logger.warn({ nats: status.type }, 'nats connection status changed');
      }
    }
  })();
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js: jetstream(nc),
    jsm,
    connected: () => up && !nc.isClosed(),
    drain: async () => {
      if (!nc.isClosed()) await nc.drain();
    },
  };
}

/** The stream holding a service's domain events: `chat` → `CHAT` with subjects `chat.v1.>`. */
export const streamOf = (service: string) => service.toUpperCase().replace(/-/g, '_');

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates a service's event stream unless it exists. Publishers and consumers
 * both call it, so whichever starts first makes it, with the same settings.
 */
export async function ensureStream(jsm: JetStreamManager, service: string): Promise<string> {
  const name = streamOf(service);
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: [`${service}.v1.>`],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(7 * DAY_MS),
        // Outbox retries within this window are dropped by JetStream (message id).
        duplicate_window: nanos(2 * 60 * 1000),
      });
    } catch (error) {
      // Another process created it between our look and our add.
      await jsm.streams.info(name).catch(() => {
        throw error;
      });
    }
  }
  return name;
}

/** How long, and how much, the realtime log keeps per person (see `ensureRealtimeLog`). */
export const REALTIME_LOG_LIMITS = { maxAgeMs: 15 * 60 * 1000, maxEventsPerPerson: 1_000 } as const;

/**
 * Creates the realtime log stream unless it exists: the last 15 minutes and at
 * most 1,000 events of each person's realtime events, for sockets that
 * reconnect and catch up. Whoever starts first makes it, with the same settings.
 */
export async function ensureRealtimeLog(jsm: JetStreamManager): Promise<string> {
  const name = REALTIME_LOG_STREAM;
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects: [realtimeLogSubject('*', '*')],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(REALTIME_LOG_LIMITS.maxAgeMs),
        max_msgs_per_subject: REALTIME_LOG_LIMITS.maxEventsPerPerson,
        duplicate_window: nanos(2 * 60 * 1000),
      });
    } catch (error) {
      await jsm.streams.info(name).catch(() => {
        throw error;
      });
    }
  }
  return name;
}
