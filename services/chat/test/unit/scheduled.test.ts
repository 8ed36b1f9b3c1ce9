import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { isRefusal, MAX_LEAD_MS, MIN_LEAD_MS, postKeyOf, validateSendAt } from '../../src/domain/scheduled';

describe('X2 scheduled message rules', () => {
  const now = new Date('2026-03-01T12:00:00.000Z');
  const ahead = (ms: number) => new Date(now.getTime() + ms).toISOString();

  it('X2: sendAt is 1 minute to 1 year ahead, an ISO 8601 time', () => {
    expect(validateSendAt(ahead(MIN_LEAD_MS), now).toISOString()).toBe(ahead(MIN_LEAD_MS));
    expect(validateSendAt(ahead(MAX_LEAD_MS), now).toISOString()).toBe(ahead(MAX_LEAD_MS));
    for (const bad of [
      ahead(MIN_LEAD_MS - 1),
      ahead(MAX_LEAD_MS + 1),
      ahead(-5_000),
      'tomorrow',
      '1767268800000',
      '',
    ]) {
      expect(() => validateSendAt(bad, now), bad).toThrow(HuddleError);
    }
  });

  it('X2: the post rules refusing a message fail it; a passing trouble is tried again', () => {
    for (const code of [
      'not_found',
      'chat_locked',
      'validation_failed',
      'not_supported_in_style',
      'forbidden',
    ] as const) {
      expect(isRefusal(new HuddleError(code, 'no')), code).toBe(true);
    }
    for (const code of ['conflict', 'internal', 'unavailable', 'rate_limited'] as const) {
      expect(isRefusal(new HuddleError(code, 'later')), code).toBe(false);
    }
    expect(isRefusal(new Error('connection reset'))).toBe(false);
  });

  it('X2: each scheduled message posts under a key of its own', () => {
    expect(postKeyOf('a')).not.toBe(postKeyOf('b'));
    expect(postKeyOf('a')).toBe(postKeyOf('a'));
  });
});
