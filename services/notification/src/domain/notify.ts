import type { NotificationData } from '@huddle/contracts';

export type Level = 'all' | 'mentions' | 'none';
export const LEVELS: readonly Level[] = ['all', 'mentions', 'none'];

/**
 * N1/G9: who is notified of a new message, and how. Everyone but the author,
 * per their level for the chat; a mention always notifies, even when muted.
 */
export function recipientsOf(
  message: { authorId: string | null; mentions: string[] },
  participantIds: string[],
  levelOf: (personId: string) => Level,
): Array<{ personId: string; type: NotificationData['type'] }> {
  const mentioned = new Set(message.mentions);
  return participantIds.flatMap((personId): Array<{ personId: string; type: NotificationData['type'] }> => {
    if (personId === message.authorId) return [];
    if (mentioned.has(personId)) return [{ personId, type: 'mention' }];
    return levelOf(personId) === 'all' ? [{ personId, type: 'message' }] : [];
  });
}

/** Realtime event types are the domain event types without their service and version. */
export const realtimeTypeOf = (eventType: string) => eventType.split('.').slice(2).join('.');
