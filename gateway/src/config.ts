import { ConfigError, commonEnv, deepFreeze, parseEnv, Type } from '@huddle/config';
import type { Static } from 'typebox';

const address = (fallback: string) => Type.String({ minLength: 1, default: fallback });

const gatewayEnv = Type.Object({
  ...commonEnv,
  PORT: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  // RFC 7518 section 3.2: an HS256 key must be at least as long as the hash, 256 bits.
  AUTH_JWT_SECRET: Type.Optional(Type.String({ minLength: 32 })),
  AUTH_JWKS_URL: Type.Optional(Type.String({ format: 'uri', pattern: '^https?://' })),
  AUTH_JWT_ISSUER: Type.Optional(Type.String({ minLength: 1 })),
  AUTH_JWT_AUDIENCE: Type.Optional(Type.String({ minLength: 1 })),
  // Cost units (a plain lookup is 1; limits/cost.ts) one caller may spend a minute on one gateway.
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 600 }),
  // Cost units all callers of one practice together may spend a minute on one gateway.
  RATE_LIMIT_PRACTICE_PER_MINUTE: Type.Integer({ minimum: 1, default: 1_800 }),
  // How many seconds of a budget may be spent at once after a quiet spell (the buckets' depth).
  RATE_LIMIT_BURST_SECONDS: Type.Integer({ minimum: 1, maximum: 3_600, default: 10 }),
  // Requests of one practice in progress at once on one gateway; one more is 429.
  PRACTICE_MAX_IN_FLIGHT: Type.Integer({ minimum: 1, default: 8 }),
  // Load shedding (503, of the practices above their fair share of the load) beyond these; 0 turns a check off.
  MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, default: 1_000 }),
  MAX_EVENT_LOOP_UTILIZATION: Type.Number({ minimum: 0, maximum: 1, default: 0.98 }),
  CHAT_ADDR: address('127.0.0.1:50051'),
  PARTICIPANT_ADDR: address('127.0.0.1:50052'),
  SHARING_POLICY_ADDR: address('127.0.0.1:50053'),
  NOTIFICATION_ADDR: address('127.0.0.1:50054'),
  AUDIT_ADDR: address('127.0.0.1:50055'),
  // The largest upload read; the chat service keeps its own limit (same default) and decides.
  ATTACHMENT_MAX_BYTES: Type.Integer({ minimum: 1, maximum: 15 * 1024 * 1024, default: 10 * 1024 * 1024 }),
  // Open /v1/stream sockets one person may hold on one gateway; one more is closed with 4429.
  STREAM_MAX_SOCKETS_PER_PERSON: Type.Integer({ minimum: 1, maximum: 10_000, default: 20 }),
  // The built web app (web/dist) served at /app; not served when unset.
  WEB_APP_DIR: Type.Optional(Type.String({ minLength: 1 })),
  // Development only: /dev/sign-in lists the demo practice's people and signs tokens for them.
  DEV_SIGN_IN: Type.Boolean({ default: false }),
});

export interface GatewayConfig {
  logLevel: string;
  http: { host: string; port: number };
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string };
  /** Fair limits (plugins/fairness.ts): budgets in cost units per minute, kept per gateway process. */
  rateLimit: {
    callerPerMinute: number;
    practicePerMinute: number;
    burstSeconds: number;
    practiceMaxInFlight: number;
  };
  attachments: { maxBytes: number };
  stream: { maxSocketsPerPerson: number };
  /** The web app's files, and whether the development sign-in is on (never in production). */
  webApp: { dir?: string | undefined; devSignIn: boolean };
  loadShedding: { maxEventLoopDelayMs: number; maxEventLoopUtilization: number };
  services: { chat: string; participant: string; sharingPolicy: string; notification: string; audit: string };
  nats: { url: string };
  /** OTLP/HTTP collector for traces; none leave the process without it. */
  telemetry: { otlpEndpoint?: string | undefined };
  shutdownTimeoutMs: number;
}

/** Reads the gateway's environment once; every bad or missing key is listed in one ConfigError. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<GatewayConfig> {
  const problems: string[] = [];
  if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
    problems.push('AUTH_JWT_SECRET, AUTH_JWKS_URL: one of them is required to verify bearer tokens');
  }
  let raw: Static<typeof gatewayEnv>;
  try {
    raw = parseEnv(gatewayEnv, env);
  } catch (error) {
    if (error instanceof ConfigError) throw new ConfigError([...error.problems, ...problems]);
    throw error;
  }
  if (raw.DEV_SIGN_IN && !raw.AUTH_JWT_SECRET) {
    problems.push('DEV_SIGN_IN: signs development tokens with AUTH_JWT_SECRET, which is not set');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze({
    logLevel: raw.LOG_LEVEL,
    http: { host: raw.HOST, port: raw.PORT },
    auth: {
      jwtSecret: raw.AUTH_JWT_SECRET,
      jwksUrl: raw.AUTH_JWKS_URL,
      issuer: raw.AUTH_JWT_ISSUER,
      audience: raw.AUTH_JWT_AUDIENCE,
    },
    rateLimit: {
      callerPerMinute: raw.RATE_LIMIT_PER_MINUTE,
      practicePerMinute: raw.RATE_LIMIT_PRACTICE_PER_MINUTE,
      burstSeconds: raw.RATE_LIMIT_BURST_SECONDS,
      practiceMaxInFlight: raw.PRACTICE_MAX_IN_FLIGHT,
    },
    attachments: { maxBytes: raw.ATTACHMENT_MAX_BYTES },
    stream: { maxSocketsPerPerson: raw.STREAM_MAX_SOCKETS_PER_PERSON },
    webApp: { dir: raw.WEB_APP_DIR, devSignIn: raw.DEV_SIGN_IN },
    loadShedding: {
      maxEventLoopDelayMs: raw.MAX_EVENT_LOOP_DELAY_MS,
      maxEventLoopUtilization: raw.MAX_EVENT_LOOP_UTILIZATION,
    },
    services: {
      chat: raw.CHAT_ADDR,
      participant: raw.PARTICIPANT_ADDR,
      sharingPolicy: raw.SHARING_POLICY_ADDR,
      notification: raw.NOTIFICATION_ADDR,
      audit: raw.AUDIT_ADDR,
    },
    nats: { url: raw.NATS_URL },
    telemetry: { otlpEndpoint: raw.OTEL_EXPORTER_OTLP_ENDPOINT },
    shutdownTimeoutMs: raw.SHUTDOWN_TIMEOUT_MS,
  });
}
