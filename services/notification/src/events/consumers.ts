import type { ConsumerSpec } from '@huddle/bus';
import type { RealtimeFanOut } from '../app/fan-out';

export function realtimeConsumer(fanOut: RealtimeFanOut): ConsumerSpec<'chat.v1.message.created'> {
  return {
    name: 'notification-realtime',
    from: 'chat',
    types: ['chat.v1.message.created'],
    start: 'new',
    apply: (_tx, event) => fanOut.messageCreated(event),
  };
}
