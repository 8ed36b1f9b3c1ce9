import { deepFreeze, parseEnv, Type } from '@huddle/config';
import { addressEnv, type RuntimeConfig, runtimeConfig, serviceEnv } from '@huddle/runtime/config';

const schema = Type.Object({ ...serviceEnv(50053, 9463), PARTICIPANT_ADDR: addressEnv.PARTICIPANT_ADDR });

export type SharingPolicyConfig = Readonly<{
  runtime: RuntimeConfig;
  /** The participant service, asked for people the directory projection has not seen yet. */
  participantAddress: string;
}>;

export function loadConfig(env: Record<string, string | undefined> = process.env): SharingPolicyConfig {
  const parsed = parseEnv(schema, env);
  return deepFreeze({
    runtime: runtimeConfig('sharing-policy', parsed),
    participantAddress: parsed.PARTICIPANT_ADDR,
  });
}
