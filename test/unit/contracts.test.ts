import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const committed = join(root, 'packages/contracts/src/gen');

/** Every file under a folder, by path relative to it, with its content. */
async function tree(folder: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(folder, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(folder, path)] = await readFile(path, 'utf8');
  }
  return files;
}

describe('contracts', () => {
  const scratch = mkdtemp(join(tmpdir(), 'huddle-contracts-'));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it('proto/ passes buf lint', async () => {
    await expect(
      run(join(root, 'node_modules/.bin/buf'), ['lint'], { cwd: join(root, 'proto') }),
    ).resolves.toBeDefined();
  });

  it('generated contracts match proto/', async () => {
    const out = await scratch;
    await run('bash', [join(root, 'scripts/generate-contracts.sh'), out], { cwd: root });

    const [fresh, current] = await Promise.all([tree(out), tree(committed)]);
    // File names first, so a missing or stale file is named in the failure.
    expect(Object.keys(current).sort(), 'run `npm run generate` and commit the result').toEqual(
      Object.keys(fresh).sort(),
    );
    for (const [path, content] of Object.entries(fresh)) {
      expect(current[path], `${path} is stale: run \`npm run generate\``).toBe(content);
    }
  }, 60_000);
});
