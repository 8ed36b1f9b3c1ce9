import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';

// gRPC 50055 and metrics 9465: the next free pair after the four other services.
const schema = Type.Object({ ...serviceEnv(50055, 9465) });

export type AuditConfig = Readonly<{ runtime: RuntimeConfig }>;

export function loadConfig(env: Record<string, string | undefined> = process.env): AuditConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({ runtime: runtimeConfig('audit', parsed) });
}
