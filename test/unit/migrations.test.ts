import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const services = ['audit', 'chat', 'notification', 'participant', 'sharing-policy'];

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

// drizzle-kit compares schema.ts with the latest snapshot of the migrations
// folder it is given. Given a copy of the committed folder, it writes nothing
// when they agree and a new migration when the schema changed without one.
describe.concurrent('migrations', () => {
  const scratch: string[] = [];
  afterAll(() => Promise.all(scratch.map((folder) => rm(folder, { recursive: true, force: true }))));

  it.each(services)(
    '%s: committed migrations match src/store/schema.ts',
    async (service) => {
      const cwd = join(root, 'services', service);
      const committed = join(cwd, 'src/store/migrations');
      const out = await mkdtemp(join(tmpdir(), `huddle-migrations-${service}-`));
      scratch.push(out);
      await cp(committed, out, { recursive: true });

      // The same settings as the service's drizzle.config.ts, with the copy as
      // `out` (drizzle-kit takes it relative to the working directory).
      await run(
        join(root, 'node_modules/.bin/drizzle-kit'),
        [
          'generate',
          '--dialect',
          'postgresql',
          '--schema',
          './src/store/schema.ts',
          '--out',
          relative(cwd, out),
        ],
        { cwd },
      );

      const [fresh, current] = await Promise.all([tree(out), tree(committed)]);
      const fix = `schema.ts changed without a migration: run \`npm run db:generate -w @huddle/${service}\` and commit it`;
      // File names first, so the migration it would add is named in the failure.
      expect(Object.keys(fresh).sort(), fix).toEqual(Object.keys(current).sort());
      for (const [path, content] of Object.entries(fresh)) {
        expect(content, `${path}: ${fix}`).toBe(current[path]);
      }
    },
    120_000,
  );
});
