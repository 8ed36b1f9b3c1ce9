import { HuddleError, invalid } from '@huddle/errors';

/** X1: at most this many different emoji on one message. */
export const MAX_DISTINCT_REACTIONS = 20;

/** The longest emoji grapheme taken (family and flag sequences stay far below). */
const MAX_EMOJI_LENGTH = 64;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** A grapheme that is an emoji: it holds a pictographic code point or a regional-indicator pair (flags). */
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}{2}/u;

/**
 * X1: a reaction is one emoji grapheme — 👍, 👍🏽 and 👨‍👩‍👧 are one each; "ab",
 * "", "👍👍" and plain text are refused. Keycaps (1️⃣) count as emoji too.
 */
export function validateEmoji(input: string): string {
  const emoji = input.normalize('NFC');
  const segments = [...graphemes.segment(emoji)];
  const single = segments.length === 1 && emoji.length <= MAX_EMOJI_LENGTH;
  if (!single || !(EMOJI.test(emoji) || emoji.includes('\u20e3'))) {
    throw invalid('A reaction is one emoji', { fields: { emoji: 'must be exactly one emoji' } });
  }
  return emoji;
}

/** X1: a new emoji on a message that already shows the most distinct ones is refused. */
export function assertRoomFor(emoji: string, shown: readonly string[]): void {
  if (shown.length >= MAX_DISTINCT_REACTIONS && !shown.includes(emoji)) {
    throw new HuddleError(
      'reaction_limit_reached',
      `A message shows at most ${MAX_DISTINCT_REACTIONS} different reactions; react with one already there`,
    );
  }
}

/** One person's reaction with one emoji. */
export interface Reactor {
  messageId: string;
  emoji: string;
  personId: string;
  createdAt: string;
}

/** X1: a message's reactions as a viewer sees them: per emoji, in the order first used. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  reactedByMe: boolean;
}

/** Reactors (oldest first) grouped per emoji, as events carry them. */
export function groupByEmoji(reactors: readonly Reactor[]): Array<{ emoji: string; personIds: string[] }> {
  const byEmoji = new Map<string, string[]>();
  for (const { emoji, personId } of reactors) byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), personId]);
  return [...byEmoji].map(([emoji, personIds]) => ({ emoji, personIds }));
}
