import type { EventEnvelope } from '@huddle/contracts';
import type { AuditEntry } from './record';

/**
 * C1: domain events of work no request asked for (background jobs), as audit records. The
 * gateway records every request it serves; these are the changes that happen without one.
 * One entry per event type: auditing another job's event (C3's `chat.v1.retention.applied`,
 * with counts) is one more line here and its type in the consumer.
 */
export const backgroundAudits = {
  /** X2: the scheduler could not send a scheduled message at its time. */
  'chat.v1.scheduled_message.failed': (event) => ({
    actorId: 'system:scheduler',
    action: 'scheduled_message.failed',
    chatId: event.data.chatId,
    targetIds: [event.data.scheduledMessageId, event.data.authorId],
    details: { reason: event.data.reason },
  }),
} satisfies {
  [T in 'chat.v1.scheduled_message.failed']: (
    event: EventEnvelope<T>,
  ) => Pick<AuditEntry, 'actorId' | 'action' | 'chatId' | 'targetIds' | 'details'>;
};

export type BackgroundEventType = keyof typeof backgroundAudits;

/** The audit entry of a background job's event: no request, so no request id, address or agent. */
export function entryOfBackgroundEvent(event: EventEnvelope<BackgroundEventType>): AuditEntry {
  const described = backgroundAudits[event.type](event);
  return {
    id: event.id,
    practiceId: event.data.practiceId,
    occurredAt: new Date(event.occurredAt),
    outcome: 'succeeded',
    requestId: '',
    clientIp: '',
    userAgent: '',
    ...described,
  };
}
