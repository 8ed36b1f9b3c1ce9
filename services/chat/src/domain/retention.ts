import { invalid } from '@huddle/errors';

/** C3: 30 days to 10 years. */
export const MIN_RETENTION_DAYS = 30;
export const MAX_RETENTION_DAYS = 3650;
/** C3: a legal hold's reason is an administrative note, never message text. */
export const MAX_HOLD_REASON = 500;

const DAY_MS = 24 * 60 * 60 * 1000;

/** C3: a practice's retention setting; `days` null is `none`: everything is kept. */
export interface Retention {
  practiceId: string;
  days: number | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** C3: a chat under legal hold is left alone by the retention job. */
export interface LegalHold {
  chatId: string;
  held: boolean;
  reason: string;
  updatedBy: string | null;
  updatedAt: string | null;
}

/**
 * C3: the period as the RPC carries it (0: none) to the stored one (null: none); anything
 * outside 30..3650 whole days is refused and changes nothing.
 */
export function validateRetentionDays(days: number): number | null {
  if (days === 0) return null;
  if (!Number.isInteger(days) || days < MIN_RETENTION_DAYS || days > MAX_RETENTION_DAYS) {
    throw invalid(`The retention period is none, or ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS} days`, {
      fields: { days: `must be ${MIN_RETENTION_DAYS} to ${MAX_RETENTION_DAYS}` },
    });
  }
  return days;
}

export function validateHoldReason(reason: string): string {
  const trimmed = reason.trim();
  if (trimmed.length > MAX_HOLD_REASON) {
    throw invalid(`A legal hold's reason is at most ${MAX_HOLD_REASON} characters`, {
      fields: { reason: `at most ${MAX_HOLD_REASON} characters` },
    });
  }
  return trimmed;
}

/**
 * C3: messages posted before this time are older than the period. Whole days of 24 hours
 * back from `now`, so the cutoff moves with the clock and never depends on time zones.
 */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** A message the retention job looks at: where it sits and what goes with it. */
export interface AgedMessage {
  id: string;
  seq: number;
  parentId: string | null;
  createdAt: Date;
}

/**
 * C3: the leading messages of a chat, in seq order, that are older than the cutoff: the
 * job deletes a chat's history as a prefix of seqs and stops at the first younger message,
 * so what it deleted always ends at one seq (the chat's retention floor) and unread counts
 * stay `lastSeq - max(readSeq, floor)` (U1). A message posted before the cutoff but after a
 * younger one (commits a moment apart) waits for the next run.
 */
export function agedPrefix<T extends Pick<AgedMessage, 'createdAt'>>(inSeqOrder: T[], cutoff: Date): T[] {
  const young = inSeqOrder.findIndex((message) => message.createdAt.getTime() >= cutoff.getTime());
  return young === -1 ? inSeqOrder : inSeqOrder.slice(0, young);
}
