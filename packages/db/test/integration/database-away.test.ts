import { fileURLToPath } from 'node:url';
import { type DatabaseHandle, fromDatabaseError, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase } from '@huddle/testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Any drizzle migrations will do: the test is about the errors, not the schema.
const migrationsFolder = fileURLToPath(new URL('../../../bus/test/migrations', import.meta.url));
const logger = createLogger({ service: 'db-test', level: 'silent' });

describe('a database that is away answers unavailable, not an internal error', () => {
  let database: FreshDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await freshDatabase('db-away');
    handle = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, poolSize: 2, logger });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it('a query whose connection the server ends (a restart, a failover) maps to unavailable', async () => {
    const running = handle.db.execute(sql`select pg_sleep(10)`).then(
      () => undefined,
      (error: unknown) => error,
    );
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await expect
        .poll(
          async () =>
            (
              await admin.query(
                "select pg_terminate_backend(pid) as ended from pg_stat_activity where datname = current_database() and query like 'select pg_sleep%'",
              )
            ).rowCount,
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    const error = await running;
    expect(error).toBeInstanceOf(Error);
    expect(fromDatabaseError(error)).toMatchObject({ code: 'unavailable' });
    // The pool replaced the connection.
    await expect(handle.ping()).resolves.toBeUndefined();
  });

  it('no server, or a full one, maps to unavailable; a refused value does not', async () => {
    const refused = await new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/none' })
      .connect()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(fromDatabaseError(refused)).toMatchObject({ code: 'unavailable' });
    const tooMany = Object.assign(new Error('sorry, too many clients already'), {
      code: '53300',
      severity: 'FATAL',
    });
    expect(fromDatabaseError(tooMany)).toMatchObject({ code: 'unavailable' });
    const nul = Object.assign(new Error('invalid byte sequence'), { code: '22021', severity: 'ERROR' });
    expect(fromDatabaseError(nul)).toMatchObject({ code: 'validation_failed' });
    expect(fromDatabaseError(new Error('a bug of ours'))).toBeUndefined();
  });
});
