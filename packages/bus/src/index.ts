export { type Bus, connectBus, ensureStream, streamOf } from './connection';
export {
  type ConsumerSpec,
  INBOX_RETENTION_MS,
  pruneInbox,
  type RunningConsumer,
  startConsumer,
} from './consumer';
export { type Emit, Outbox } from './outbox';
export { inbox, outbox } from './tables';
