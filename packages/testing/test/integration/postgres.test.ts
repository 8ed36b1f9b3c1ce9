import { existsSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshDatabase, PostgresNotInstalledError, postgresBinDir, startPostgresCluster } from '../../src';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('startPostgresCluster', () => {
  it('runs a cluster of its own that survives a fast stop and a start, and removes it on destroy', async () => {
    const cluster = await startPostgresCluster();
    let dataDir = '';
    try {
      expect(cluster.url).toBe(`postgres://postgres@127.0.0.1:${cluster.port}/postgres`);
      expect(cluster.port).not.toBe(5432);
      const [shown] = await query<{ data_directory: string }>(cluster.url, 'show data_directory');
      dataDir = shown?.data_directory ?? '';
      const database = await freshDatabase('cluster', { serverUrl: cluster.url });
      expect(new URL(database.url).port).toBe(String(cluster.port));
      await query(database.url, "create table kept (id text primary key); insert into kept values ('a')");

      // A client holding a connection sees it end with the fast stop, as a service's pool would.
      const holder = new pg.Client({ connectionString: database.url });
      await holder.connect();
      const lost = new Promise<string>((resolve) => holder.on('error', (error) => resolve(error.message)));
      await cluster.stop('fast');
      expect(cluster.running()).toBe(false);
      expect(await lost).toMatch(/terminat/i);
      await expect(query(database.url, 'select 1')).rejects.toThrow(/ECONNREFUSED/);

      await cluster.start();
      expect(cluster.running()).toBe(true);
      expect(await query(database.url, 'select id from kept')).toEqual([{ id: 'a' }]);

      // A crash (immediate) keeps what was committed too: recovered from the WAL.
      await query(database.url, "insert into kept values ('b')");
      await cluster.stop('immediate');
      await cluster.start();
      expect(await query(database.url, 'select id from kept order by id')).toEqual([
        { id: 'a' },
        { id: 'b' },
      ]);
      await database.drop();
    } finally {
      await cluster.destroy();
    }
    expect(cluster.running()).toBe(false);
    expect(dataDir).not.toBe('');
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);

  it('names the package to install when the binaries are missing', () => {
    const before = process.env.POSTGRES_BIN_DIR;
    process.env.POSTGRES_BIN_DIR = '/nonexistent/postgresql/bin';
    try {
      expect(() => postgresBinDir()).toThrow(PostgresNotInstalledError);
      expect(() => postgresBinDir()).toThrow(/apt|postgresql.*ensure-infra/);
    } finally {
      if (before === undefined) delete process.env.POSTGRES_BIN_DIR;
      else process.env.POSTGRES_BIN_DIR = before;
    }
  });
});
