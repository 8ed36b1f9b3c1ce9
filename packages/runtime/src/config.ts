import { join } from 'node:path';
import { commonEnv, Type } from '@huddle/config';

// A service's configuration, apart from the rest of the runtime: main.ts reads
// it before telemetry starts, so this module loads nothing that opens sockets.

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
  /** OTLP/HTTP collector for traces; none leave the process without it. */
  telemetry: { otlpEndpoint?: string | undefined };
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
    telemetry: { otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  };
}
