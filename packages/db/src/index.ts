import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { and, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { AnyPgColumn, PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';

/** The database a service's code sees, whichever driver is underneath. */
export type Database = PgDatabase<PgQueryResultHKT>;
export type Transaction = PgTransaction<PgQueryResultHKT>;
/** Either the database or an open transaction: repositories take this. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  readonly db: Database;
  /** `postgres` for a real server (DATABASE_URL), `pglite` for the embedded one. */
  readonly driver: 'postgres' | 'pglite';
  /** Throws unless the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; when absent an embedded PGlite database is kept in `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  /** The service's drizzle-kit migrations, applied in order before anything else runs. */
  migrationsFolder: string;
  poolSize?: number;
}

/**
 * Opens the service's own database and brings its schema up to date. Both
 * drivers run the same migrations and the same drizzle code.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // A broken idle connection must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    const db = drizzlePostgres(pool) as unknown as Database;
    await migratePostgres(db as never, { migrationsFolder: options.migrationsFolder });
    return {
      db,
      driver: 'postgres',
      ping: async () => void (await db.execute(sql`select 1`)),
      close: () => pool.end(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create(options.dataDir);
  const db = drizzlePglite(client) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder: options.migrationsFolder });
  return {
    db,
    driver: 'pglite',
    ping: async () => void (await db.execute(sql`select 1`)),
    close: () => client.close(),
  };
}

/**
 * Keyset condition for lists ordered newest first by (time, id): the rows
 * after `cursor` on the next page. No condition on the first page.
 */
export function olderThan(
  time: AnyPgColumn,
  id: AnyPgColumn,
  cursor: { at: Date; id: string } | null,
): SQL | undefined {
  return cursor ? or(lt(time, cursor.at), and(eq(time, cursor.at), lt(id, cursor.id))) : undefined;
}
