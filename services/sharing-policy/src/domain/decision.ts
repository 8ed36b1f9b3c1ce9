import { type ErrorCode, HuddleError } from '@huddle/errors';

/**
 * An authorization decision; a deny always carries a stable error code and a
 * PHI-free message, and may list the people it is about (ids only).
 */
export type Decision =
  | { allowed: true }
  | { allowed: false; reason: ErrorCode; message: string; personIds: string[] };

export const allow: Decision = { allowed: true };

export const deny = (reason: ErrorCode, message: string, personIds: string[] = []): Decision => ({
  allowed: false,
  reason,
  message,
  personIds,
});

/** For operations rather than questions: a deny becomes the error it names. */
export function enforce(decision: Decision): void {
  if (!decision.allowed) throw new HuddleError(decision.reason, decision.message);
}
