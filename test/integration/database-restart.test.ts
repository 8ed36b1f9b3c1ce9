import { checkHealth } from '@huddle/grpc';
import { createLogger } from '@huddle/logging';
import { loadConfig as participantConfig } from '@huddle/participant/src/config';
import { startParticipantService } from '@huddle/participant/src/service';
import type { RunningService } from '@huddle/runtime';
import {
  freshDatabase,
  type NatsServer,
  type PostgresCluster,
  startNatsServer,
  startPostgresCluster,
} from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 11: a service that loses its database reports not-ready and recovers
 * by itself when it returns. The PostgreSQL server here is a throwaway cluster
 * of the test's own, so it can be stopped (fast, as `pg_ctl stop -m fast`) and
 * started again; the service is the participant service in this process.
 */
describe('a service whose database restarts', () => {
  let cluster: PostgresCluster;
  let nats: NatsServer;
  let service: RunningService;
  const lines: Array<{ msg: string; level: number; database?: boolean }> = [];
  const logger = createLogger({
    service: 'participant',
    level: 'info',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  });

  beforeAll(async () => {
    [cluster, nats] = await Promise.all([startPostgresCluster(), startNatsServer()]);
    const database = await freshDatabase('database_restart', { serverUrl: cluster.url });
    service = await startParticipantService(
      participantConfig({
        DATABASE_URL: database.url,
        NATS_URL: nats.url,
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: '0',
        METRICS_PORT: '0',
        DATABASE_POOL_SIZE: '3',
      }),
      logger,
    );
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await Promise.all([cluster?.destroy(), nats?.stop()]);
  });

  it('says not-ready while the database is away and ready again after, by itself', async () => {
    const address = `127.0.0.1:${service.grpcPort}`;
    expect(await checkHealth(address)).toBe(true);

    await cluster.stop('fast');
    // The pool's connections end with the server: the loss is noticed at once, not at the next 5 s check.
    await expect.poll(() => checkHealth(address), { timeout: 8_000, interval: 100 }).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'not ready', database: false }));

    await cluster.start();
    // Checked every second while not ready.
    await expect.poll(() => checkHealth(address), { timeout: 10_000, interval: 100 }).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'ready again', database: true }));
    // Nothing thrown on the way: the lost connections were logged, not fatal.
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);
});
