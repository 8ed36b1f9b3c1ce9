import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

// Any drizzle migrations will do: the test is about the embedded database, not the schema.
const migrationsFolder = fileURLToPath(new URL('../../../bus/test/migrations', import.meta.url));
const logger = createLogger({ service: 'db-test', level: 'silent' });

describe('embedded database (PGlite)', () => {
  const folders: string[] = [];
  afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

  it('keeps what it stored across a reopen, with the small buffers of a development default', async () => {
    const dataDir = join(await mkdtemp(join(tmpdir(), 'huddle-embedded-')), 'db');
    folders.push(dataDir);
    const first = await openDatabase({ url: '', dataDir, migrationsFolder, poolSize: 1, logger });
    await first.db.execute(sql`create table kept (id int primary key)`);
    await first.db.execute(sql`insert into kept values (1), (2)`);
    await first.close();

    const again = await openDatabase({ url: '', dataDir, migrationsFolder, poolSize: 1, logger });
    try {
      const buffers = await again.db.execute(sql`show shared_buffers`);
      expect(
        (buffers as unknown as { rows: Array<{ shared_buffers: string }> }).rows[0]?.shared_buffers,
      ).toBe('16MB');
      const rows = await again.db.execute(sql`select count(*)::int as n from kept`);
      expect((rows as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(2);
    } finally {
      await again.close();
    }
    // Three WebAssembly PostgreSQL boots: seconds on an idle machine, far more on a busy one.
  }, 180_000);
});
