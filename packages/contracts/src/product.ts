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
