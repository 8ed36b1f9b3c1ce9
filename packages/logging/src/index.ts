import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths never written to logs: credentials, message content and personal data
 * (DESIGN.md: no PHI in logs). Censored, not removed, so a reader sees a field
 * was there.
 */
export const redactedPaths = [
  'authorization',
  'token',
  'access_token',
  'password',
  'secret',
  'body',
  'firstName',
  'lastName',
  'photoUrl',
  'email',
  '*.authorization',
  '*.token',
  '*.access_token',
  '*.password',
  '*.secret',
  '*.body',
  '*.firstName',
  '*.lastName',
  '*.photoUrl',
  '*.email',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.access_token',
  'data.body',
  'message.body',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; standard output when unset. Tests pass a stream to read logs back. */
  destination?: pino.DestinationStream;
}

/** JSON logs; pretty only on an interactive terminal. */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
