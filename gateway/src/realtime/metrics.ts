import { huddleMeter } from '@huddle/telemetry';

export interface RealtimeMetrics {
  socketOpened(): void;
  socketClosed(): void;
  /** An event frame was written to a socket. */
  delivered(eventType: string): void;
}

/**
 * `huddle_realtime_sockets` (open sockets on this gateway) and
 * `huddle_realtime_deliveries_total` by event `type` (e.g. `message.created`):
 * nothing about who or which chat.
 */
export function realtimeMetrics(): RealtimeMetrics {
  const meter = huddleMeter();
  const sockets = meter.createUpDownCounter('huddle_realtime_sockets', {
    description: 'Realtime WebSockets open on this gateway',
  });
  // Shown from the start, at 0, rather than only after the first socket.
  sockets.add(0);
  const deliveries = meter.createCounter('huddle_realtime_deliveries_total', {
    description: 'Realtime events written to sockets, by event type',
  });
  return {
    socketOpened: () => sockets.add(1),
    socketClosed: () => sockets.add(-1),
    delivered: (type) => deliveries.add(1, { type }),
  };
}
