import { join } from 'node:path';
import {
  type Bus,
  type ConsumerSpec,
  connectBus,
  ensureStream,
  Outbox,
  pruneInbox,
  startConsumer,
} from '@huddle/bus';
import { commonEnv, Type } from '@huddle/config';
import { type DatabaseHandle, fromDatabaseError, openDatabase } from '@huddle/db';
import { type GrpcServer, type Hosted, startGrpcServer } from '@huddle/grpc';
import { createLogger, type Logger } from '@huddle/logging';
import { metricsText, serveMetrics } from '@huddle/telemetry';
import { observeService } from './metrics';

/**
 * Environment keys of every service process (DESIGN.md section 3). Each
 * service has its own default ports, so all four run side by side on one host.
 */
export const serviceEnv = (defaultGrpcPort: number, defaultMetricsPort: number) => ({
  ...commonEnv,
  GRPC_HOST: Type.String({ default: '0.0.0.0' }),
  GRPC_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultGrpcPort }),
  /** Prometheus `/metrics` over HTTP, on GRPC_HOST; 0 picks a free port. */
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultMetricsPort }),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATABASE_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
  DATA_DIR: Type.String({ default: '.data' }),
});

/** Where the other services listen; each service declares the ones it calls. */
export const addressEnv = {
  CHAT_ADDR: Type.String({ default: '127.0.0.1:50051' }),
  PARTICIPANT_ADDR: Type.String({ default: '127.0.0.1:50052' }),
  SHARING_POLICY_ADDR: Type.String({ default: '127.0.0.1:50053' }),
  NOTIFICATION_ADDR: Type.String({ default: '127.0.0.1:50054' }),
};

export interface RuntimeConfig {
  log: { level: string };
  grpc: { host: string; port: number };
  /** Where Prometheus scrapes `/metrics`: the gRPC host, a port of its own. */
  metrics: { host: string; port: number };
  database: { url?: string | undefined; dataDir: string; poolSize: number };
  nats: { url: string };
  shutdownTimeoutMs: number;
}

