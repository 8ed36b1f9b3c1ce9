import pino, { type DestinationStream, type Logger } from 'pino';

export type { DestinationStream, Logger };

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

export interface SafeError {
  type: string;
  message?: string;
  /** A library's own error code, e.g. a PostgreSQL SQLSTATE or a Node errno name. */
  code?: string | number;
  stack?: string;
  /** Statement text with its placeholders ($1, $2 …), never the values bound to them. */
  query?: string;
  table?: string;
  column?: string;
  constraint?: string;
  cause?: SafeError;
}

/** A PostgreSQL error as `pg` and PGlite raise it: its message, detail and context may quote the values. */
const isDatabaseError = (error: Error & { code?: unknown; severity?: unknown }) =>
  typeof error.severity === 'string' && typeof error.code === 'string' && /^[0-9A-Z]{5}$/.test(error.code);

/** drizzle's wrapper of a failed statement: its message lists the bound parameters. */
const isQueryError = (error: Error & { query?: unknown; params?: unknown }) =>
  typeof error.query === 'string' && Array.isArray(error.params);

/** The call frames of a stack without the message lines above them, which repeat whatever the message said. */
const framesOf = (stack: string | undefined) =>
  stack
    ?.split('\n')
    .filter((line) => line.startsWith('    at '))
    .join('\n');

/**
 * What a log line may say of an error, whatever threw it: its kind, codes and
 * frames. Database errors lose their message, detail and bound parameters (they
 * carry message bodies, names and tokens); only the statement text and the
 * SQLSTATE stay. Other errors keep their message, as our own code writes it.
 */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error };
  const raw = error as Error & Record<string, unknown>;
  const cause = raw.cause !== undefined && depth < 3 ? safeError(raw.cause, depth + 1) : undefined;
  const code = typeof raw.code === 'string' || typeof raw.code === 'number' ? raw.code : undefined;
  if (isQueryError(raw)) {
    return { type: 'DatabaseQueryError', query: raw.query as string, stack: framesOf(raw.stack), cause };
  }
  if (isDatabaseError(raw)) {
    const named = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
    return {
      type: 'DatabaseError',
      code,
      table: named('table'),
      column: named('column'),
      constraint: named('constraint'),
      stack: framesOf(raw.stack),
      cause,
    };
  }
  return { type: error.name, message: error.message, code, stack: error.stack, cause };
}

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where to write; standard output when unset. Tests pass a stream to read logs back. */
  destination?: DestinationStream;
}

/** JSON logs; pretty only on an interactive terminal. Errors go through `safeError`. */
export function createLogger({ service, level = 'info', destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    serializers: { err: safeError },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY) {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true } } });
  }
  return pino(options);
}
