import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockFile, takeDataDirLock } from '../../scripts/lib/lock';
import { type Managed, spawnManaged, stopInOrder, supervise } from '../../scripts/lib/processes';

/**
 * A node child that exits `lingerMs` after SIGTERM (or never, when it ignores
 * it). Resolves once its handler is installed, which it signals with a file.
 */
async function child(name: string, { lingerMs = 0, ignoreTerm = false } = {}): Promise<Managed> {
  const marker = join(await scratch, name);
  const source = `
    process.on('SIGTERM', () => { ${ignoreTerm ? '' : `setTimeout(() => process.exit(0), ${lingerMs});`} });
    require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');
    setInterval(() => {}, 1000);
  `;
  const managed = spawnManaged(name, process.execPath, ['-e', source], { env: process.env });
  while (!existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, 20));
  return managed;
}

const scratch = mkdtemp(join(tmpdir(), 'huddle-processes-'));
afterAll(async () => rm(await scratch, { recursive: true, force: true }));

describe('launcher processes', () => {
  it('stops groups one after another and reports how each ended', async () => {
    const [gateway, chat, participant] = await Promise.all([
      child('gateway', { lingerMs: 200 }),
      child('chat'),
      child('participant'),
    ]);
    const ended: string[] = [];
    for (const process of [gateway, chat, participant]) {
      void process.exited.then(() => ended.push(process.name));
    }

    await stopInOrder([[gateway], [chat, participant]], 5_000);

    expect(ended[0]).toBe('gateway');
    expect(ended.slice(1).sort()).toEqual(['chat', 'participant']);
    expect(await gateway.exited).toBe(0);
  });

  it('kills a child that ignores SIGTERM once the deadline passes', async () => {
    const stubborn = await child('stubborn', { ignoreTerm: true });
    const started = Date.now();

    await stubborn.stop(300);

    expect(await stubborn.exited).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports a child that dies by itself, and stopping it afterwards is harmless', async () => {
    const crashing = spawnManaged('crashing', process.execPath, ['-e', 'process.exit(3)'], {
      env: process.env,
    });
    expect(await crashing.exited).toBe(3);
    await expect(crashing.stop(100)).resolves.toBeUndefined();
  });

  it('reports a command that cannot start', async () => {
    const missing = spawnManaged('missing', '/nonexistent/huddle-binary', [], { env: process.env });
    expect(await missing.exited).toMatch(/failed to start/);
  });
});

describe('launcher supervision (issue 11: the embedded default under faults)', () => {
  it('restarts a crashed process with a growing backoff, logging each restart, until it stays up', async () => {
    const log: string[] = [];
    let starts = 0;
    const starting: number[] = [];
    const supervised = supervise(
      'chat',
      () => {
        starts++;
        starting.push(Date.now());
        // Crashes twice, then runs until stopped.
        const source = starts <= 2 ? 'process.exit(3)' : 'setInterval(() => {}, 1000)';
        return spawnManaged('chat', process.execPath, ['-e', source], { env: process.env });
      },
      { firstDelayMs: 100, maxDelayMs: 1_000, log: (line) => log.push(line) },
    );
    while (starts < 3) await new Promise((resolve) => setTimeout(resolve, 20));

    expect(log).toEqual([
      'chat exited unexpectedly (3); restarting it in 0.1 s.',
      'Restarting chat.',
      'chat exited unexpectedly (3); restarting it in 0.2 s.',
      'Restarting chat.',
    ]);
    expect(starting[2]! - starting[1]!).toBeGreaterThanOrEqual(200);
    await supervised.stop(1_000);
    expect(await supervised.exited).toBe('SIGTERM');
    expect(starts).toBe(3);
  });

  it('gives up on an exit a restart cannot mend, and a stop during the backoff starts nothing more', async () => {
    const fatal = supervise(
      'gateway',
      () => spawnManaged('gateway', process.execPath, ['-e', 'process.exit(78)'], { env: process.env }),
      { isFatal: (code) => code === 78, log: () => {} },
    );
    expect(await fatal.exited).toBe(78);

    let starts = 0;
    const log: string[] = [];
    const waiting = supervise(
      'participant',
      () => {
        starts++;
        return spawnManaged('participant', process.execPath, ['-e', 'process.exit(1)'], { env: process.env });
      },
      { firstDelayMs: 60_000, log: (line) => log.push(line) },
    );
    while (log.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    await waiting.stop(1_000);
    expect(await waiting.exited).toBe(1);
    expect(starts).toBe(1);
  });
});

describe('the data folder lock', () => {
  it('refuses a second launcher while the first lives, naming its pid', async () => {
    const dataDir = await mkdtemp(join(await scratch, 'data-'));
    // A process that certainly lives: the one that started this test.
    writeFileSync(lockFile(dataDir), `${process.ppid}\n`);
    expect(() => takeDataDirLock(dataDir)).toThrow(DataDirLockedError);
    expect(() => takeDataDirLock(dataDir)).toThrow(`launcher pid ${process.ppid}`);
  });

  it('takes over the lock of a launcher that is gone', async () => {
    const dataDir = await mkdtemp(join(await scratch, 'data-'));
    const { pid: gone } = spawnSync(process.execPath, ['-e', '']);
    writeFileSync(lockFile(dataDir), `${gone}\n`);
    takeDataDirLock(dataDir);
    expect(readFileSync(lockFile(dataDir), 'utf8')).toBe(`${process.pid}\n`);
  });
});
