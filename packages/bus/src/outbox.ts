import { randomUUID } from 'node:crypto';
import type { DomainEvents, EventEnvelope, EventType } from '@huddle/contracts';
import type { Database, Transaction } from '@huddle/db';
import type { Logger } from '@huddle/logging';
import type { JetStreamClient } from '@nats-io/jetstream';
import { asc, inArray } from 'drizzle-orm';
import { outbox } from './tables';

export type Emit = <T extends EventType>(type: T, data: DomainEvents[T]) => Promise<EventEnvelope<T>>;

const BATCH = 200;
const IDLE_POLL_MS = 1_000;
const RETRY_MS = 1_000;

/**
 * The one way a service changes data and announces it: `transaction` runs the
 * change and records its events in the same database transaction; a relay then
 * publishes them to JetStream with the event id as message id (so a retry
 * after a crash is de-duplicated) and deletes them.
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
  ) {}

  /** Runs `change` in a transaction; events it emits are published once it commits. */
  async transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R> {
    let emitted = false;
    const result = await this.db.transaction(async (tx) => {
      const emit: Emit = async (type, data) => {
        const envelope = { id: randomUUID(), type, occurredAt: new Date().toISOString(), data };
        await tx.insert(outbox).values({ id: envelope.id, type, envelope });
        emitted = true;
        return envelope;
      };
      return change(tx as Transaction, emit);
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
      let published = 0;
      try {
        published = await this.publishBatch();
      } catch (error) {
        this.logger.warn({ err: error }, 'outbox publish failed; retrying');
        await this.sleep(RETRY_MS);
        continue;
      }
      if (published < BATCH) await this.sleep(IDLE_POLL_MS);
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

  /** Publishes the oldest pending events in order; returns how many. */
  private async publishBatch(): Promise<number> {
    const rows = await this.db
      .select({ position: outbox.position, id: outbox.id, type: outbox.type, envelope: outbox.envelope })
      .from(outbox)
      .orderBy(asc(outbox.position))
      .limit(BATCH);
    if (rows.length === 0) return 0;
    // Sent in order on one connection, so JetStream stores them in order; acks awaited together.
    await Promise.all(
      rows.map((row) => this.js.publish(row.type, JSON.stringify(row.envelope), { msgID: row.id })),
    );
    await this.db.delete(outbox).where(
      inArray(
        outbox.position,
        rows.map((row) => row.position),
      ),
    );
    return rows.length;
  }
}
