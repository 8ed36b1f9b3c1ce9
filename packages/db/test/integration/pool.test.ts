import { fileURLToPath } from 'node:url';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase } from '@huddle/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Any drizzle migrations will do: the test is about the pool, not the schema.
const migrationsFolder = fileURLToPath(new URL('../../../bus/test/migrations', import.meta.url));

describe('database pool', () => {
  let database: FreshDatabase;
  let handle: DatabaseHandle;
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    service: 'db-test',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });

  beforeAll(async () => {
    database = await freshDatabase('db-pool');
    handle = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, poolSize: 1, logger });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('logs an idle connection the server cut, by its SQLSTATE and without the server message', async () => {
    await handle.ping();
    expect(handle.connections().idle).toBe(1);

    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
    } finally {
      await admin.end();
    }
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const [line] = lines;
    expect(line).toMatchObject({ level: 40, msg: 'idle database connection lost', err: { code: '57P01' } });
    expect(JSON.stringify(line)).not.toMatch(/terminating connection/);
    // The pool replaced the connection: the next query works.
    await expect(handle.ping()).resolves.toBeUndefined();
  });
});
