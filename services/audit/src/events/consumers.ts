import type { ConsumerSpec } from '@huddle/bus';
import type { AuditTrail } from '../app/trail';
import { type BackgroundEventType, backgroundAudits, entryOfBackgroundEvent } from '../domain/background';

/**
 * C1: the gateway's records of the requests it served (stream AUDIT). Applied once each
 * through the inbox; appends of one practice one after another (its chain), of different
 * practices side by side.
 */
export const requestRecordsConsumer = (trail: AuditTrail): ConsumerSpec<'audit.v1.request.recorded'> => ({
  name: 'audit-requests',
  from: 'audit',
  types: ['audit.v1.request.recorded'],
  orderKey: (event) => event.data.practiceId,
  apply: async (tx, event) => {
    await trail.append(tx, { ...event.data, id: event.id, occurredAt: new Date(event.occurredAt) });
  },
});

/** C1: the chat service's background jobs, which change things with no request to record. */
export const backgroundEventsConsumer = (trail: AuditTrail): ConsumerSpec<BackgroundEventType> => ({
  name: 'audit-chat-background',
  from: 'chat',
  types: Object.keys(backgroundAudits) as BackgroundEventType[],
  orderKey: (event) => event.data.practiceId,
  apply: async (tx, event) => {
    await trail.append(tx, entryOfBackgroundEvent(event));
  },
});
