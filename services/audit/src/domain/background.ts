import type { EventEnvelope } from '@huddle/contracts';
import type { AuditEntry } from './record';

/**
 * C1: domain events of work no request asked for (background jobs), as audit records. The
 * gateway records every request it serves; these are the changes that happen without one.
 * One entry per event type.
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
  /** C3: one retention run in one practice, by counts only (DESIGN C3: never content). */
  'chat.v1.retention.applied': (event) => {
    const {
      practiceId: _practice,
      cutoff,
      startedAt: _started,
      finishedAt: _finished,
      ...counts
    } = event.data;
    return {
      actorId: 'system:retention',
      action: 'retention.applied',
      chatId: null,
      targetIds: [],
      details: {
        cutoff,
        ...Object.fromEntries(Object.entries(counts).map(([name, count]) => [name, String(count)])),
      },
    };
  },
} satisfies {
  [T in 'chat.v1.scheduled_message.failed' | 'chat.v1.retention.applied']: (
    event: EventEnvelope<T>,
  ) => Pick<AuditEntry, 'actorId' | 'action' | 'chatId' | 'targetIds' | 'details'>;
};

export type BackgroundEventType = keyof typeof backgroundAudits;

/** Any entry of the map, called with its own type's event (TypeScript cannot correlate the two). */
type Describe = (
  event: EventEnvelope<BackgroundEventType>,
) => Pick<AuditEntry, 'actorId' | 'action' | 'chatId' | 'targetIds' | 'details'>;

/** The audit entry of a background job's event: no request, so no request id, address or agent. */
export function entryOfBackgroundEvent(event: EventEnvelope<BackgroundEventType>): AuditEntry {
  const described = (backgroundAudits[event.type] as Describe)(event);
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
