import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';

const HOUR_MS = 60 * 60 * 1000;

const schema = Type.Object({
  ...serviceEnv(50054, 9464),
  PARTICIPANT_ADDR: addressEnv.PARTICIPANT_ADDR,
  /** First webhook retry delay; each further one doubles, capped at an hour. */
  WEBHOOK_BACKOFF_MS: Type.Integer({ minimum: 1, maximum: HOUR_MS, default: 1000 }),
  /** Failed attempts after which a delivery is dead (its row stays as the dead-letter record). */
  WEBHOOK_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 100, default: 8 }),
  /** How often the outbound worker looks for due deliveries. */
  OUTBOUND_POLL_MS: Type.Integer({ minimum: 10, maximum: 60_000, default: 1000 }),
  /** e.g. smtp://user:pass@mail:587; without it no email is sent. */
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://' })),
  EMAIL_FROM: Type.String({ minLength: 3, default: 'Huddle <no-reply@huddle.invalid>' }),
  /** At most one email per chat per person per window. */
  EMAIL_WINDOW_MS: Type.Integer({ minimum: 0, maximum: 24 * HOUR_MS, default: 15 * 60 * 1000 }),
});

export type OutboundConfig = Readonly<{
  pollMs: number;
  webhook: { backoffMs: number; maxAttempts: number };
  email: { smtpUrl: string | undefined; from: string; windowMs: number };
}>;

export type NotificationConfig = Readonly<{
  runtime: RuntimeConfig;
  services: { participant: string };
  outbound: OutboundConfig;
}>;

export function loadConfig(env: Record<string, string | undefined> = process.env): NotificationConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({
    runtime: runtimeConfig('notification', parsed),
    services: { participant: parsed.PARTICIPANT_ADDR },
    outbound: {
      pollMs: parsed.OUTBOUND_POLL_MS,
      webhook: { backoffMs: parsed.WEBHOOK_BACKOFF_MS, maxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS },
      email: { smtpUrl: parsed.SMTP_URL, from: parsed.EMAIL_FROM, windowMs: parsed.EMAIL_WINDOW_MS },
    },
  });
}
