import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface FreshDatabase {
  /** Connection string of the new, empty database. */
  url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

const defaultServerUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates an empty database with a unique name on the server at TEST_PG_URL
 * (or `options.serverUrl`, e.g. a `startPostgresCluster` of the test's own),
 * so that test files running side by side never share tables.
 *
 * @param label readable part of the name, e.g. the service or test file
 */
export async function freshDatabase(
  label: string,
  options: { serverUrl?: string } = {},
): Promise<FreshDatabase> {
  const serverUrl = options.serverUrl || process.env.TEST_PG_URL || defaultServerUrl;
  const name = uniqueName(label);
  await onServer(serverUrl, `CREATE DATABASE ${pg.escapeIdentifier(name)}`);

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`),
  };
}

/** `test_<label>_<random>`, within PostgreSQL's 63-byte identifier limit. */
function uniqueName(label: string): string {
  const readable = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 40);
  return `test_${readable}_${randomBytes(6).toString('hex')}`;
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
