import { HuddleError, invalid } from '@huddle/errors';
import type { NewMessage } from './message';

/** X2: pending until sent at its time; failed when the rules refused it then. */
export type ScheduledStatus = 'pending' | 'sent' | 'failed';
export const SCHEDULED_STATUSES: readonly ScheduledStatus[] = ['pending', 'sent', 'failed'];

export interface ScheduledMessage extends NewMessage {
  id: string;
  practiceId: string;
  chatId: string;
  authorId: string;
  sendAt: string;
  status: ScheduledStatus;
  /** The message it became, once sent. */
  messageId: string | null;
  /** Why it was not sent, once failed: an error code and its message. */
  failure: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

/** X2: 1 minute to 1 year ahead. */
export const MIN_LEAD_MS = 60_000;
export const MAX_LEAD_MS = 365 * 24 * 60 * 60 * 1000;

export function validateSendAt(sendAt: string, now: Date): Date {
  const at = new Date(sendAt);
  const fail = (why: string) => invalid(`sendAt ${why}`, { fields: { sendAt: why } });
  if (!/^\d{4}-\d\d-\d\dT/.test(sendAt) || Number.isNaN(at.getTime())) throw fail('must be an ISO 8601 time');
  const lead = at.getTime() - now.getTime();
  if (lead < MIN_LEAD_MS) throw fail('must be at least 1 minute ahead');
  if (lead > MAX_LEAD_MS) throw fail('must be at most 1 year ahead');
  return at;
}

/**
 * The Idempotency-Key a scheduled message is posted under: a second send of it (a sender
 * that died after posting, before recording it) answers the first post instead of another.
 */
export const postKeyOf = (scheduledId: string) => `scheduled:${scheduledId}`;

/**
 * X2: whether a send refused with `error` fails the scheduled message for good: the rules
 * said no (membership, lock, style, mentions, attachments). Anything else (the database or
 * a concurrent post) is tried again at the next claim.
 */
export function isRefusal(error: unknown): error is HuddleError {
  if (!(error instanceof HuddleError)) return false;
  return error.status >= 400 && error.status < 500 && !TRANSIENT.has(error.code);
}

const TRANSIENT = new Set(['conflict', 'request_timeout', 'rate_limited', 'idempotency_key_reused']);
