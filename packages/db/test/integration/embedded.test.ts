import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbeddedTemplate, embeddedTemplateDir, openDatabase } from '@huddle/db';
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

  it('starts each new database of a data folder as a copy of its template: no initdb of its own, nothing shared', async () => {
    const dataRoot = await mkdtemp(join(tmpdir(), 'huddle-embedded-'));
    folders.push(dataRoot);
    await createEmbeddedTemplate(embeddedTemplateDir(dataRoot));
    const open = (name: string) =>
      openDatabase({ url: '', dataDir: join(dataRoot, name), migrationsFolder, poolSize: 1, logger });

    const chat = await open('chat');
    await chat.db.execute(sql`create table kept (id int primary key)`);
    await chat.db.execute(sql`insert into kept values (1)`);
    await chat.close();

    const participant = await open('participant');
    try {
      const found = await participant.db.execute(sql`select to_regclass('kept') as kept`);
      expect((found as unknown as { rows: Array<{ kept: string | null }> }).rows[0]?.kept).toBeNull();
    } finally {
      await participant.close();
    }
    const again = await open('chat');
    try {
      const rows = await again.db.execute(sql`select count(*)::int as n from kept`);
      expect((rows as unknown as { rows: Array<{ n: number }> }).rows[0]?.n).toBe(1);
    } finally {
      await again.close();
    }
    // The template is untouched by the databases made from it; no copy was left half made.
    expect((await readdir(dataRoot)).sort()).toEqual(['.pglite-template', 'chat', 'participant']);
  }, 240_000);
});
