import type { Outbox } from '@huddle/bus';
import type { DatabaseHandle } from '@huddle/db';
import { huddleMeter, type ObservableResult } from '@huddle/telemetry';

/**
 * A service's own gauges, read at each scrape: its database pool
 * (`huddle_db_pool_connections` by `state`) and its outbox's unpublished
 * events (`huddle_outbox_backlog`, `huddle_outbox_oldest_age_seconds`).
 * Returns the function that stops observing them.
 */
export function observeService(db: DatabaseHandle, outbox: Outbox): () => void {
  const meter = huddleMeter();
  const pool = meter.createObservableGauge('huddle_db_pool_connections', {
    description: 'Database pool connections by state: total (open), idle, waiting (queries queued for one)',
  });
  const backlog = meter.createObservableGauge('huddle_outbox_backlog', {
    description: 'Events written to the outbox and not yet published to NATS',
  });
  const oldestAge = meter.createObservableGauge('huddle_outbox_oldest_age_seconds', {
    description: 'How long the oldest unpublished outbox event has waited (0 when none)',
    unit: 's',
  });

  const observePool = (result: ObservableResult) => {
    const { total, idle, waiting } = db.connections();
    result.observe(total, { state: 'total' });
    result.observe(idle, { state: 'idle' });
    result.observe(waiting, { state: 'waiting' });
  };
  const observeOutbox = async (
    result: Parameters<Parameters<typeof meter.addBatchObservableCallback>[0]>[0],
  ) => {
    // A scrape while the database is away leaves these out rather than failing the whole scrape.
    const pending = await outbox.backlog().catch(() => undefined);
    if (!pending) return;
    result.observe(backlog, pending.events);
    result.observe(oldestAge, pending.oldestAgeSeconds);
  };
  pool.addCallback(observePool);
  meter.addBatchObservableCallback(observeOutbox, [backlog, oldestAge]);
  return () => {
    pool.removeCallback(observePool);
    meter.removeBatchObservableCallback(observeOutbox, [backlog, oldestAge]);
  };
}
