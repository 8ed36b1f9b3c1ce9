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
 * Whether a practitioner's client tag restriction reaches a client on its own
 * (DESIGN.md section 1): `null` reaches every client, a list only clients with
 * one of its tags. An explicit invitation overrides it (S3); callers decide
 * when it applies. The sharing policy decides with it, the participant service
 * applies it to memberships when tags or restrictions change.
 */
export function reachesClient(restriction: readonly string[] | null, tags: readonly string[]): boolean {
  if (restriction === null) return true;
  return tags.some((tag) => restriction.includes(tag));
}

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
