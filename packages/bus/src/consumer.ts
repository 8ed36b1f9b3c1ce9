import type { EventEnvelope, EventType } from '@huddle/contracts';
import { type Database, type Transaction, withLease } from '@huddle/db';
import type { Logger } from '@huddle/logging';
import {
  contextFrom,
  huddleMeter,
  inSpan,
  type ObservableResult,
  SpanKind,
  SpanStatusCode,
} from '@huddle/telemetry';
import { AckPolicy, type Consumer, DeliverPolicy, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { lt } from 'drizzle-orm';
import type { Bus } from './connection';
import { ensureStream } from './connection';
import type { Emit, Outbox } from './outbox';
import { inbox } from './tables';

interface ConsumerBase<T extends EventType> {
  /** Durable consumer name, unique per consuming service and purpose, e.g. `sharing-policy-directory`. */
  name: string;
  /** The service whose events are consumed (its stream). */
  from: string;
  types: readonly T[];
  /**
   * Where a new consumer starts: `all` history (projections, inboxes) or only
   * `new` events (realtime, where replaying last week helps nobody). Default `all`.
   */
  start?: 'all' | 'new';
  /**
   * What must stay in order: events with the same key are applied one after
   * another in stream order, events with different keys side by side (up to
   * `MAX_CONCURRENT` at a time). Without it, the whole stream is applied one
   * event at a time, for projections whose every event depends on the last.
   */
  orderKey?: (event: EventEnvelope<T>) => string;
}

/** A consumer whose effect is in its own database: applied exactly once, through the inbox. */
export interface InboxConsumerSpec<T extends EventType> extends ConsumerBase<T> {
  /**
   * Applies one event inside the transaction that also records it in the
   * inbox; events it emits in turn go through the outbox of that transaction.
   */
  apply(tx: Transaction, event: EventEnvelope<T>, emit: Emit): Promise<void>;
}

/**
 * A consumer whose effect is outside its database and harmless to repeat
 * (realtime delivery: the realtime log keeps one copy per message id, and
 * sockets drop an event id they already got). Applied at least once, with no
 * database transaction per event.
 */
export interface EffectConsumerSpec<T extends EventType> extends ConsumerBase<T> {
  deliver(event: EventEnvelope<T>): Promise<void>;
}

export type ConsumerSpec<T extends EventType> = InboxConsumerSpec<T> | EffectConsumerSpec<T>;

export interface RunningConsumer {
  stop(): Promise<void>;
}

const REDELIVERY_DELAY_MS = 2_000;
/**
 * How long JetStream waits for an ack before it hands an event to another
 * replica (or the restarted one). It bounds how late the events a killed
 * process had taken are applied (issue 11: within 5 s of a restart); events
 * being applied here past it are kept ours with `working()` (see `ACK_PROGRESS_MS`).
 */
export const ACK_WAIT_MS = 5_000;
/** How often events taken but not yet settled tell JetStream they are still being worked on. */
const ACK_PROGRESS_MS = 2_000;
/**
 * Events pulled ahead of the one being applied. They wait in the client before
 * `working()` can reach them, so they must all be applied well within
 * `ACK_WAIT_MS`, or JetStream would deliver them again elsewhere meanwhile.
 */
const PULL_BATCH = 50;
/** Events one keyed consumer applies at once (see `orderKey`). */
export const MAX_CONCURRENT = 64;

/**
 * Runs a durable pull consumer. An inbox consumer applies each event once: the
 * event id is inserted into the inbox table in the same transaction as its
 * effect, so a redelivery (after a crash or a lost ack) finds it there and is
 * only acked. Events are applied in stream order, one at a time or, with an
 * `orderKey`, in order per key; a failure is nak'ed and retried after a delay.
 */
export async function startConsumer<T extends EventType>(
  bus: Bus,
  outbox: Outbox,
  spec: ConsumerSpec<T>,
  logger: Logger,
): Promise<RunningConsumer> {
  const stream = await ensureStream(bus.jsm, spec.from);
  await bus.jsm.consumers.add(stream, {
    durable_name: spec.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.start === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    // Debian's nats-server (2.9) knows one filter subject per consumer: the one
    // type, or the whole service's events with the others acked unapplied.
    filter_subject: spec.types.length === 1 ? spec.types[0] : `${spec.from}.v1.>`,
    ack_wait: nanos(ACK_WAIT_MS),
    max_ack_pending: 1_000,
  });
  const consumer = await bus.js.consumers.get(stream, spec.name);
  const messages = await consumer.consume({ max_messages: PULL_BATCH });
  const log = logger.child({ consumer: spec.name });
  const metrics = consumerMetrics(spec.name, consumer);
  // Taken and not yet acked or nak'ed: waiting for their key's turn or being applied.
  const unsettled = new Set<JsMsg>();
  const progress = setInterval(() => {
    for (const message of unsettled) message.working();
  }, ACK_PROGRESS_MS);
  progress.unref();

  void (async () => {
    for await (const status of messages.status()) {
      if (status.type === 'heartbeats_missed')
        log.warn({ count: status.count }, 'consumer heartbeats missed');
    }
  })();

  const done = (async () => {
    const orderKey = spec.orderKey;
    // Per key, the last event's application: the next event of that key waits for it.
    const lastOfKey = new Map<string, Promise<void>>();
    const running = new Set<Promise<void>>();
    for await (const message of messages) {
      const event = decode(message);
      if (!event) continue;
      if (!orderKey) {
        await applyOnce(message, event);
        continue;
      }
      const key = orderKey(event);
      const applied = (lastOfKey.get(key) ?? Promise.resolve()).then(() => applyOnce(message, event));
      lastOfKey.set(key, applied);
      running.add(applied);
      void applied.finally(() => {
        running.delete(applied);
        if (lastOfKey.get(key) === applied) lastOfKey.delete(key);
      });
      if (running.size >= MAX_CONCURRENT) await Promise.race(running);
    }
    await Promise.all(running);
  })();

  /** The event a message carries, or undefined when it is not one to apply (then settled here). */
  function decode(message: JsMsg): EventEnvelope<T> | undefined {
    if (message.redelivered) metrics.redelivered();
    unsettled.add(message);
    let event: EventEnvelope<T>;
    try {
      event = message.json<EventEnvelope<T>>();
    } catch {
      log.error({ subject: message.subject, seq: message.seq }, 'undecodable event dropped');
      message.term();
      unsettled.delete(message);
      return undefined;
    }
    if (!(spec.types as readonly string[]).includes(event.type)) {
      message.ack();
      unsettled.delete(message);
      return undefined;
    }
    return event;
  }

  /** Applies one event and settles its message; never rejects (a failure is nak'ed). */
  async function applyOnce(message: JsMsg, event: EventEnvelope<T>): Promise<void> {
    // The event's trace (from the publisher's headers) goes on through what applying it does.
    await inSpan(
      `${event.type} process`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(message.headers),
        attributes: {
          'messaging.system': 'nats',
          'messaging.operation.type': 'process',
          'messaging.destination.name': message.subject,
          'messaging.consumer.group.name': spec.name,
          'messaging.message.id': event.id,
        },
      },
      async (span) => {
        try {
          if ('deliver' in spec) await spec.deliver(event);
          else
            await outbox.transaction(async (tx, emit) => {
              const recorded = await tx
                .insert(inbox)
                .values({ consumer: spec.name, eventId: event.id })
                .onConflictDoNothing()
                .returning({ eventId: inbox.eventId });
              if (recorded.length > 0) await spec.apply(tx, event, emit);
            });
          message.ack();
        } catch (error) {
          log.error({ err: error, type: event.type, eventId: event.id }, 'event not applied; will retry');
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.name : 'error',
          });
          message.nak(REDELIVERY_DELAY_MS);
        } finally {
          unsettled.delete(message);
        }
      },
    ).catch(() => undefined);
  }

  return {
    stop: async () => {
      // Stops pulling; the events being applied finish first.
      await messages.close();
      await done;
      clearInterval(progress);
      metrics.stop();
    },
  };
}

