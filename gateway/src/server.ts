import type { AddressInfo } from 'node:net';
import { auditV1, chatV1, notificationV1, participantV1, sharingPolicyV1 } from '@huddle/contracts';
import { checkHealth, connect } from '@huddle/grpc';
import { createLogger, type Logger } from '@huddle/logging';
import { metricsText } from '@huddle/telemetry';
import { connect as connectNats } from '@nats-io/transport-node';
import { buildApp } from './app';
import { natsAuditRecorder } from './audit/nats';
import type { GatewayConfig } from './config';
import { natsRealtimeFeed, natsRealtimeLog } from './realtime/nats';

export interface StartOptions {
  /** Where the gateway logs; a JSON logger at the configured level when absent. */
  logger?: Logger;
  /** Prometheus text for /metrics; this process's metrics (the telemetry package's) when absent. */
  metricsText?: () => Promise<string>;
}

export interface RunningGateway {
  /** Where to reach it, e.g. http://127.0.0.1:8080 (loopback when bound to every interface). */
  url: string;
  port: number;
  /** Stops accepting, closes sockets and in-flight requests, drains NATS, closes gRPC channels. */
  stop(): Promise<void>;
}

/** Resolves after `ms`, or with whatever `work` settles to first; the timer never keeps the process up. */
async function within<T>(ms: number, work: Promise<T>, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve();
    }, ms);
    timer.unref();
  });
  await Promise.race([work.then(() => undefined), deadline]).finally(() => clearTimeout(timer));
}

/**
 * Runs the gateway in this process: gRPC clients, NATS, the app, listening.
 * server.ts's own entry point and in-process launchers (tests, `npm start`) share it.
 */
export async function startGateway(
  config: Readonly<GatewayConfig>,
  options: StartOptions = {},
): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger({ service: 'gateway', level: config.logLevel });
  // Reconnects for as long as it runs: a NATS restart must not leave the gateway without a bus.
  const nats = await connectNats({
    servers: config.nats.url,
    name: 'huddle-gateway',
    maxReconnectAttempts: -1,
    // No stack trace captured up front for every request (see connectBus).
    noAsyncTraces: true,
  });
  // Whether NATS answers now: a reconnecting connection is not closed, yet nothing reaches the bus.
  let natsConnected = true;
  void (async () => {
    for await (const status of nats.status()) {
      if (status.type === 'disconnect') natsConnected = false;
      if (status.type === 'reconnect') natsConnected = true;
    }
  })();
  const remotes = {
    chat: connect(chatV1.ChatServiceService, config.services.chat),
    participant: connect(participantV1.ParticipantServiceService, config.services.participant),
    sharingPolicy: connect(sharingPolicyV1.SharingPolicyServiceService, config.services.sharingPolicy),
    notification: connect(notificationV1.NotificationServiceService, config.services.notification),
    audit: connect(auditV1.AuditServiceService, config.services.audit),
  };
  const closeClients = () => {
    for (const remote of Object.values(remotes)) remote.close();
  };

  const realtime = natsRealtimeFeed(nats, logger);
  // The services the routes call (each asked now, with a short deadline), the bus, and the
  // realtime log's reader, without which no socket here gets an event.
  const readiness = async () => {
    const [chat, participant, sharingPolicy, notification, audit] = await Promise.all([
      checkHealth(config.services.chat),
      checkHealth(config.services.participant),
      checkHealth(config.services.sharingPolicy),
      checkHealth(config.services.notification),
      checkHealth(config.services.audit),
    ]);
    const checks = {
      chat,
      participant,
      sharingPolicy,
      notification,
      audit,
      nats: natsConnected && !nats.isClosed(),
      realtime: realtime.live,
    };
    // The audit service is shown, not required: records wait in JetStream while it is away,
    // so the API stays up; only its audit-events route answers 503 meanwhile.
    const { audit: _audit, ...required } = checks;
    return { ready: Object.values(required).every(Boolean), checks };
  };

  const audit = natsAuditRecorder(nats, logger);
  const app = await buildApp(config, {
    services: remotes,
    realtime,
    realtimeLog: natsRealtimeLog(nats, logger),
    readiness,
    audit,
    metricsText: options.metricsText ?? metricsText,
    logger,
  }).catch(async (error: unknown) => {
    await nats.close();
    closeClients();
    throw error;
  });
  try {
    await app.ready();
    // Listening on the node server directly: fastify's listen logs one line per network interface.
    await new Promise<void>((resolve, reject) => {
      app.server.once('error', reject);
      app.server.listen(config.http.port, config.http.host, () => {
        app.server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await app.close();
    await nats.close();
    closeClients();
    throw error;
  }

  const { port } = app.server.address() as AddressInfo;
  const everywhere = config.http.host === '0.0.0.0' || config.http.host === '::';
  const url = `http://${everywhere ? '127.0.0.1' : config.http.host}:${port}`;
  logger.info({ host: config.http.host, port }, 'gateway listening');

  let stopping: Promise<void> | undefined;
  const stop = async () => {
    // Requests and sockets still open at the deadline are cut; the bus and channels close regardless.
    await within(config.shutdownTimeoutMs, app.close(), () => {
      logger.warn('shutdown deadline reached; closing remaining connections');
      app.server.closeAllConnections();
    });
    // Records of the last requests leave before the bus drains.
    await audit.flush(config.shutdownTimeoutMs);
    await realtime.close();
    await within(config.shutdownTimeoutMs, nats.drain(), () => void nats.close());
    closeClients();
    logger.info('gateway stopped');
  };
  return {
    url,
    port,
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** The gateway as its own process runs it: JSON logs at the configured level. */
export async function startGatewayProcess(
  config: Readonly<GatewayConfig>,
): Promise<RunningGateway & { logger: Logger }> {
  const logger = createLogger({ service: 'gateway', level: config.logLevel });
  const gateway = await startGateway(config, { logger });
  return { ...gateway, logger };
}
