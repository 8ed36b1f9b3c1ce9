/**
 * `npm start`: the whole of Huddle on one machine with no configuration. Runs
 * NATS (unless one answers at NATS_URL), the five services on embedded
 * databases under DATA_DIR, then the gateway, each as a child process whose
 * logs pass through. A process that crashes is restarted with backoff while
 * the rest stay up; the children stop if the launcher dies; a lock in DATA_DIR
 * keeps a second launcher off the same data. Stops them in reverse on Ctrl-C
 * or SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NatsServerNotInstalledError, startNatsServer } from '@huddle/testing';
import { ensureCompiled } from './lib/compiled';
import { readinessUrl, serviceEnv, services } from './lib/components';
import { devSecretFile, ensureDevSecret } from './lib/dev-secret';
import { DataDirLockedError, takeDataDirLock } from './lib/lock';
import {
  killAll,
  type Managed,
  type RestartPolicy,
  spawnManaged,
  stopInOrder,
  supervise,
} from './lib/processes';
import { ensureWebAppBuilt, webAppDist } from './lib/web-app';

const root = fileURLToPath(new URL('..', import.meta.url));
const readyTimeoutMs = 120_000;
// Children get SHUTDOWN_TIMEOUT_MS to finish their work; the launcher waits a little longer before SIGKILL.
const stopTimeoutMs = (Number(process.env.SHUTDOWN_TIMEOUT_MS) || 10_000) + 5_000;

const dataDir = resolve(root, process.env.DATA_DIR || '.data');
const natsUrl = process.env.NATS_URL || 'nats://127.0.0.1:4222';
const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dataDir, NATS_URL: natsUrl };

let nats: Managed | undefined;
const serviceProcesses: Managed[] = [];
let gateway: Managed | undefined;
let shuttingDown = false;

/** Stops the gateway, then the services, then our NATS server, and exits. */
async function shutdown(exitCode: number, reason?: string): Promise<never> {
  if (reason) console.error(reason);
  if (!shuttingDown) {
    shuttingDown = true;
    await stopInOrder([gateway ? [gateway] : [], serviceProcesses, nats ? [nats] : []], stopTimeoutMs);
  }
  process.exit(exitCode);
}

/**
 * One Ctrl-C can reach the launcher twice: from the terminal, and relayed a moment later by
 * npm or tsx. Only a signal this long after the first counts as a second Ctrl-C.
 */
const repeatedSignalMs = 1_000;
let firstSignalAt = Number.NEGATIVE_INFINITY;

function onSignal() {
  if (shuttingDown) {
    if (Date.now() - firstSignalAt < repeatedSignalMs) return;
    // A second Ctrl-C while stopping means "now".
    killAll();
    process.exit(1);
  }
  firstSignalAt = Date.now();
  void shutdown(0);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// A process exiting with EX_CONFIG would only fail the same way again.
const EX_CONFIG = 78;

/**
 * A crashed process is restarted with backoff while the rest stay up; only one
 * that cannot start again (a configuration error) takes the whole system down.
 */
const restartPolicy: RestartPolicy = {
  isFatal: (code) => code === EX_CONFIG,
  log: (line) => console.error(line),
};

function supervised(name: string, start: () => Managed | Promise<Managed>): Managed {
  const child = supervise(name, start, restartPolicy);
  void child.exited.then((code) => {
    if (!shuttingDown) void shutdown(1, `${name} cannot start (${code}); stopping Huddle.`);
  });
  return child;
}

function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({
      host: hostname.replace(/^\[|\]$/g, ''),
      port: Number(port) || 4222,
      timeout: 1_000,
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function ensureNats(): Promise<void> {
  if (await answers(natsUrl)) return;
  const { hostname, port } = new URL(natsUrl);
  if (!['127.0.0.1', 'localhost'].includes(hostname)) {
    await shutdown(1, `Nothing answers at NATS_URL=${natsUrl}.`);
  }
  const options = { port: Number(port) || 4222, storeDir: resolve(dataDir, 'nats'), ownProcessGroup: true };
  // Its own process group: Ctrl-C reaches only the launcher, which stops NATS after the services.
  let first: Awaited<ReturnType<typeof startNatsServer>> | undefined;
  try {
    first = await startNatsServer(options);
  } catch (error) {
    if (error instanceof NatsServerNotInstalledError) await shutdown(1, error.message);
    await shutdown(1, `Could not start nats-server: ${(error as Error).message}`);
  }
  nats = supervised('nats-server', async () => {
    const server = first ?? (await startNatsServer(options));
    first = undefined;
    return { name: 'nats-server', exited: server.exited, stop: (timeoutMs) => server.stop(timeoutMs) };
  });
}

async function waitUntilReady(url: string): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (!shuttingDown) {
    const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline)
      await shutdown(1, `The gateway was not ready within ${readyTimeoutMs / 1000} s.`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

await mkdir(dataDir, { recursive: true });
try {
  takeDataDirLock(dataDir);
} catch (error) {
  if (!(error instanceof DataDirLockedError)) throw error;
  console.error(error.message);
  process.exit(1);
}

if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
  const { secret, created } = await ensureDevSecret(dataDir);
  env.AUTH_JWT_SECRET = secret;
  const file = devSecretFile(dataDir).startsWith(root)
    ? relative(root, devSecretFile(dataDir))
    : devSecretFile(dataDir);
  console.log(
    `AUTH_JWT_SECRET=${secret} (${created ? 'generated and kept' : 'from'} ${file})\n` +
      'Mint a token: npm run token -- <personId> --practice <practiceId>',
  );
  // The development secret is this machine's own: the web app may sign in as any demo person.
  env.DEV_SIGN_IN ??= 'true';
}

if (await ensureWebAppBuilt()) console.log('Built the web app (web/dist)');
// Compiled JavaScript, not tsx: each process then starts on about half the CPU and holds
// about 45 MB less (bench/README.md, the embedded default).
const built = await ensureCompiled();
if (built.length > 0) console.log(`Compiled ${built.join(', ')} (dist/main.js)`);
env.WEB_APP_DIR ??= webAppDist;

await ensureNats();

// A first start: one initdb for all the services' databases, not one each (packages/db, openEmbedded).
if (services.some((service) => !existsSync(join(dataDir, service.name, 'PG_VERSION')))) {
  const made = await new Promise<number | null>((done) =>
    spawn(process.execPath, ['--import', 'tsx', 'scripts/lib/embedded-template.ts', dataDir], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
    }).once('exit', done),
  );
  // Without it each service makes its own database, only slower.
  if (made !== 0) console.error('Could not make the database template; each service runs initdb itself.');
}

const node = process.execPath;
// Every child stops when the launcher dies, however it dies (see exit-with-launcher.mjs).
const preload = ['--import', pathToFileURL(resolve(root, 'scripts/lib/exit-with-launcher.mjs')).href];
for (const service of services) {
  serviceProcesses.push(
    supervised(service.name, () =>
      spawnManaged(service.name, node, [...preload, `services/${service.name}/dist/main.js`], {
        cwd: root,
        env: serviceEnv(service, env),
      }),
    ),
  );
}
gateway = supervised('gateway', () =>
  spawnManaged('gateway', node, [...preload, 'gateway/dist/main.js'], { cwd: root, env }),
);

await waitUntilReady(readinessUrl(env));
if (!shuttingDown) console.log(`Huddle is ready on http://localhost:${env.PORT || '8080'} (docs: /docs)`);
