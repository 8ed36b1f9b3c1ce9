import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, freePort } from '../support/ports';

/**
 * Issue 11, the embedded default under faults: `npm start` supervises its
 * processes. A crashed service is restarted while the gateway stays up and
 * reports not-ready meanwhile; the children stop when the launcher is killed;
 * a second launcher on the same DATA_DIR is refused.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const secret = 'supervise-test-secret-at-least-32-characters';

/** A process that still runs: it exists and is not a zombie waiting for a parent to reap it. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** The processes whose parent is `pid`, each with its command line. */
async function childrenOf(pid: number): Promise<{ pid: number; command: string }[]> {
  const found: { pid: number; command: string }[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== pid) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    found.push({ pid: Number(entry), command: command.replaceAll('\0', ' ') });
  }
  return found;
}

/** Polls `check` until it holds, or fails after `ms` with what the launcher printed. */
async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} did not happen within ${ms / 1000} s:\n${printed}`);
}

let printed = '';

function launch(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return child;
}

describe('npm start under faults (issue 11)', () => {
  const dataDir = mkdtemp(join(tmpdir(), 'huddle-supervise-'));
  let env: NodeJS.ProcessEnv;
  let gatewayPort: number;
  let chatPort: number;
  let launcher: ChildProcess;
  const children: number[] = [];

  const readiness = async () => {
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => undefined);
    if (!response) return undefined;
    return { status: response.status, body: (await response.json()) as { checks: Record<string, boolean> } };
  };

  beforeAll(async () => {
    const ports = await Promise.all(Array.from({ length: 7 }, freePort));
    const [gateway, nats, chat, participant, sharingPolicy, notification, audit] = ports as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    gatewayPort = gateway;
    chatPort = chat;
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) =>
          !/^npm_/i.test(key) && !['DATA_DIR', 'DATABASE_URL', 'GRPC_PORT', 'NODE_OPTIONS'].includes(key),
      ),
    );
    env = {
      ...inherited,
      DATA_DIR: await dataDir,
      PORT: String(gateway),
      NATS_URL: `nats://127.0.0.1:${nats}`,
      CHAT_ADDR: `127.0.0.1:${chat}`,
      PARTICIPANT_ADDR: `127.0.0.1:${participant}`,
      SHARING_POLICY_ADDR: `127.0.0.1:${sharingPolicy}`,
      NOTIFICATION_ADDR: `127.0.0.1:${notification}`,
      AUDIT_ADDR: `127.0.0.1:${audit}`,
      // Each service on a free metrics port: the defaults may be held by another test's launcher.
      METRICS_PORT: '0',
      AUTH_JWT_SECRET: secret,
      LOG_LEVEL: 'info',
    };
    launcher = launch(env);
    launcher.stdout!.on('data', (chunk) => {
      printed += chunk;
    });
    launcher.stderr!.on('data', (chunk) => {
      printed += chunk;
    });
    await until(
      'the launcher getting ready',
      async () => {
        if (launcher.exitCode !== null)
          throw new Error(`the launcher exited (${launcher.exitCode}):\n${printed}`);
        return /Huddle is ready on/.test(printed);
      },
      240_000,
    );
  }, 300_000);

  afterAll(async () => {
    // Whatever a failed test left: the launcher and every child it had, NATS included.
    if (launcher?.pid && (await running(launcher.pid))) {
      children.push(...(await childrenOf(launcher.pid)).map((child) => child.pid));
      process.kill(launcher.pid, 'SIGKILL');
    }
    for (const pid of children) if (await running(pid)) process.kill(pid, 'SIGKILL');
    await rm(await dataDir, { recursive: true, force: true });
  });

  it('refuses a second launcher on the same DATA_DIR, naming the running one', async () => {
    const second = launch({ ...env, PORT: String(await freePort()) });
    let output = '';
    second.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    const [code] = await once(second, 'exit');
    expect(code).toBe(1);
    expect(output).toContain(`Huddle is already running on ${await dataDir} (launcher pid ${launcher.pid})`);
    // The first one is untouched.
    expect((await readiness())?.status).toBe(200);
  });

  it('restarts a killed service and logs it; the gateway stays up and is not ready until the service answers', async () => {
    const before = await childrenOf(launcher.pid!);
    const chat = before.find((child) => child.command.includes('services/chat/dist/main.js'))!;
    const gateway = before.find((child) => child.command.includes('gateway/dist/main.js'))!;
    expect(chat).toBeDefined();
    expect(gateway).toBeDefined();

    process.kill(chat.pid, 'SIGKILL');

    // Readiness: 503 while chat is down, naming it.
    await until('readiness turning 503', async () => (await readiness())?.status === 503);
    expect((await readiness())?.body.checks.chat).toBe(false);
    await until('the restart being logged', async () =>
      printed.includes('chat exited unexpectedly (SIGKILL); restarting it in 1 s.'),
    );
    await until('chat answering again', async () => (await readiness())?.status === 200);
    expect(await answers(chatPort)).toBe(true);
    expect(printed).toContain('Restarting chat.');

    // The gateway was never restarted, and a write through it reaches the new chat's neighbours.
    expect(await running(gateway.pid)).toBe(true);
    const after = await childrenOf(launcher.pid!);
    expect(after.find((child) => child.command.includes('gateway/dist/main.js'))?.pid).toBe(gateway.pid);
    expect(after.find((child) => child.command.includes('services/chat/dist/main.js'))?.pid).not.toBe(
      chat.pid,
    );
    const token = await mintToken({
      secret,
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
  }, 120_000);

  it('stops every process it started when the launcher itself is killed', async () => {
    const started = await childrenOf(launcher.pid!);
    children.push(...started.map((child) => child.pid));
    // The gateway and the five services (NATS is a Go binary the watch does not reach; see DEVELOPERS.md).
    const node = started.filter((child) => child.command.includes('dist/main.js'));
    expect(node).toHaveLength(6);

    process.kill(launcher.pid!, 'SIGKILL');

    await until(
      'the gateway and services exiting',
      async () => (await Promise.all(node.map((child) => running(child.pid)))).every((alive) => !alive),
      20_000,
    );
    expect(await answers(gatewayPort)).toBe(false);
    expect(await answers(chatPort)).toBe(false);
  }, 60_000);
});
