import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import {
  assertRoomFor,
  groupByEmoji,
  MAX_DISTINCT_REACTIONS,
  validateEmoji,
} from '../../src/domain/reaction';

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof HuddleError ? error.code : 'other';
  }
  return 'none';
};

describe('X1 emoji', () => {
  it.each(['👍', '👍🏽', '👨‍👩‍👧', '🏳️‍🌈', '🇨🇦', '❤️', '1️⃣'])('X1: %s is one emoji grapheme', (emoji) => {
    expect(validateEmoji(emoji)).toBe(emoji);
  });

  it.each([
    ['empty', ''],
    ['two letters', 'ab'],
    ['one letter', 'a'],
    ['two emoji', '👍👍'],
    ['emoji and text', '👍a'],
    ['a digit', '1'],
    ['a space', ' '],
  ])('X1: %s is refused', (_name, emoji) => {
    expect(codeOf(() => validateEmoji(emoji))).toBe('validation_failed');
  });
});

describe('X1 distinct limit', () => {
  const shown = Array.from({ length: MAX_DISTINCT_REACTIONS }, (_, n) => String.fromCodePoint(0x1f600 + n));

  it('X1: a 21st different emoji is refused with reaction_limit_reached', () => {
    expect(codeOf(() => assertRoomFor('🎉', shown))).toBe('reaction_limit_reached');
  });

  it('X1: an emoji already shown is still taken at the limit', () => {
    expect(codeOf(() => assertRoomFor(shown[0]!, shown))).toBe('none');
    expect(codeOf(() => assertRoomFor('🎉', shown.slice(1)))).toBe('none');
  });
});

describe('X1 events', () => {
  it('X1: reactors are grouped per emoji in the order first used', () => {
    const at = '2025-01-01T00:00:00.000Z';
    expect(
      groupByEmoji([
        { messageId: 'm', emoji: '👍', personId: 'a', createdAt: at },
        { messageId: 'm', emoji: '🎉', personId: 'b', createdAt: at },
        { messageId: 'm', emoji: '👍', personId: 'c', createdAt: at },
      ]),
    ).toEqual([
      { emoji: '👍', personIds: ['a', 'c'] },
      { emoji: '🎉', personIds: ['b'] },
    ]);
  });
});
