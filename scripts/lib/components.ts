import { isIPv6 } from 'node:net';

/** The services `npm start` runs, with the gRPC port each listens on by default. */
export const services = [
  { name: 'chat', addressVariable: 'CHAT_ADDR', defaultPort: 50051 },
  { name: 'participant', addressVariable: 'PARTICIPANT_ADDR', defaultPort: 50052 },
  { name: 'sharing-policy', addressVariable: 'SHARING_POLICY_ADDR', defaultPort: 50053 },
  { name: 'notification', addressVariable: 'NOTIFICATION_ADDR', defaultPort: 50054 },
  { name: 'audit', addressVariable: 'AUDIT_ADDR', defaultPort: 50055 },
] as const;

export type Service = (typeof services)[number];

/** A process the image runs: its workspace, entry point and migrations, compiled by `npm run build`. */
export interface BuildTarget {
  name: string;
  workspace: string;
  entry: string;
  migrations?: string;
}

export const buildTargets: BuildTarget[] = [
  { name: 'gateway', workspace: 'gateway', entry: 'src/main.ts' },
  ...services.map((service) => ({
    name: service.name,
    workspace: `services/${service.name}`,
    entry: 'src/main.ts',
    migrations: 'src/store/migrations',
  })),
];
type Env = Record<string, string | undefined>;

/**
 * The environment of one service under `npm start`: everything the launcher
 * was given, with the service listening where the others will call it (its
 * `*_ADDR`). A shared GRPC_PORT, METRICS_PORT or DATABASE_URL would put all
 * four services on one port or one database, so each gets its own port, its
 * own default metrics port and its embedded database. METRICS_PORT=0 is the
 * exception that passes: each service then picks a free port of its own.
 */
export function serviceEnv(service: Service, env: Env): Env {
  const { GRPC_PORT: _port, METRICS_PORT: metricsPort, DATABASE_URL: _database, ...shared } = env;
  const address = env[service.addressVariable];
  const port = address ? new URL(`tcp://${address}`).port : '';
  return {
    ...shared,
    GRPC_PORT: port || String(service.defaultPort),
    ...(metricsPort === '0' ? { METRICS_PORT: '0' } : {}),
  };
}

/** Where the launcher polls the gateway's readiness: a wildcard listen address is reached on loopback. */
export function readinessUrl(env: Env): string {
  const host = !env.HOST || ['0.0.0.0', '::', '[::]'].includes(env.HOST) ? '127.0.0.1' : env.HOST;
  const url = new URL('http://placeholder/readyz');
  url.hostname = isIPv6(host) ? `[${host}]` : host;
  url.port = env.PORT || '8080';
  return url.href;
}
