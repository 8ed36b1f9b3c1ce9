import { invalid } from '@huddle/errors';

/** X4: one participant's own state of a chat; nobody else sees it. */
export interface PersonalState {
  pinned: boolean;
  archived: boolean;
  /** ISO time; null when not muted, or when the mute has run out. */
  mutedUntil: string | null;
}

/** X4: what a participant changes of their chat state; absent fields stay as they are. */
export interface PersonalStateChange {
  pinned?: boolean;
  archived?: boolean;
  /** null unmutes. */
  mutedUntil?: Date | null;
}

/** The latest mute a person may set: "until I unmute" is a time this far ahead. */
export const LATEST_MUTE = new Date('9999-12-31T23:59:59.999Z');

/** X4: a change names at least one field; a mute ends in the future, no later than LATEST_MUTE. */
export function validatePersonalStateChange(change: PersonalStateChange, now: Date): PersonalStateChange {
  if (change.pinned === undefined && change.archived === undefined && change.mutedUntil === undefined) {
    throw invalid('Give pinned, archived or mutedUntil');
  }
  const until = change.mutedUntil;
  if (until) {
    if (Number.isNaN(until.getTime())) throw invalid('mutedUntil must be a date-time');
    if (until <= now) throw invalid('mutedUntil must be in the future; null unmutes');
    if (until > LATEST_MUTE) throw invalid('mutedUntil must be no later than 9999-12-31');
  }
  return change;
}

/** X4: a mute runs out by itself: once its time has passed it reads as none, with no job to clear it. */
export const mutedAt = (mutedUntil: Date | null, at: Date): string | null =>
  mutedUntil !== null && mutedUntil > at ? mutedUntil.toISOString() : null;
