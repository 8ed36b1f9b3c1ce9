import {
  REALTIME_LOG_MAX_AGE_MS,
  REALTIME_LOG_STREAM,
  realtimeChatLogSubject,
  realtimeLogSubject,
} from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
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
  const nc = await connect({
    servers: options.url,
    name: options.name,
    maxReconnectAttempts: -1,
    // Otherwise every request (each JetStream publish) captures a stack trace up
    // front, in case it times out: a tenth of the fan-out's CPU, for a nicer trace.
    noAsyncTraces: true,
  });
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
 * Creates a stream unless it exists. Publishers and consumers both call this,
 * so whichever starts first makes it, with the same settings.
 */
async function ensure(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<string> {
  let existing: StreamInfo | undefined;
  try {
    existing = await jsm.streams.info(config.name);
  } catch {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      // Another process created it between our look and our add.
      await jsm.streams.info(config.name).catch(() => {
        throw error;
      });
    }
  }
  // A stream made by an older version takes the subjects this one adds.
  const missing = (config.subjects ?? []).filter((subject) => !existing?.config.subjects?.includes(subject));
  if (existing && missing.length > 0)
    await jsm.streams.update(config.name, { subjects: [...(existing.config.subjects ?? []), ...missing] });
  return config.name;
}

/** A service's domain events: `chat` → stream `CHAT` with subjects `chat.v1.>`, kept seven days. */
export function ensureStream(jsm: JetStreamManager, service: string): Promise<string> {
  return ensure(jsm, {
    name: streamOf(service),
    subjects: [`${service}.v1.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(7 * DAY_MS),
    // Outbox retries within this window are dropped by JetStream (message id).
    duplicate_window: nanos(2 * 60 * 1000),
  });
}

/** How long, and how much, the realtime log keeps per chat or person (see `ensureRealtimeLog`). */
export const REALTIME_LOG_LIMITS = { maxAgeMs: REALTIME_LOG_MAX_AGE_MS, maxEventsPerSubject: 1_000 } as const;

/**
 * The realtime log: the last 15 minutes and at most 1,000 of each chat's (and
 * each person's own) realtime events, for sockets that reconnect and catch up.
 */
export function ensureRealtimeLog(jsm: JetStreamManager): Promise<string> {
  return ensure(jsm, {
    name: REALTIME_LOG_STREAM,
    subjects: [realtimeLogSubject('*', '*'), realtimeChatLogSubject('*', '*')],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(REALTIME_LOG_LIMITS.maxAgeMs),
    max_msgs_per_subject: REALTIME_LOG_LIMITS.maxEventsPerSubject,
    duplicate_window: nanos(2 * 60 * 1000),
  });
}
