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
      [
        ...['--import', 'tsx', 'scripts/token.ts', 'svc:platform'],
        ...['--practice', 'practice-1', '--scope', 'directory:write'],
      ],
      { cwd: root, env },
    );
    const practice = await fetch(`http://127.0.0.1:${gatewayPort}/v1/practices/practice-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Practice 1', plan: 'team' }),
    });
    expect(practice.status).toBe(201);

    launcher.kill('SIGTERM');
    const [code] = await once(launcher, 'exit');
    expect(code).toBe(0);
    expect(await answers(gatewayPort)).toBe(false);
    expect(await answers(natsPort)).toBe(false);
  }, 120_000);
});
