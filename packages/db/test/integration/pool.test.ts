import { fileURLToPath } from 'node:url';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase } from '@huddle/testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Any drizzle migrations will do: the test is about the pool, not the schema.
const migrationsFolder = fileURLToPath(new URL('../../../bus/test/migrations', import.meta.url));

/** Ends every other connection to the database, as a server restart or an administrator would. */
async function terminateOthers(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
  } finally {
    await admin.end();
  }
}

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

    await terminateOthers(database.url);
    await expect.poll(() => lines.length, { timeout: 10_000 }).toBeGreaterThan(0);

    const [line] = lines;
    expect(line).toMatchObject({ level: 40, msg: 'idle database connection lost', err: { code: '57P01' } });
    expect(JSON.stringify(line)).not.toMatch(/terminating connection/);
    // The pool replaced the connection: the next query works.
    await expect(handle.ping()).resolves.toBeUndefined();
  });

  it('survives losing a connection checked out between two queries of a transaction, and says so once', async () => {
    lines.length = 0;
    let losses = 0;
    handle.onConnectionLost(() => losses++);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failed = handle.db
        .transaction(async (tx) => {
          await tx.execute(sql`select 1`);
          // Between two queries, as a use-case awaiting another service: the server ends the connection.
          await terminateOthers(database.url);
          await expect.poll(() => losses, { timeout: 10_000 }).toBeGreaterThan(0);
          await tx.execute(sql`select 2`);
        })
        .then(
          () => 'committed',
          () => 'failed',
        );
      expect(await failed).toBe('failed');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    // pg emits two errors for the connection (the server's FATAL, then the end): neither thrown, one line.
    expect(uncaught).toEqual([]);
    expect(losses).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      msg: 'database connection lost while in use',
      err: { code: '57P01' },
    });
    // The pool dropped the broken client: the next query gets a new connection.
    await expect(handle.ping()).resolves.toBeUndefined();
  });
});
