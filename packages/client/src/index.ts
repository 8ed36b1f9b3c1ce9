export {
  createHuddleClient,
  type HuddleClient,
  type HuddleClientOptions,
  type PostMessageOptions,
  type TokenSource,
  unwrap,
} from './client';
export { type FieldError, HuddleError, HuddleNetworkError, type Problem } from './errors';
export { newIdempotencyKey } from './idempotency';
export type { PagedPath, PageItem, PageOf, PageParams } from './paging';
export { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './retry';
export {
  HuddleStream,
  type StreamOptions,
  type StreamState,
  type StreamStateChange,
  type WebSocketClass,
  type WebSocketLike,
} from './stream';
export {
  isEphemeralId,
  type StreamClientFrame,
  type StreamEvent,
  type StreamEventOf,
  type StreamEventType,
  streamEventTypes,
} from './stream-events';
export type * from './types';
