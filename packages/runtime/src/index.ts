import {
  type Bus,
  type ConsumerSpec,
  connectBus,
  ensureStream,
  Outbox,
  pruneInbox,
  startConsumer,
} from '@huddle/bus';
import { type DatabaseHandle, fromDatabaseError, openDatabase } from '@huddle/db';
import { type GrpcServer, type Hosted, startGrpcServer } from '@huddle/grpc';
import { createLogger, type Logger } from '@huddle/logging';
import { metricsText, serveMetrics } from '@huddle/telemetry';
import type { RuntimeConfig } from './config';
import { observeService } from './metrics';
import { stopInOrder } from './process';

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

/** How often health is checked while serving, and while not: a service back on its feet says so soon. */
const HEALTH_INTERVAL_MS = 5_000;
const UNHEALTHY_INTERVAL_MS = 1_000;
/** A ping that has not answered by then counts as a database away (a cut network answers nothing). */
const PING_TIMEOUT_MS = 5_000;
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
      logger,
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
    const health = watchHealth({ db, bus, logger, setServing: (serving) => server.setServing(serving) });
    await health.check();
    onStop('grpc', async () => {
      health.stop();
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

/**
 * Keeps the gRPC health status (the readiness the gateway and orchestrators
 * read) true to whether the database and NATS answer: checked every 5 s while
 * serving and every second while not, and at once when the pool loses a
 * connection (a database restart shows within moments, not at the next tick).
 * A change is logged, so a not-ready spell shows in the service's own log.
 */
function watchHealth(options: {
  db: DatabaseHandle;
  bus: Bus;
  logger: Logger;
  setServing: (serving: boolean) => void;
}) {
  const { db, bus, logger } = options;
  let serving: boolean | undefined;
  let checking: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const ping = () => {
    let timeout: NodeJS.Timeout | undefined;
    return Promise.race([
      db.ping().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), PING_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timeout));
  };
  const run = async () => {
    const checks = { database: await ping(), nats: bus.connected() };
    const healthy = checks.database && checks.nats;
    if (stopped) return;
    if (serving !== undefined && healthy !== serving) {
      if (healthy) logger.info(checks, 'ready again');
      else logger.warn(checks, 'not ready');
    }
    serving = healthy;
    options.setServing(healthy);
    clearTimeout(timer);
    timer = setTimeout(() => void check(), healthy ? HEALTH_INTERVAL_MS : UNHEALTHY_INTERVAL_MS);
    timer.unref();
  };
  // One check at a time; a loss noticed while one runs (its ping perhaps answered
  // just before) gets a check of its own right after.
  let again = false;
  const check = (): Promise<void> => {
    if (checking) {
      again = true;
      return checking;
    }
    checking = run().finally(() => {
      checking = undefined;
      if (again && !stopped) {
        again = false;
        void check();
      }
    });
    return checking;
  };
  db.onConnectionLost(() => void check());
  return {
    check,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Stops what started, newest first; the stack is empty afterwards. */
async function unwind(stack: Array<{ what: string; stop: () => Promise<void> }>, logger: Logger) {
  await stopInOrder(stack.splice(0).reverse(), logger);
}
