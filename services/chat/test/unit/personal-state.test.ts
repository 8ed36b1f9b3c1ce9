import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { LATEST_MUTE, mutedAt, validatePersonalStateChange } from '../../src/domain/personal-state';

const now = new Date('2026-03-01T12:00:00Z');
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof HuddleError ? error.code : 'other';
  }
  return 'none';
};

describe('X4 personal chat state', () => {
  it('X4: a change names at least one field', () => {
    expect(codeOf(() => validatePersonalStateChange({}, now))).toBe('validation_failed');
    expect(validatePersonalStateChange({ pinned: true }, now)).toEqual({ pinned: true });
    expect(validatePersonalStateChange({ mutedUntil: null }, now)).toEqual({ mutedUntil: null });
  });

  it('X4: a mute ends in the future, no later than 9999-12-31', () => {
    const inAnHour = new Date(now.getTime() + 3_600_000);
    expect(validatePersonalStateChange({ mutedUntil: inAnHour }, now).mutedUntil).toEqual(inAnHour);
    expect(validatePersonalStateChange({ mutedUntil: LATEST_MUTE }, now).mutedUntil).toEqual(LATEST_MUTE);
    for (const until of [now, new Date(now.getTime() - 1), new Date(Number.NaN), new Date('+010000-01-01')]) {
      expect(codeOf(() => validatePersonalStateChange({ mutedUntil: until }, now))).toBe('validation_failed');
    }
  });

  it('X4: a mute reads as none once its time has passed', () => {
    expect(mutedAt(new Date('2026-03-01T13:00:00Z'), now)).toBe('2026-03-01T13:00:00.000Z');
    expect(mutedAt(new Date('2026-03-01T11:00:00Z'), now)).toBeNull();
    expect(mutedAt(null, now)).toBeNull();
  });
});