/**
 * `huddle_consumer_pending` (events not yet applied: waiting in the stream or
 * delivered and not yet acked) and `huddle_consumer_redeliveries_total`, both
 * labelled with the durable consumer's name.
 */
function consumerMetrics(name: string, consumer: Consumer) {
  const meter = huddleMeter();
  const labels = { consumer: name };
  const redeliveries = meter.createCounter('huddle_consumer_redeliveries_total', {
    description: 'Events delivered again to a durable consumer (after a nak, a crash or a lost ack)',
  });
  // Shown from the start, so a rate over it works before the first redelivery.
  redeliveries.add(0, labels);
  const pending = meter.createObservableGauge('huddle_consumer_pending', {
    description:
      'Events a durable consumer has not applied yet: waiting in the stream or delivered and unacked',
  });
  const observe = async (result: ObservableResult) => {
    // A scrape while NATS is away leaves this gauge out rather than failing the whole scrape.
    const info = await consumer.info().catch(() => undefined);
    if (info) result.observe(info.num_pending + info.num_ack_pending, labels);
  };
  pending.addCallback(observe);
  return {
    redelivered: () => redeliveries.add(1, labels),
    stop: () => pending.removeCallback(observe),
  };
}

/**
 * Streams keep events for seven days, so no redelivery can come after that:
 * inbox records older than eight days only take space.
 */
export const INBOX_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

/** Deletes those records; of several replicas one prunes, the others (`busy`) leave it to it. */
export async function pruneInbox(db: Database, now = new Date()): Promise<number | 'busy'> {
  return withLease(db, 'inbox pruning', async (tx) => {
    const pruned = await tx
      .delete(inbox)
      .where(lt(inbox.appliedAt, new Date(now.getTime() - INBOX_RETENTION_MS)))
      .returning({ eventId: inbox.eventId });
    return pruned.length;
  });
}
