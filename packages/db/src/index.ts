import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { HuddleError } from '@huddle/errors';
import { and, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { type AnyPgColumn, type PgDatabase, type PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
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
  /** The connection pool now: connections open, idle ones, and queries waiting for one. */
  connections(): { total: number; idle: number; waiting: number };
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; when absent an embedded PGlite database is kept in `dataDir`. */
  url?: string | undefined;
  dataDir: string;
  /** The service's drizzle-kit migrations, applied in order before anything else runs. */
  migrationsFolder: string;
  poolSize?: number;
  /** Where a connection the pool loses while idle is reported (a pino logger's `warn`); never left out, so no loss goes unseen. */
  logger: { warn(details: object, message: string): void };
}

/**
 * Opens the service's own database and brings its schema up to date. Both
 * drivers run the same migrations and the same drizzle code.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10 });
    // A broken idle connection must not crash the process (the pool replaces it),
    // but it is news: the server restarted, failed over or cut us off. Logged
    // through the logger's error serializer, which keeps a PostgreSQL error's
    // SQLSTATE and drops its message and detail.
    pool.on('error', (error) => options.logger.warn({ err: error }, 'idle database connection lost'));
    const db = drizzlePostgres(pool) as unknown as Database;
    await migratePostgres(db as never, { migrationsFolder: options.migrationsFolder });
    return {
      db,
      driver: 'postgres',
      ping: async () => void (await db.execute(sql`select 1`)),
      connections: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => pool.end(),
    };
  }
  mkdirSync(options.dataDir, { recursive: true });
  const client = await openEmbedded(options.dataDir);
  const db = drizzlePglite(client) as unknown as Database;
  await migratePglite(db as never, { migrationsFolder: options.migrationsFolder });
  return {
    db,
    driver: 'pglite',
    ping: async () => void (await db.execute(sql`select 1`)),
    // The embedded database is one connection in this process; it queues internally.
    connections: () => ({ total: 1, idle: 0, waiting: 0 }),
    close: () => client.close(),
  };
}

/**
 * Runs `work` in a transaction holding the lease `name` (a transaction
 * advisory lock), so of several replicas on one database one at a time does
 * it; returns `busy` at once when another holds it. The lease ends with the
 * transaction, so a holder that crashes frees it.
 */
export function withLease<R>(
  db: Database,
  name: string,
  work: (tx: Transaction) => Promise<R>,
): Promise<R | 'busy'> {
  return db.transaction(async (tx) => {
    const result = await tx.execute(sql`select pg_try_advisory_xact_lock(hashtext(${name})) as held`);
    const held = (result as unknown as { rows: Array<{ held: boolean }> }).rows[0]?.held;
    return held ? work(tx as Transaction) : 'busy';
  });
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

/** The SQLSTATE of a PostgreSQL error, found through drizzle's wrapper (`cause`). */
function sqlStateOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const { code, severity } = current as Error & { code?: unknown; severity?: unknown };
    if (typeof severity === 'string' && typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * A statement the database refused because of the values sent, as the
 * HuddleError a caller can act on: class 22 (data exception: a NUL character
 * in text, a number beyond the column) is invalid input; a unique key taken
 * meanwhile (23505), a serialization failure or a deadlock (40001, 40P01) are
 * conflicts worth retrying; a database away or full is unavailable (503).
 * Undefined for anything else (a failure of ours).
 * The messages name no value: PostgreSQL's own quote them.
 */
export function fromDatabaseError(error: unknown): HuddleError | undefined {
  const state = sqlStateOf(error);
  if (state?.startsWith('22')) {
    return new HuddleError(
      'validation_failed',
      'A value cannot be stored: text with NUL characters, or a number out of range',
    );
  }
  if (state === '23505' || state === '40001' || state === '40P01') {
    return new HuddleError('conflict', 'The change collided with another one; try again');
  }
  if (databaseAway(error, state)) {
    return new HuddleError('unavailable', 'The database is unavailable; try again shortly');
  }
  return undefined;
}

/** SQLSTATEs of a database that is away or full, not of a statement: try again later. */
const AWAY_STATES = ['57P01', '57P02', '57P03'];

/**
 * The database is restarting, failing over, cut off or out of connections:
 * class 08 (connection exception), 53 (insufficient resources: too many
 * clients), 57P01–03 (shut down, or not accepting connections yet), or no
 * server answering at all (a refused or reset socket, node-postgres's
 * "Connection terminated"). Answered as 503, never 500: nothing was wrong
 * with the request.
 */
function databaseAway(error: unknown, state: string | undefined): boolean {
  if (state) return state.startsWith('08') || state.startsWith('53') || AWAY_STATES.includes(state);
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const { code } = current as Error & { code?: unknown };
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE') return true;
    if (/^Connection terminated/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}

/**
 * The embedded database is a development default holding little: 16 MB of
 * shared buffers rather than PostgreSQL's 128 MB. And a new data folder is
 * created, closed and opened again, because the WebAssembly memory that
 * creating it grew (about 400 MB) is never given back while that instance
 * lives once V8 collects the closed one; the reopened one holds about 300 MB
 * in all, at 0.2 s more on the first start only (measured with PGlite 0.3 on
 * Node.js 20: `npm start` on existing data 1.6 GB resident in all, each service
 * about 320 MB, against 3.9 GB before).
 */
async function openEmbedded(dataDir: string): Promise<PGlite> {
  const options = {
    startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
    // The contrib extensions the services' migrations create (chat: btree_gin for search).
    extensions: { btree_gin },
  };
  if (existsSync(join(dataDir, 'PG_VERSION'))) return PGlite.create(dataDir, options);
  await (await PGlite.create(dataDir, options)).close();
  return PGlite.create(dataDir, options);
}

/**
 * A query built and prepared once per database instead of on every call: drizzle's
 * query builder was a fifth of the chat service's CPU on the posting path, and
 * PostgreSQL parses a named statement once per connection. Values come as
 * `sql.placeholder`s. In a transaction the query is built on it, unprepared: a query
 * prepared on the database runs on the pool, outside the transaction.
 * `name` is the statement's name on every connection: one per query text.
 */
export function prepared<Q extends { execute(values?: Record<string, unknown>): Promise<unknown> }>(
  name: string,
  build: (db: Executor) => Q & { prepare(name: string): Pick<Q, 'execute'> },
): (db: Executor) => Pick<Q, 'execute'> {
  const onDatabase = new WeakMap<Executor, Pick<Q, 'execute'>>();
  return (db) => {
    if (db instanceof PgTransaction) return build(db);
    let query = onDatabase.get(db);
    if (!query) {
      query = build(db).prepare(name);
      onDatabase.set(db, query);
    }
    return query;
  };
}
