import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { unreadCount } from '../../src/app/chats';
import {
  agedPrefix,
  MAX_HOLD_REASON,
  retentionCutoff,
  validateHoldReason,
  validateRetentionDays,
} from '../../src/domain/retention';

const codeOf = (run: () => unknown) => {
  try {
    run();
    return 'ok';
  } catch (error) {
    return error instanceof HuddleError ? error.code : error;
  }
};

describe('C3 retention rules', () => {
  it('C3: the period is none (0) or 30 to 3650 whole days', () => {
    expect(validateRetentionDays(0)).toBeNull();
    expect(validateRetentionDays(30)).toBe(30);
    expect(validateRetentionDays(3650)).toBe(3650);
    for (const days of [29, 3651, -30, 30.5, Number.NaN, 1]) {
      expect(
        codeOf(() => validateRetentionDays(days)),
        String(days),
      ).toBe('validation_failed');
    }
  });

  it('C3: the cutoff is whole 24-hour days back from the clock, whatever the time zone', () => {
    const now = new Date('2026-03-29T01:30:00.000Z');
    expect(retentionCutoff(now, 30).toISOString()).toBe('2026-02-27T01:30:00.000Z');
    expect(retentionCutoff(now, 3650).toISOString()).toBe('2016-03-31T01:30:00.000Z');
  });

  it('C3: a chat loses a prefix of its seqs, up to the first message younger than the cutoff', () => {
    const cutoff = new Date('2026-01-10T00:00:00.000Z');
    const at = (iso: string, seq: number) => ({ seq, createdAt: new Date(iso) });
    const messages = [
      at('2026-01-01T00:00:00.000Z', 1),
      at('2026-01-09T23:59:59.999Z', 2),
      at('2026-01-10T00:00:00.000Z', 3),
      // Older than the cutoff but after a younger one (committed a moment apart): waits.
      at('2026-01-09T23:59:59.998Z', 4),
    ];
    expect(agedPrefix(messages, cutoff).map((m) => m.seq)).toEqual([1, 2]);
    expect(agedPrefix(messages.slice(0, 2), cutoff).map((m) => m.seq)).toEqual([1, 2]);
    expect(agedPrefix(messages.slice(2), cutoff)).toEqual([]);
  });

  it('C3/U1: messages at or below the retention floor are never unread, and counts never go negative', () => {
    expect(unreadCount(10, 2, false, 0)).toBe(8);
    expect(unreadCount(10, 2, false, 6)).toBe(4);
    expect(unreadCount(10, 8, false, 6)).toBe(2);
    expect(unreadCount(10, 0, false, 10)).toBe(0);
    expect(unreadCount(10, 0, true, 10)).toBe(1);
  });

  it("C3: a legal hold's reason is trimmed, at most 500 characters", () => {
    expect(validateHoldReason('  Records request  ')).toBe('Records request');
    expect(validateHoldReason('x'.repeat(MAX_HOLD_REASON))).toHaveLength(MAX_HOLD_REASON);
    expect(codeOf(() => validateHoldReason('x'.repeat(MAX_HOLD_REASON + 1)))).toBe('validation_failed');
  });
});
