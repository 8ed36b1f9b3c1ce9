import type { chatV1 } from '@huddle/contracts';
import {
  type ChatContext,
  type PresentedChat,
  type PresentedMessage,
  presentChat,
  presentMessage,
  type Viewer,
} from './index';

/** X3: one search hit for its viewer: the message as its chat's pages show it (G5, P2). */
export interface PresentedSearchHit {
  message: PresentedMessage;
  /** Where the body matched: plain-text runs, `match` on the matching ones. */
  snippet: Array<{ text: string; match: boolean }>;
  /** The hit's chat as the viewer's chat list titles it (S6). */
  chat: Pick<PresentedChat, 'id' | 'kind' | 'title' | 'avatar'>;
}

export function presentSearchHit(
  viewer: Viewer,
  context: ChatContext,
  hit: chatV1.SearchHit,
): PresentedSearchHit | undefined {
  if (!hit.message) return undefined;
  const { id, kind, title, avatar } = presentChat(viewer, context);
  return {
    message: presentMessage(viewer, context, hit.message),
    snippet: hit.snippet.map(({ text, match }) => ({ text, match })),
    chat: { id, kind, title, avatar },
  };
}
