/**
 * Starts what the bench measures and stops it again: Huddle as deployed (the
 * gateway and each service a separate node process running dist/main.js, a
 * database of its own each, a NATS JetStream server of its own), the baseline
 * server, and the embedded default under `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkHealth } from '@huddle/grpc';
import { type FreshDatabase, freshDatabase, startNatsServer } from '@huddle/testing';
import { build } from 'esbuild';
import { services } from '../scripts/lib/components';
import { descendants, type Watched } from './procstat';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const JWT_SECRET = 'bench-secret-of-at-least-thirty-two-characters';
const READY_TIMEOUT_MS = 180_000;
/** The gateway's fair limits (budgets and the in-flight cap per practice) out of the bench's way. */
export const unlimited = {
  RATE_LIMIT_PER_MINUTE: '100000000',
  RATE_LIMIT_PRACTICE_PER_MINUTE: '100000000',
  PRACTICE_MAX_IN_FLIGHT: '100000',
};

/** A running system: where to reach it, the processes to watch, and how to stop it. */
export interface Running {
  url: string;
  processes: Watched[];
  /** Connection strings of its databases by name (Huddle: the service's name). */
  databases: Record<string, string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** Compiles the baseline server the way the build compiles Huddle's processes: one ESM file, packages left to node_modules. */
export async function buildBaseline(): Promise<void> {
  await build({
    entryPoints: [join(root, 'bench/baseline/server.ts')],
    outfile: join(root, 'bench/baseline/dist/server.js'),
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}

/** A child whose output is kept (the tail) for when it fails. */
function spawnKept(command: string, args: string[], cwd: string, env: Record<string, string | undefined>) {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-4_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, output: () => output };
}

/** Polls `check` until it holds, failing with the child's output if the child exits or time runs out. */
async function until(name: string, check: () => Promise<boolean>, kept: ReturnType<typeof spawnKept>) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (kept.child.exitCode !== null)
      throw new Error(`${name} exited (${kept.child.exitCode}):\n${kept.output()}`);
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} not ready in ${READY_TIMEOUT_MS / 1000} s:\n${kept.output()}`);
}

const httpReady = (url: string) => () =>
  fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );

async function terminate(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Huddle as deployed: five services and the gateway from dist/main.js under plain node. */
export async function startHuddle(
  options: {
    profileDir?: string;
    /** Flags for every node process before dist/main.js, e.g. the soak's memory probe. */
    nodeFlags?: string[];
    /** More environment for every process. */
    env?: Record<string, string>;
    /** `default`: the gateway's own fair limits (bench:fairness measures them); else raised out of the way. */
    limits?: 'unlimited' | 'default';
    /** More of the gateway's environment (e.g. a limit to compare). */
    gatewayEnv?: Record<string, string>;
  } = {},
): Promise<Running> {
  const nats = await startNatsServer();
  const databases: FreshDatabase[] = [];
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) await terminate(child);
    await nats.stop();
    await Promise.all(databases.map((database) => database.drop()));
  };
  try {
    const ports = await Promise.all(services.map(freePort));
    const addresses = Object.fromEntries(
      services.map((service, i) => [service.addressVariable, `127.0.0.1:${ports[i]}`]),
    );
    // METRICS_PORT 0: the bench reads /proc, and runs beside others on a shared machine need no fixed port.
    const common = {
      PATH: process.env.PATH,
      LOG_LEVEL: 'warn',
      NATS_URL: nats.url,
      METRICS_PORT: '0',
      ...addresses,
      ...options.env,
    };
    // `--profile`: each process writes a V8 CPU profile per thread, in a folder named after it, when it exits.
    const main = (name: string) => [
      ...(options.nodeFlags ?? []),
      ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, name)}`] : []),
      'dist/main.js',
    ];
    const urls: Record<string, string> = {};
    const started = await Promise.all(
      services.map(async (service, i) => {
        const database = await freshDatabase(`bench_${service.name}`);
        databases.push(database);
        urls[service.name] = database.url;
        const env = {
          ...common,
          DATABASE_URL: database.url,
          GRPC_PORT: String(ports[i]),
        };
        const kept = spawnKept(
          process.execPath,
          main(service.name),
          join(root, 'services', service.name),
          env,
        );
        children.push(kept.child);
        return kept;
      }),
    );
    await Promise.all(
      started.map((kept, i) => until(services[i]!.name, () => checkHealth(`127.0.0.1:${ports[i]}`), kept)),
    );
    const port = await freePort();
    const gateway = spawnKept(process.execPath, main('gateway'), join(root, 'gateway'), {
      ...common,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: JWT_SECRET,
      // The bench's people post far faster than a person would, many at once in one practice.
      ...(options.limits === 'default' ? {} : unlimited),
      ...options.gatewayEnv,
    });
    children.push(gateway.child);
    const url = `http://127.0.0.1:${port}`;
    await until('gateway', httpReady(`${url}/readyz`), gateway);
    const natsProcess = descendants(process.pid).find((child) => child.comm === 'nats-server');
    return {
      url,
      databases: urls,
      processes: [
        { name: 'gateway', pid: gateway.child.pid! },
        ...services.map((service, i) => ({ name: service.name, pid: started[i]!.child.pid! })),
        ...(natsProcess ? [{ name: 'nats-server', pid: natsProcess.pid }] : []),
      ],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The baseline: one plain process, one database of its own on the same server. */
export async function startBaseline(): Promise<Running> {
  const database = await freshDatabase('bench_baseline');
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child) await terminate(child);
    await database.drop();
  };
  try {
    const port = await freePort();
    const kept = spawnKept(process.execPath, ['bench/baseline/dist/server.js'], root, {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      PORT: String(port),
    });
    child = kept.child;
    const url = `http://127.0.0.1:${port}`;
    await until('baseline', httpReady(`${url}/readyz`), kept);
    return {
      url,
      databases: { baseline: database.url },
      processes: [{ name: 'baseline', pid: child.pid! }],
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Which part of `npm start` a process is, from its command line. */
function roleOf(pid: number, comm: string): string {
  if (comm !== 'node') return comm;
  const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  const service = services.find((candidate) => command.includes(`services/${candidate.name}/`));
  if (service) return service.name;
  if (command.includes('gateway/')) return 'gateway';
  return 'launcher';
}

/**
 * `npm start` on a fresh DATA_DIR (embedded PGlite, its own NATS): the default a developer gets.
 * Given a `dataDir`, it starts on that folder and leaves it in place when stopped (a start on existing data).
 */
export async function startEmbedded(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<Running & { readyMs: number }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'huddle-bench-embedded-')));
  const [port, natsPort, ...grpcPorts] = await Promise.all([
    freePort(),
    freePort(),
    ...services.map(freePort),
  ]);
  const startedAt = performance.now();
  const kept = spawnKept('npm', ['start'], root, {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    NATS_URL: `nats://127.0.0.1:${natsPort}`,
    AUTH_JWT_SECRET: JWT_SECRET,
    ...unlimited,
    // Each service's metrics on a free port: the defaults may be held by another launcher on this machine.
    METRICS_PORT: '0',
    ...Object.fromEntries(
      services.map((service, i) => [service.addressVariable, `127.0.0.1:${grpcPorts[i]}`]),
    ),
    ...options.env,
  });
  const stop = async () => {
    // npm, its shell and the launcher share the group; the launcher stops its children in order.
    if (kept.child.exitCode === null) {
      const exited = once(kept.child, 'exit');
      process.kill(-kept.child.pid!, 'SIGTERM');
      await exited;
    }
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await until('npm start', httpReady(`${url}/readyz`), kept);
  } catch (error) {
    await stop();
    throw error;
  }
  const readyMs = performance.now() - startedAt;
  // node processes only: npm and sh hold a few MB and are not Huddle.
  const processes = descendants(kept.child.pid!)
    .filter((child) => child.comm === 'node' || child.comm === 'nats-server')
    .map((child) => ({ name: `${roleOf(child.pid, child.comm)} (${child.pid})`, pid: child.pid }));
  return { url, databases: {}, processes, readyMs, stop };
}
