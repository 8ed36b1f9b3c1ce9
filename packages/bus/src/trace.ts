import { activeTraceCarrier } from '@huddle/telemetry';
import { headers, type MsgHdrs } from '@nats-io/transport-node';

/** NATS message headers carrying the active trace (W3C `traceparent`/`tracestate`), for a consumer to continue it. */
export function traceHeaders(): MsgHdrs {
  const carried = headers();
  for (const [key, value] of Object.entries(activeTraceCarrier())) carried.set(key, value);
  return carried;
}
