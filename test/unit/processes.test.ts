import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Managed, spawnManaged, stopInOrder } from '../../scripts/lib/processes';

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
