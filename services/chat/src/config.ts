import { join } from 'node:path';
import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';
import { SEARCH_LANGUAGES, type SearchLanguage } from './domain/search';

const language = `(?:${SEARCH_LANGUAGES.join('|')})`;

const schema = Type.Object({
  ...serviceEnv(50051, 9461),
  PARTICIPANT_ADDR: addressEnv.PARTICIPANT_ADDR,
  SHARING_POLICY_ADDR: addressEnv.SHARING_POLICY_ADDR,
  /** Where attachment files are kept; a volume in production. Default: $DATA_DIR/attachments. */
  ATTACHMENTS_DIR: Type.Optional(Type.String({ minLength: 1 })),
  /** Base URL of built-in video rooms; a meeting's link is `<base>/<room id>`. */
  MEETINGS_BASE_URL: Type.String({ format: 'uri', default: 'https://meet.huddle.local/r' }),
  /** Zoom's REST API (tests point it at a local server that implements the endpoint). */
  ZOOM_API_URL: Type.String({ format: 'uri', default: 'https://api.zoom.us/v2' }),
  ATTACHMENT_MAX_BYTES: Type.Integer({ minimum: 1, maximum: 15 * 1024 * 1024, default: 10 * 1024 * 1024 }),
  /** X2: how often each replica looks for scheduled messages that are due. */
  SCHEDULER_POLL_MS: Type.Integer({ minimum: 100, maximum: 5_000, default: 1_000 }),
  /**
   * X2: how long a replica's claim on a due message lasts; one that dies between claim and
   * send leaves the message to another after this long.
   */
  SCHEDULER_LEASE_MS: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 15_000 }),
  /** C3: how often the retention job runs (one replica at a time; the first run at start). */
  RETENTION_INTERVAL_MS: Type.Integer({ minimum: 1_000, maximum: 86_400_000, default: 3_600_000 }),
  /** C3: messages, files or scheduled messages deleted per transaction: keeps each one short. */
  RETENTION_BATCH_SIZE: Type.Integer({ minimum: 1, maximum: 5_000, default: 500 }),
  /** C3: how long a replica's hold on the retention job lasts unless renewed (after every batch). */
  RETENTION_LEASE_MS: Type.Integer({ minimum: 5_000, maximum: 3_600_000, default: 60_000 }),
  /** C2: how often each replica looks for queued exports and expired export files. */
  EXPORT_POLL_MS: Type.Integer({ minimum: 100, maximum: 60_000, default: 2_000 }),
  /** C2: messages an export reads and writes per batch (one query, one progress update). */
  EXPORT_BATCH_SIZE: Type.Integer({ minimum: 10, maximum: 5_000, default: 500 }),
  /** X3: the text search language of every practice not named in SEARCH_PRACTICE_LANGUAGES. */
  SEARCH_LANGUAGE: Type.String({ pattern: `^${language}$`, default: 'simple' }),
  /** X3: `practiceId=language` pairs, comma-separated, e.g. `practice-1=english,practice-2=german`. */
  SEARCH_PRACTICE_LANGUAGES: Type.String({
    pattern: `^(?:[A-Za-z0-9_-]{1,64}=${language}(?:,[A-Za-z0-9_-]{1,64}=${language})*)?$`,
    default: '',
  }),
});

export type ChatConfig = Readonly<{
  runtime: RuntimeConfig;
  services: { participant: string; sharingPolicy: string };
  attachments: { directory: string; maxBytes: number };
  meetings: { builtinBaseUrl: string; zoomApiUrl: string };
  scheduler: { pollMs: number; leaseMs: number };
  /** C3: the retention job's pace. */
  retention: { intervalMs: number; batchSize: number; leaseMs: number };
  /** C2: the export worker. */
  exports: { pollMs: number; batchSize: number };
  /** X3: messages are indexed and searched in their practice's language. */
  search: { language: SearchLanguage; practiceLanguages: Record<string, SearchLanguage> };
}>;

export function loadConfig(env: Record<string, string | undefined> = process.env): ChatConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({
    runtime: runtimeConfig('chat', parsed),
    services: { participant: parsed.PARTICIPANT_ADDR, sharingPolicy: parsed.SHARING_POLICY_ADDR },
    attachments: {
      directory: parsed.ATTACHMENTS_DIR ?? join(parsed.DATA_DIR, 'attachments'),
      maxBytes: parsed.ATTACHMENT_MAX_BYTES,
    },
    meetings: { builtinBaseUrl: parsed.MEETINGS_BASE_URL, zoomApiUrl: parsed.ZOOM_API_URL },
    scheduler: { pollMs: parsed.SCHEDULER_POLL_MS, leaseMs: parsed.SCHEDULER_LEASE_MS },
    retention: {
      intervalMs: parsed.RETENTION_INTERVAL_MS,
      batchSize: parsed.RETENTION_BATCH_SIZE,
      leaseMs: parsed.RETENTION_LEASE_MS,
    },
    exports: { pollMs: parsed.EXPORT_POLL_MS, batchSize: parsed.EXPORT_BATCH_SIZE },
    search: {
      language: parsed.SEARCH_LANGUAGE as SearchLanguage,
      practiceLanguages: Object.fromEntries(
        parsed.SEARCH_PRACTICE_LANGUAGES.split(',')
          .filter(Boolean)
          .map((pair) => pair.split('=') as [string, SearchLanguage]),
      ),
    },
  });
}
