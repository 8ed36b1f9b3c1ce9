export {
  type Bus,
  connectBus,
  ensureRealtimeLog,
  ensureStream,
  REALTIME_LOG_LIMITS,
  streamOf,
} from './connection';
export {
  type ConsumerSpec,
  INBOX_RETENTION_MS,
  pruneInbox,
  type RunningConsumer,
  startConsumer,
} from './consumer';
export { type Emit, Outbox } from './outbox';
export { inbox, outbox } from './tables';
export { traceHeaders } from './trace';
