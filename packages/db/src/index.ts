import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  /** Calls `listener` whenever a connection to the server is lost (a restart, a failover, a cut). */
  onConnectionLost(listener: () => void): void;
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
    const lostListeners = new Set<() => void>();
    // A broken connection must not crash the process (the pool replaces it), but
    // it is news: the server restarted, failed over or cut us off. pg emits
    // `error` on a client whose server ends its connection (a restart's
    // "terminating connection due to administrator command", then "Connection
    // terminated") whether the client sits idle in the pool or is checked out,
    // even between the queries of a transaction; and an `error` nobody listens to
    // is thrown, ending the process. The pool listens only while a client is idle,
    // so every client gets a listener of its own: a query running fails with the
    // same error, and the pool drops the client when it comes back. Logged once
    // per connection through the logger's error serializer, which keeps a
    // PostgreSQL error's SQLSTATE and drops its message and detail.
    const inUse = new WeakSet<pg.PoolClient>();
    pool.on('acquire', (client) => inUse.add(client));
    pool.on('release', (_error, client) => inUse.delete(client));
    pool.on('connect', (client) => {
      let reported = false;
      client.on('error', (error) => {
        if (reported) return;
        reported = true;
        const checkedOut = inUse.has(client);
        const message = checkedOut
          ? 'database connection lost while in use'
          : 'idle database connection lost';
        options.logger.warn({ err: error }, message);
        for (const listener of lostListeners) listener();
        if (checkedOut) giveBack(client, error);
      });
    });
    // A checked-out connection that died goes back to the pool at once, which drops
    // it: drizzle's `transaction` never releases a client whose `begin` failed, and
    // each such client would hold a place in the pool for good (with every place
    // held, every query waits for ever). Whoever holds it may still release it:
    // that second release is ignored, where the pool's own would throw.
    const giveBack = (client: pg.PoolClient, error: Error) => {
      const release = client.release.bind(client);
      let released = false;
      client.release = (failed?: Error | boolean) => {
        if (released) return;
        released = true;
        release(failed);
      };
      client.release(error);
    };
    // Reported above, by the client's own listener; without one here the pool's re-emit would throw.
    pool.on('error', () => {});
    const db = drizzlePostgres(pool) as unknown as Database;
    await migratePostgres(db as never, { migrationsFolder: options.migrationsFolder });
    return {
      db,
      driver: 'postgres',
      ping: async () => void (await db.execute(sql`select 1`)),
      connections: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      onConnectionLost: (listener) => void lostListeners.add(listener),
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
    // In this process: it cannot be lost without the process.
    onConnectionLost: () => {},
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
 * Where `npm start` keeps an empty, cleanly closed PGlite cluster beside the
 * services' own folders (`DATA_DIR/.pglite-template`), made once by
 * `createEmbeddedTemplate` before the services start.
 */
export const embeddedTemplateDir = (dataRoot: string) => join(dataRoot, '.pglite-template');

const embeddedOptions = () => ({
  startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
  // The contrib extensions the services' migrations create (chat: btree_gin for search).
  extensions: { btree_gin },
});

/**
 * Creates the template cluster in `dir` unless it is there: PostgreSQL's
 * initdb, about 5 s of CPU, run once rather than once per service (see
 * openEmbedded). Written beside and renamed into place, so a template is
 * never half made.
 */
export async function createEmbeddedTemplate(dir: string): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  const making = `${dir}.${process.pid}`;
  rmSync(making, { recursive: true, force: true });
  await (await PGlite.create(making, embeddedOptions())).close();
  rmSync(dir, { recursive: true, force: true });
  renameSync(making, dir);
}

/**
 * The embedded database is a development default holding little: 16 MB of
 * shared buffers rather than PostgreSQL's 128 MB (less aborts PGlite 0.5 at
 * start). A new data folder starts as a copy of the template cluster when
 * there is one (a cleanly closed cluster copies as files; copied beside and
 * renamed, so a crash never leaves half a cluster): it then opens like
 * existing data, with no initdb in this process. Without a template it is
 * created, closed and opened again, because the WebAssembly memory that
 * initdb grew (about 400–700 MB) is never given back while that instance
 * lives; the reopened one holds about 125 MB beyond the Node.js runtime
 * (measured with PGlite 0.5 on Node.js 20, bench/README.md).
 */
async function openEmbedded(dataDir: string): Promise<PGlite> {
  const options = embeddedOptions();
  if (existsSync(join(dataDir, 'PG_VERSION'))) return PGlite.create(dataDir, options);
  const template = embeddedTemplateDir(dirname(dataDir));
  // Only into an empty folder: anything else there is not ours to replace.
  if (existsSync(join(template, 'PG_VERSION')) && readdirSync(dataDir).length === 0) {
    const copying = `${dataDir}.${process.pid}`;
    rmSync(copying, { recursive: true, force: true });
    cpSync(template, copying, { recursive: true });
    rmSync(dataDir, { recursive: true, force: true });
    renameSync(copying, dataDir);
    return PGlite.create(dataDir, options);
  }
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
