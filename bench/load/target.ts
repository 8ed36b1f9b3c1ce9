import { mintToken } from '@huddle/testing';
import { JWT_SECRET } from '../system';

/** What the load generator drives: Huddle's public API, or the baseline's plain one. */
export interface Target {
  kind: 'huddle' | 'baseline';
  url: string;
  practiceId: string;
}

const tokens = new Map<string, Promise<string>>();

function token(target: Target, personId: string): Promise<string> {
  let minted = tokens.get(personId);
  if (!minted) {
    minted = mintToken({ secret: JWT_SECRET, sub: personId, practice: target.practiceId, expiresIn: '6h' });
    tokens.set(personId, minted);
  }
  return minted;
}

/** Headers that say who is asking: a bearer token for Huddle, a plain header for the baseline. */
export async function as(target: Target, personId: string): Promise<Record<string, string>> {
  return target.kind === 'huddle'
    ? { authorization: `Bearer ${await token(target, personId)}` }
    : { 'x-person': personId };
}

export const postPath = (target: Target, chatId: string) =>
  target.kind === 'huddle' ? `/v1/chats/${chatId}/messages` : `/chats/${chatId}/messages`;

export async function streamUrl(target: Target, personId: string): Promise<string> {
  const ws = target.url.replace(/^http/, 'ws');
  return target.kind === 'huddle'
    ? `${ws}/v1/stream?access_token=${await token(target, personId)}`
    : `${ws}/stream?person=${encodeURIComponent(personId)}`;
}
