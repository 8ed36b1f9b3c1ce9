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

/**
 * X4: a chat muted until a time notifies only of mentions (G9) until then, whatever the
 * level; the mute runs out by itself, judged at the time the message was posted, so
 * no job clears it and a late or repeated delivery of the event decides the same.
 */
export function levelAt(level: Level, mutedUntil: Date | null, at: Date): Level {
  return mutedUntil !== null && mutedUntil > at && level === 'all' ? 'mentions' : level;
}

/** Realtime event types are the domain event types without their service and version. */
export const realtimeTypeOf = (eventType: string) => eventType.split('.').slice(2).join('.');
