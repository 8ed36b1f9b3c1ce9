import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime';

const schema = Type.Object({
  ...serviceEnv(50051),
  PARTICIPANT_ADDR: addressEnv.PARTICIPANT_ADDR,
  SHARING_POLICY_ADDR: addressEnv.SHARING_POLICY_ADDR,
});

export type ChatConfig = Readonly<{
  runtime: RuntimeConfig;
  services: { participant: string; sharingPolicy: string };
}>;

export function loadConfig(env: Record<string, string | undefined> = process.env): ChatConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({
    runtime: runtimeConfig('chat', parsed),
    services: { participant: parsed.PARTICIPANT_ADDR, sharingPolicy: parsed.SHARING_POLICY_ADDR },
  });
}
