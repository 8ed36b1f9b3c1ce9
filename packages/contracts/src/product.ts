/**
 * Product constants the gateway and the services must agree on, kept in one
 * place so a new value cannot reach one side and not the other.
 */

/** The preset avatars of group chats (G1), served by GET /v1/chat-avatars. */
export const CHAT_AVATARS = [
  'leaf',
  'sun',
  'wave',
  'mountain',
  'heart',
  'star',
  'apple',
  'bolt',
  'moon',
  'flower',
  'compass',
  'spark',
] as const;

export type ChatAvatar = (typeof CHAT_AVATARS)[number];

/**
 * The length of a text as DESIGN.md's limits count it: in characters (Unicode
 * code points), as the gateway's schemas do, so 10,000 emoji are a 10,000-character
 * body although JavaScript counts 20,000 UTF-16 units.
 */
export const characterCount = (text: string): number => {
  let count = 0;
  for (const _ of text) count++;
  return count;
};
