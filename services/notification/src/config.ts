import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime';

const schema = Type.Object({ ...serviceEnv(50054), PARTICIPANT_ADDR: addressEnv.PARTICIPANT_ADDR });

export type NotificationConfig = Readonly<{ runtime: RuntimeConfig; services: { participant: string } }>;

export function loadConfig(env: Record<string, string | undefined> = process.env): NotificationConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({
    runtime: runtimeConfig('notification', parsed),
    services: { participant: parsed.PARTICIPANT_ADDR },
  });
}
