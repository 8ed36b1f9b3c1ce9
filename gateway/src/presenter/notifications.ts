import type { chatV1 } from '@huddle/contracts';
import { type ChatContext, type PresentedPerson, presentChat, presentPerson, type Viewer } from './index';

/** X6: the longest snippet, in UTF-16 code units (so also in characters as JSON Schema counts them). */
export const SNIPPET_MAX = 140;
const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * X6: the start of a message's text for a notification, on one line, at most SNIPPET_MAX
 * long with the ellipsis; cut between graphemes, so no emoji or accented letter is split.
 * Null when the message has no text (files only).
 */
export function snippetOf(body: string): string | null {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text === '') return null;
  if (text.length <= SNIPPET_MAX) return text;
  let cut = '';
  for (const { segment } of graphemes.segment(text)) {
    if (cut.length + segment.length + ELLIPSIS.length > SNIPPET_MAX) break;
    cut += segment;
  }
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/** A notification as the notification service keeps it: ids only. */
export interface StoredNotification {
  id: string;
  type: 'message' | 'mention' | 'added' | 'scheduled_message_failed';
  chatId: string;
  messageId: string | null;
  createdAt: string | null;
  readAt: string | null;
  /** Who added the person (`added`); a message's actor is its author. */
  actorId: string | null;
}

/**
 * What a viewer may see of the chat a notification is about, loaded when the notification
 * is shown (not when it was made): present only while they take part (A1, P4), with the
 * messages of theirs it names as they read now (tombstones included, those gone absent).
 */
export interface NotificationView {
  viewer: Viewer;
  context: ChatContext;
  messages: ReadonlyMap<string, chatV1.Message>;
}

export interface PresentedNotification {
  id: string;
  type: StoredNotification['type'];
  chatId: string;
  messageId: string | null;
  createdAt: string | null;
  readAt: string | null;
  /** X6: the chat as the viewer sees it (S6, G5); title and avatar null once they left it. */
  chat: { id: string; title: string | null; avatar: string | null };
  /** X6: who caused it, presented for the viewer (G5, P2); null when unknown or not theirs to see. */
  actor: PresentedPerson | null;
  /** X6: the message's text, cut short, only while the viewer may read it. */
  snippet: string | null;
}

/**
 * X6: an inbox item for its viewer. Everything beyond ids comes from `view`, so someone
 * removed from the chat sees ids only (P4), a deleted message has no snippet, and people
 * appear as the presenter shows them anywhere else (G4, G5, P2).
 */
export function presentNotification(
  notification: StoredNotification,
  view: NotificationView | undefined,
): PresentedNotification {
  const { id, type, chatId, messageId, createdAt, readAt } = notification;
  const base = { id, type, chatId, messageId, createdAt, readAt };
  if (!view) return { ...base, chat: { id: chatId, title: null, avatar: null }, actor: null, snippet: null };
  const { viewer, context } = view;
  const { title, avatar } = presentChat(viewer, context);
  const message = messageId ? view.messages.get(messageId) : undefined;
  return {
    ...base,
    chat: { id: chatId, title, avatar },
    actor: actorOf(notification, view, message),
    snippet: message && message.deletedAt === undefined ? snippetOf(message.body) : null,
  };
}

function actorOf(
  notification: StoredNotification,
  { viewer, context }: NotificationView,
  message: chatV1.Message | undefined,
): PresentedPerson | null {
  if (notification.type !== 'added') return message ? presentPerson(viewer, context, message.authorId) : null;
  // Whoever added them, while still in the chat; a program system or someone gone is left unnamed.
  const adder = notification.actorId;
  const present = adder && context.participants.some((participant) => participant.personId === adder);
  return present ? presentPerson(viewer, context, adder) : null;
}
