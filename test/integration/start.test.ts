import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves with everything printed up to and including a line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (pattern.test(output)) resolve(output);
    });
    child.once('exit', (code) =>
      reject(new Error(`launcher exited (${code}) before ${pattern}:\n${output}`)),
    );
  });
}

describe('npm start', () => {
  const dataDir = mkdtemp(join(tmpdir(), 'huddle-start-'));
  let launcher: ChildProcess | undefined;
  afterAll(async () => {
    launcher?.kill('SIGKILL');
    await rm(await dataDir, { recursive: true, force: true });
  });

  it('brings up every process with no configuration, serves tokens it can verify, and stops cleanly', async () => {
    const [gatewayPort, natsPort, chatPort, participantPort, sharingPolicyPort, notificationPort] =
      (await Promise.all(Array.from({ length: 6 }, freePort))) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
    const env = {
      ...process.env,
      DATA_DIR: await dataDir,
      PORT: String(gatewayPort),
      // A port where nothing answers, so the launcher runs a NATS server of its own.
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      CHAT_ADDR: `127.0.0.1:${chatPort}`,
      PARTICIPANT_ADDR: `127.0.0.1:${participantPort}`,
      SHARING_POLICY_ADDR: `127.0.0.1:${sharingPolicyPort}`,
      NOTIFICATION_ADDR: `127.0.0.1:${notificationPort}`,
      AUTH_JWT_SECRET: '',
      LOG_LEVEL: 'warn',
    };
    launcher = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });

    const output = await waitForLine(launcher, /Huddle is ready on .*\n/);
    expect(output).toContain(`Huddle is ready on http://localhost:${gatewayPort} (docs: /docs)`);
    expect(output).toContain('npm run token -- <personId> --practice <practiceId>');
    expect(await answers(natsPort)).toBe(true);

    const { stdout: token } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/token.ts', 'dana', '--practice', 'practice-1'],
      { cwd: root, env },
    );
    const me = await fetch(`http://127.0.0.1:${gatewayPort}/v1/me`, {
      headers: { authorization: `Bearer ${token.trim()}` },
    });
    // Authenticated: the person is simply not in the directory yet.
    expect(me.status).not.toBe(401);

    // Issue 9: every process serves its own Prometheus metrics, the services each on their default METRICS_PORT.
    const scrape = async (url: string) => (await fetch(url)).text();
    const gatewayMetrics = await scrape(`http://127.0.0.1:${gatewayPort}/metrics`);
    expect(gatewayMetrics).toContain('service_name="huddle-gateway"');
    expect(gatewayMetrics).toMatch(
      /^huddle_http_request_duration_seconds_count\{method="GET",route="\/v1\/me",/m,
    );
    for (const [service, metricsPort] of [
      ['chat', 9461],
      ['participant', 9462],
      ['sharing-policy', 9463],
      ['notification', 9464],
    ] as const) {
      const text = await scrape(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(text, service).toContain(`service_name="huddle-${service}"`);
      expect(text, service).toMatch(/^huddle_event_loop_utilization /m);
      expect(text, service).toMatch(/^huddle_outbox_backlog \d/m);
    }

    launcher.kill('SIGTERM');
    const [code] = await once(launcher, 'exit');
    expect(code).toBe(0);
    expect(await answers(gatewayPort)).toBe(false);
    expect(await answers(natsPort)).toBe(false);
    for (const metricsPort of [9461, 9462, 9463, 9464]) expect(await answers(metricsPort)).toBe(false);
  }, 120_000);
});
