import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';

const schema = Type.Object(serviceEnv(50052, 9462));

export type ParticipantConfig = Readonly<{ runtime: RuntimeConfig }>;

export function loadConfig(env: Record<string, string | undefined> = process.env): ParticipantConfig {
  return deepFreeze({ runtime: runtimeConfig('participant', parseEnv(schema, env)) });
}