/** The runtime part of a service's config, from its parsed environment. */
export function runtimeConfig(
  service: string,
  env: {
    LOG_LEVEL: string;
    GRPC_HOST: string;
    GRPC_PORT: number;
    METRICS_PORT: number;
    DATABASE_URL?: string | undefined;
    DATABASE_POOL_SIZE: number;
    DATA_DIR: string;
    NATS_URL: string;
    SHUTDOWN_TIMEOUT_MS: number;
    OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  },
): RuntimeConfig {
  return {
    log: { level: env.LOG_LEVEL },
    grpc: { host: env.GRPC_HOST, port: env.GRPC_PORT },
    metrics: { host: env.GRPC_HOST, port: env.METRICS_PORT },
    database: {
      url: env.DATABASE_URL,
      dataDir: join(env.DATA_DIR, service),
      poolSize: env.DATABASE_POOL_SIZE,
    },
    nats: { url: env.NATS_URL },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}

/** What a service's composition root gets to build its use-cases from. */
export interface ServiceContext {
  logger: Logger;
  db: DatabaseHandle;
  bus: Bus;
  outbox: Outbox;
}

export interface ServiceParts {
  services: Hosted[];
  // biome-ignore lint/suspicious/noExplicitAny: consumers of different event types live in one list
  consumers?: ConsumerSpec<any>[];
  /** Extra work to stop before the database and bus close (e.g. clients of other services). */
  stop?: () => Promise<void>;
}

export interface RunningService {
  readonly grpcPort: number;
  /** Where `/metrics` is served (the configured METRICS_PORT, or the one picked for 0). */
  readonly metricsPort: number;
  readonly logger: Logger;
  stop(): Promise<void>;
}

const HEALTH_INTERVAL_MS = 5_000;
const INBOX_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Starts a service: logger → metrics server → database (migrated) → NATS (own
 * stream) → outbox relay → the service's parts → consumers → gRPC server; and
 * stops them in reverse order within the shutdown deadline. Health reports
 * SERVING only while the database and NATS answer.
 */
export async function runService(options: {
  name: string;
  config: RuntimeConfig;
  migrationsFolder: string;
  build: (context: ServiceContext) => Promise<ServiceParts> | ServiceParts;
  logger?: Logger;
}): Promise<RunningService> {
  const { name, config } = options;
  const logger = options.logger ?? createLogger({ service: name, level: config.log.level });
  const stack: Array<{ what: string; stop: () => Promise<void> }> = [];
  const onStop = (what: string, stop: () => Promise<void>) => stack.push({ what, stop });

  let grpc: GrpcServer | undefined;
  let metricsPort = 0;
  try {
    // First up and last down: a scrape still answers while the rest drains.
    const metricsServer = await serveMetrics({ ...config.metrics, metricsText });
    metricsPort = metricsServer.port;
    onStop('metrics server', () => metricsServer.close());
    const db = await openDatabase({
      url: config.database.url,
      dataDir: config.database.dataDir,
      migrationsFolder: options.migrationsFolder,
      poolSize: config.database.poolSize,
    });
    onStop('database', () => db.close());
    const bus = await connectBus({ url: config.nats.url, name: `huddle-${name}`, logger });
    onStop('nats', () => bus.drain());
    await ensureStream(bus.jsm, name);
    const outbox = new Outbox(db.db, bus.js, logger, { exclusive: db.driver === 'pglite' });
    outbox.start();
    onStop('outbox', () => outbox.stop());
    const unobserve = observeService(db, outbox);
    onStop('service metrics', async () => unobserve());

    const parts = await options.build({ logger, db, bus, outbox });
    if (parts.stop) onStop('service', parts.stop);
    const pruneTimer = setInterval(() => {
      pruneInbox(db.db).catch((error) => logger.warn({ err: error }, 'inbox pruning failed'));
    }, INBOX_PRUNE_INTERVAL_MS);
    pruneTimer.unref();
    onStop('inbox pruning', async () => clearInterval(pruneTimer));
    for (const spec of parts.consumers ?? []) {
      const consumer = await startConsumer(bus, outbox, spec, logger);
      onStop(`consumer ${spec.name}`, () => consumer.stop());
    }

    const server = await startGrpcServer({
      ...config.grpc,
      services: parts.services,
      logger,
      mapError: fromDatabaseError,
    });
    grpc = server;
    const checkHealth = async () => {
      const healthy =
        bus.connected() &&
        (await db.ping().then(
          () => true,
          () => false,
        ));
      server.setServing(healthy);
    };
    await checkHealth();
    const healthTimer = setInterval(() => void checkHealth(), HEALTH_INTERVAL_MS);
    healthTimer.unref();
    onStop('grpc', async () => {
      clearInterval(healthTimer);
      await server.stop(config.shutdownTimeoutMs / 2);
    });
  } catch (error) {
    logger.error({ err: error }, `${name} failed to start`);
    await unwind(stack, logger);
    throw error;
  }

  return {
    grpcPort: grpc.port,
    metricsPort,
    logger,
    stop: () => unwind(stack, logger),
  };
}

async function unwind(stack: Array<{ what: string; stop: () => Promise<void> }>, logger: Logger) {
  while (stack.length > 0) {
    const { what, stop } = stack.pop()!;
    await stop().catch((error) => logger.warn({ err: error }, `stopping ${what} failed`));
  }
}

/**
 * The process around a service: starts it, logs one ready line, and stops it
 * on SIGINT/SIGTERM (telemetry flushed last), exiting non-zero if that takes
 * longer than the deadline.
 */
export async function runProcess(
  name: string,
  shutdownTimeoutMs: number,
  start: () => Promise<RunningService>,
  telemetry?: { shutdown(): Promise<void> },
) {
  let running: RunningService;
  try {
    running = await start();
  } catch (error) {
    console.error(`${name} could not start:`, error instanceof Error ? error.message : error);
    process.exit(1);
  }
  running.logger.info({ grpcPort: running.grpcPort, metricsPort: running.metricsPort }, `${name} ready`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, `${name} stopping`);
    const deadline = setTimeout(() => {
      running.logger.error(`${name} did not stop within ${shutdownTimeoutMs} ms`);
      process.exit(1);
    }, shutdownTimeoutMs);
    deadline.unref();
    running
      .stop()
      .then(() => telemetry?.shutdown())
      .then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
