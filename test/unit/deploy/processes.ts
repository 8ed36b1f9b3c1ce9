/**
 * What the deployment files are checked against: each process's own config
 * schema, read by loading its config with an environment that records every
 * key asked for (the schema's keys, no more).
 */
import { buildTargets } from '../../../scripts/lib/components';

const configModules: Record<
  string,
  () => Promise<{ loadConfig(env: Record<string, string | undefined>): unknown }>
> = {
  gateway: () => import('../../../gateway/src/config'),
  chat: () => import('../../../services/chat/src/config'),
  participant: () => import('../../../services/participant/src/config'),
  'sharing-policy': () => import('../../../services/sharing-policy/src/config'),
  notification: () => import('../../../services/notification/src/config'),
  audit: () => import('../../../services/audit/src/config'),
};

/** Every process the image builds: the gateway and the services. */
export const processNames = buildTargets.map((target) => target.name);

/** A secret long enough for the gateway's config to load. */
const jwtSecret = 'a-test-secret-that-is-long-enough-for-hs256';

/** The environment keys a process's config reads. */
export async function configKeys(name: string): Promise<Set<string>> {
  const load = configModules[name];
  if (!load) throw new Error(`no config module for ${name}`);
  const { loadConfig } = await load();
  const read = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_target, key) {
      if (typeof key !== 'string') return undefined;
      read.add(key);
      return key === 'AUTH_JWT_SECRET' ? jwtSecret : undefined;
    },
  });
  loadConfig(env);
  return read;
}

/** Where each process listens with no configuration, from its own config defaults. */
export async function defaultPort(name: string): Promise<number> {
  const { loadConfig } = await configModules[name]!();
  const config = loadConfig({ AUTH_JWT_SECRET: jwtSecret }) as {
    http?: { port: number };
    runtime?: { grpc: { port: number } };
  };
  const port = config.http?.port ?? config.runtime?.grpc.port;
  if (port === undefined) throw new Error(`no port in ${name}'s config`);
  return port;
}

/**
 * Each service's Prometheus port when METRICS_PORT is unset (the telemetry
 * work's defaults; README "Configuration").
 */
export const defaultMetricsPorts: Record<string, number> = {
  chat: 9461,
  participant: 9462,
  'sharing-policy': 9463,
  notification: 9464,
  audit: 9465,
};

/** Environment keys that hold credentials: never in a ConfigMap or a compose default. */
export const secretKeys = ['AUTH_JWT_SECRET', 'DATABASE_URL', 'SMTP_URL'];
