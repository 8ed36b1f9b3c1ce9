import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { mintToken } from '@huddle/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { answers, freePort } from '../support/ports';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The README's two commands: the lines of its first `sh` block, without their comments. */
function readmeCommands(readme: string): { start: string; test: string } {
  const block = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  expect(commands).toHaveLength(2);
  const [start, test] = commands as [string, string];
  return { start, test };
}

/** Everything a child and its children print, on both streams. */
function output(child: ChildProcess) {
  let text = '';
  child.stdout!.on('data', (chunk) => {
    text += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    text += chunk;
  });
  return {
    get text() {
      return text;
    },
    /** Resolves once a line matches; rejects if the child ends first. */
    until(pattern: RegExp): Promise<void> {
      return new Promise((resolve, reject) => {
        const look = () => {
          if (!pattern.test(text)) return;
          child.stdout!.off('data', look);
          resolve();
        };
        child.stdout!.on('data', look);
        child.once('exit', (code) => reject(new Error(`exited (${code}) before ${pattern}:\n${text}`)));
      });
    },
  };
}

describe('a newcomer on a fresh clone', () => {
  const folder = mkdtemp(join(tmpdir(), 'huddle-clone-'));
  let started: ChildProcess | undefined;
  afterAll(async () => {
    // Whatever of its process group still runs after a failure; ESRCH once all of it has exited.
    try {
      if (started?.pid) process.kill(-started.pid, 'SIGKILL');
    } catch {}
    await rm(await folder, { recursive: true, force: true });
  });

  it("README's test command is the one .ci/run runs after installing", async () => {
    const { test } = readmeCommands(await readFile(join(root, 'README.md'), 'utf8'));
    const ci = (await readFile(join(root, '.ci/run'), 'utf8')).split('\n').map((line) => line.trim());
    expect(test).toBe('npm test');
    expect(ci.some((line) => line === test || line.startsWith(`${test} --`))).toBe(true);
  });

  it("README's start command, exactly as printed, installs, starts every process with no configuration, serves tokens, and stops on Ctrl-C: gateway and services first, NATS after them", async () => {
    const clone = join(await folder, 'huddle');
    await promisify(execFile)('git', ['clone', '--quiet', root, clone]);
    const { start } = readmeCommands(await readFile(join(clone, 'README.md'), 'utf8'));

    const [gatewayPort, natsPort, chatPort, participantPort, sharingPolicyPort, notificationPort, auditPort] =
      (await Promise.all(Array.from({ length: 7 }, freePort))) as [
        number,
        number,
        number,
        number,
        number,
        number,
        number,
      ];
    // The caller's environment, minus what would point the clone elsewhere (npm's own, a data folder,
    // a database); ports of its own so it can run beside anything else on this machine.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) =>
          !/^npm_/i.test(key) && !['DATA_DIR', 'DATABASE_URL', 'GRPC_PORT', 'NODE_OPTIONS'].includes(key),
      ),
    );
    const env = {
      ...inherited,
      PORT: String(gatewayPort),
      // A port where nothing answers, so the launcher runs a NATS server of its own.
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      CHAT_ADDR: `127.0.0.1:${chatPort}`,
      PARTICIPANT_ADDR: `127.0.0.1:${participantPort}`,
      SHARING_POLICY_ADDR: `127.0.0.1:${sharingPolicyPort}`,
      NOTIFICATION_ADDR: `127.0.0.1:${notificationPort}`,
      AUDIT_ADDR: `127.0.0.1:${auditPort}`,
      AUTH_JWT_SECRET: '',
      LOG_LEVEL: 'info',
    };
    // Its own process group, as a terminal gives a command, so Ctrl-C can be sent to all of it.
    started = spawn('sh', ['-c', start], {
      cwd: clone,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const printed = output(started);
    await printed.until(/Huddle is ready on .*\n/);
    expect(printed.text).toContain(`Huddle is ready on http://localhost:${gatewayPort} (docs: /docs)`);
    expect(printed.text).toContain('npm run token -- <personId> --practice <practiceId>');
    expect(await answers(natsPort)).toBe(true);

    const secret = /AUTH_JWT_SECRET=(\S+)/.exec(printed.text)?.[1];
    expect(secret).toBeDefined();
    const token = await mintToken({
      secret: secret!,
      sub: 'svc:platform',
      practice: 'practice-1',
      scope: 'directory:write',
    });
    const practice = await fetch(`http://127.0.0.1:${gatewayPort}/v1/practices/practice-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Practice 1', plan: 'team' }),
    });
    expect(practice.status).toBe(201);

    // Issue 9: every process serves its own Prometheus metrics, the services each on their default METRICS_PORT.
    const scrape = async (url: string) => (await fetch(url)).text();
    const gatewayMetrics = await scrape(`http://127.0.0.1:${gatewayPort}/metrics`);
    expect(gatewayMetrics).toContain('service_name="huddle-gateway"');
    expect(gatewayMetrics).toMatch(
      /^huddle_http_request_duration_seconds_count\{method="PUT",route="\/v1\/practices\/:practiceId",/m,
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

    // Ctrl-C: SIGINT to the whole foreground process group.
    const exited = once(started, 'exit');
    process.kill(-started.pid!, 'SIGINT');
    await exited;
    for (const port of [
      gatewayPort,
      natsPort,
      chatPort,
      participantPort,
      sharingPolicyPort,
      notificationPort,
      9461,
      9462,
      9463,
      9464,
    ]) {
      // Closed soon after the launcher exits; a process it left behind would keep its port.
      await expect.poll(() => answers(port), { timeout: 30_000, message: `port ${port}` }).toBe(false);
    }
    // NATS outlived the services: none of them failed to drain its connection.
    expect(printed.text).toMatch(/chat stopping/);
    expect(printed.text).not.toMatch(/stopping \w+ failed/);
    expect(printed.text).not.toMatch(/exited unexpectedly/);
    // The launcher's readiness polling stays out of the info log.
    expect(printed.text).not.toContain('/readyz');
  }, 420_000);
});
