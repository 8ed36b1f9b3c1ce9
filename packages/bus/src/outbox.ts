import { randomUUID } from 'node:crypto';
import type { DomainEvents, EventEnvelope, EventType } from '@huddle/contracts';
import { type Database, type Executor, type Transaction, withLease } from '@huddle/db';
import type { Logger } from '@huddle/logging';
import { activeTraceCarrier, contextFrom, inSpan, SpanKind, type TraceCarrier } from '@huddle/telemetry';
import type { JetStreamClient } from '@nats-io/jetstream';
import { asc, inArray, sql } from 'drizzle-orm';
import { outbox } from './tables';
import { traceHeaders } from './trace';

/** An event as the outbox table keeps it: the envelope, and the trace context of the change when there was one. */
type StoredEnvelope = EventEnvelope<EventType> & { trace?: TraceCarrier };

export type Emit = <T extends EventType>(type: T, data: DomainEvents[T]) => Promise<EventEnvelope<T>>;

const BATCH = 200;
const IDLE_POLL_MS = 1_000;
const RETRY_MS = 1_000;
/** How soon a relay looks again when another replica's relay holds the lease. */
const BUSY_POLL_MS = 100;

/**
 * The one way a service changes data and announces it: `transaction` runs the
 * change and records its events in the same database transaction; a relay then
 * publishes them to JetStream with the event id as message id (so a retry
 * after a crash is de-duplicated) and deletes them.
 *
 * Several replicas may share one database: each batch is claimed, published
 * and deleted inside one transaction holding the relay's lease (`withLease`),
 * so only one relay publishes at a time. A relay that dies
 * mid-batch loses the lease with its connection; its rows stay and the next
 * holder publishes them, JetStream dropping any it had already sent.
 */
export class Outbox {
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private pendingWake = false;

  constructor(
    private readonly db: Database,
    private readonly js: JetStreamClient,
    private readonly logger: Logger,
    private readonly options: {
      /**
       * The database is this process's alone (embedded PGlite): no other relay
       * can share it, so no lease, and no transaction held open while
       * publishing, which there would stall every other query.
       */
      exclusive?: boolean;
    } = {},
  ) {}

  /** Runs `change` in a transaction; events it emits are published once it commits. */
  async transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R> {
    let emitted = false;
    const result = await this.db.transaction(async (tx) => {
      const stored: Array<typeof outbox.$inferInsert> = [];
      const emit: Emit = async (type, data) => {
        // TypeScript cannot pair a generic `type` with its `data` inside the union of
        // envelopes; `Emit`'s signature does, so the casts here are the only ones.
        const envelope = {
          id: randomUUID(),
          type,
          occurredAt: new Date().toISOString(),
          data,
        } as EventEnvelope<typeof type>;
        // The trace this change belongs to travels with its event, so the relay's
        // publish (moments or a restart later) and every consumer continue it.
        const trace = activeTraceCarrier();
        const kept = (trace.traceparent ? { ...envelope, trace } : envelope) as StoredEnvelope;
        stored.push({ id: envelope.id, type, envelope: kept });
        return envelope;
      };
      const changed = await change(tx as Transaction, emit);
      // One INSERT for all of the change's events, in the order they were emitted.
      if (stored.length > 0) await tx.insert(outbox).values(stored);
      emitted = stored.length > 0;
      return changed;
    });
    if (emitted) this.wake();
    return result;
  }

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Publishes what is left, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.publishBatch().catch((error) => this.logger.warn({ err: error }, 'outbox flush failed'));
  }

  private wake(): void {
    this.pendingWake = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published: number | 'busy' = 0;
      try {
        published = await this.publishBatch();
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox publish failed; retrying');
        await this.sleep(RETRY_MS);
        continue;
      }
      if (published === 'busy') await this.sleep(BUSY_POLL_MS);
      else if (published < BATCH) await this.sleep(IDLE_POLL_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.pendingWake || !this.running) {
      this.pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        this.pendingWake = false;
        done();
      };
    });
  }

  /**
   * Publishes one event as its consumers read it: the envelope without its
   * trace, which goes in the message's `traceparent`/`tracestate` headers,
   * from a producer span in the trace of the change that emitted it.
   */
  private publish(id: string, type: string, { trace, ...envelope }: StoredEnvelope) {
    return inSpan(
      `${type} publish`,
      {
        kind: SpanKind.PRODUCER,
        parent: contextFrom(trace ?? {}),
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'send',
          'messaging.destination.name': type,
          'messaging.message.id': id,
        },
      },
      async () => this.js.publish(type, JSON.stringify(envelope), { msgID: id, headers: traceHeaders() }),
    );
  }

  /** Events not yet published, and how long the oldest has waited (0 when none). */
  async backlog(): Promise<{ events: number; oldestAgeSeconds: number }> {
    const [row] = await this.db
      .select({
        events: sql<number>`count(*)::int`,
        oldestAgeSeconds: sql<number>`coalesce(extract(epoch from now() - min(${outbox.createdAt})), 0)::float8`,
      })
      .from(outbox);
    return { events: Number(row?.events ?? 0), oldestAgeSeconds: Number(row?.oldestAgeSeconds ?? 0) };
  }

  /**
   * Publishes the oldest pending events in order and deletes them; returns how
   * many, or `busy` when another relay on this database holds the lease.
   *
   * Why a lease and not `FOR UPDATE SKIP LOCKED` on the rows: two relays each
   * skipping the other's rows would publish two batches at once, and a
   * consumer could then see `participant.removed` before the `added` it undoes.
   */
  private publishBatch(): Promise<number | 'busy'> {
    if (this.options.exclusive) return this.relay(this.db);
    // One relay per database at a time, so the stream keeps the outbox's order.
    return withLease(this.db, 'outbox relay', (tx) => this.relay(tx));
  }

  private async relay(db: Executor): Promise<number> {
    const rows = await db
      .select({ position: outbox.position, id: outbox.id, type: outbox.type, envelope: outbox.envelope })
      .from(outbox)
      .orderBy(asc(outbox.position))
      .limit(BATCH);
    if (rows.length === 0) return 0;
    // Sent in order on one connection, so JetStream stores them in order; acks awaited together.
    await Promise.all(rows.map((row) => this.publish(row.id, row.type, row.envelope as StoredEnvelope)));
    await db.delete(outbox).where(
      inArray(
        outbox.position,
        rows.map((row) => row.position),
      ),
    );
    return rows.length;
  }
}
