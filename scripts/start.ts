/**
 * `npm start`: the whole of Huddle on one machine with no configuration. Runs
 * NATS (unless one answers at NATS_URL), the four services on embedded
 * databases under DATA_DIR, then the gateway, each as a child process whose
 * logs pass through; stops them in reverse on Ctrl-C or SIGTERM.
 */
import { mkdir } from 'node:fs/promises';
import { connect } from 'node:net';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NatsServerNotInstalledError, startNatsServer } from '@huddle/testing';
import { readinessUrl, serviceEnv, services } from './lib/components';
import { devSecretFile, ensureDevSecret } from './lib/dev-secret';
import { killAll, type Managed, spawnManaged, stopInOrder } from './lib/processes';

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

/** Any child ending by itself takes the whole system down: half a Huddle is no use. */
function supervise(child: Managed): Managed {
  void child.exited.then((code) => {
    if (!shuttingDown) void shutdown(1, `${child.name} exited unexpectedly (${code}); stopping Huddle.`);
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
  try {
    // Its own process group: Ctrl-C reaches only the launcher, which stops NATS after the services.
    const server = await startNatsServer({
      port: Number(port) || 4222,
      storeDir: resolve(dataDir, 'nats'),
      ownProcessGroup: true,
    });
    nats = supervise({
      name: 'nats-server',
      exited: server.exited,
      stop: (timeoutMs) => server.stop(timeoutMs),
    });
  } catch (error) {
    if (error instanceof NatsServerNotInstalledError) await shutdown(1, error.message);
    await shutdown(1, `Could not start nats-server: ${(error as Error).message}`);
  }
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
}

await ensureNats();

const node = process.execPath;
for (const service of services) {
  serviceProcesses.push(
    supervise(
      spawnManaged(service.name, node, ['--import', 'tsx', `services/${service.name}/src/main.ts`], {
        cwd: root,
        env: serviceEnv(service, env),
      }),
    ),
  );
}
gateway = supervise(
  spawnManaged('gateway', node, ['--import', 'tsx', 'gateway/src/main.ts'], { cwd: root, env }),
);

await waitUntilReady(readinessUrl(env));
if (!shuttingDown) console.log(`Huddle is ready on http://localhost:${env.PORT || '8080'} (docs: /docs)`);
