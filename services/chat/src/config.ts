import { join } from 'node:path';
import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';

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
});

export type ChatConfig = Readonly<{
  runtime: RuntimeConfig;
  services: { participant: string; sharingPolicy: string };
  attachments: { directory: string; maxBytes: number };
  meetings: { builtinBaseUrl: string; zoomApiUrl: string };
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
  });
}
