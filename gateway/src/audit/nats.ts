import { randomUUID } from 'node:crypto';
import { ensureStream } from '@huddle/bus/connection';
import type { AuditRecordData, EventEnvelope } from '@huddle/contracts';
import type { Logger } from '@huddle/logging';
import { huddleMeter } from '@huddle/telemetry';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { AuditRecorder } from './port';

const TYPE = 'audit.v1.request.recorded';
/** Tries per record: a short NATS outage (reconnecting) should not lose one. */
const ATTEMPTS = 4;
const backoffMs = (attempt: number) => 250 * 2 ** attempt;

/**
 * C1: the gateway's audit records, published durably to JetStream (stream AUDIT,
 * `audit.v1.request.recorded`) for the audit service to chain and store. The request
 * path pays nothing but building the record: publishing waits for JetStream's ack off
 * the request, retries a few times and, failing that, logs and counts the loss
 * (`huddle_audit_records_lost_total`) — with the action, never ids or content.
 */
export function natsAuditRecorder(connection: NatsConnection, logger: Logger): AuditRecorder {
  const js = jetstream(connection);
  const meter = huddleMeter();
  const published = meter.createCounter('huddle_audit_records_published_total', {
    description: 'Audit records the gateway published to JetStream',
  });
  const lost = meter.createCounter('huddle_audit_records_lost_total', {
    description: 'Audit records the gateway could not publish after retrying',
  });
  lost.add(0);
  // The audit service creates the stream too; whichever comes first makes it, the same way.
  let stream: Promise<string> | undefined;
  const streamReady = () => {
    stream ??= jetstreamManager(connection)
      .then((jsm) => ensureStream(jsm, 'audit'))
      .catch((error: unknown) => {
        stream = undefined;
        throw error;
      });
    return stream;
  };
  const pending = new Set<Promise<void>>();

  async function send(data: AuditRecordData): Promise<void> {
    const event: EventEnvelope<typeof TYPE> = {
      id: randomUUID(),
      type: TYPE,
      occurredAt: new Date().toISOString(),
      data,
    };
    const payload = JSON.stringify(event);
    for (let attempt = 0; ; attempt++) {
      try {
        await streamReady();
        // The event id as message id: a retry after a lost ack is stored once.
        await js.publish(TYPE, payload, { msgID: event.id });
        published.add(1);
        return;
      } catch (error) {
        if (attempt + 1 >= ATTEMPTS) {
          lost.add(1);
          logger.error({ err: error, action: data.action }, 'audit record lost');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)).unref());
      }
    }
  }

  return {
    record(data) {
      const sending = send(data);
      pending.add(sending);
      void sending.finally(() => pending.delete(sending));
    },
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      });
      await Promise.race([Promise.all(pending), deadline]).finally(() => clearTimeout(timer));
    },
  };
}
