import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../src';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('freshDatabase', () => {
  it('creates an empty database of its own and drops it', async () => {
    const first = await freshDatabase('testing database');
    const second = await freshDatabase('testing database');
    try {
      expect(first.url).not.toBe(second.url);
      await query(first.url, 'CREATE TABLE chats (id text PRIMARY KEY)');
      const tablesInSecond = await query(second.url, "SELECT 1 FROM pg_tables WHERE tablename = 'chats'");
      expect(tablesInSecond).toHaveLength(0);
    } finally {
      await second.drop();
    }

    const name = new URL(first.url).pathname.slice(1);
    expect(name).toMatch(/^test_testing_database_[0-9a-f]{12}$/);
    // An open connection must not keep the database alive: tests forget to close pools.
    const lingering = new pg.Client({ connectionString: first.url });
    await lingering.connect();
    lingering.on('error', () => {});
    await first.drop();

    const remaining = await query(
      second.url.replace(/\/[^/]+$/, '/postgres'),
      'SELECT datname FROM pg_database',
    );
    expect(remaining.map((row) => (row as { datname: string }).datname)).not.toContain(name);
    await lingering.end().catch(() => {});
  });
});
