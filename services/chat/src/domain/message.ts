import { characterCount, type MessageData } from '@huddle/contracts';
import { HuddleError, invalid } from '@huddle/errors';
import type { Attachment } from './attachment';
import type { Chat } from './chat';

export type Message = MessageData & {
  replyCount: number;
  pinnedAt: string | null;
  editedAt: string | null;
  deletedAt: string | null;
};

export const MAX_BODY = 10_000;
export const MAX_MENTIONS = 50;
export const MAX_ATTACHMENTS = 10;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface NewMessage {
  body: string;
  parentId: string | null;
  mentions: string[];
  attachmentIds: string[];
}

/** Checks a post's own content: body length, mentions and attachments. */
export function validateNewMessage(input: NewMessage): NewMessage {
  const fields: Record<string, string> = {};
  const mentions = [...new Set(input.mentions)];
  const attachmentIds = [...new Set(input.attachmentIds)];
  if (characterCount(input.body) > MAX_BODY) fields.body = `must be at most ${MAX_BODY} characters`;
  if (input.body.trim().length === 0 && attachmentIds.length === 0) fields.body = 'must not be empty';
  if (mentions.length > MAX_MENTIONS || mentions.some((id) => !ID.test(id))) {
    fields.mentions = `at most ${MAX_MENTIONS} person ids`;
  }
  if (attachmentIds.length > MAX_ATTACHMENTS || attachmentIds.some((id) => !ID.test(id))) {
    fields.attachmentIds = `at most ${MAX_ATTACHMENTS} attachment ids`;
  }
  if (input.parentId !== null && !ID.test(input.parentId)) fields.parentId = 'must be a message id';
  if (Object.keys(fields).length > 0) throw invalid('The message is not valid', { fields });
  return { body: input.body, parentId: input.parentId, mentions, attachmentIds };
}

/**
 * G6: a locked chat's messages change only by its owner: posts, replies, edits,
 * deletes (even of one's own message), pins and unpins. Reading, read markers
 * and notification levels are no change to the chat and go on.
 */
export function assertMayWrite(chat: Chat, personId: string): void {
  if (chat.locked && chat.ownerId !== personId) {
    throw new HuddleError('chat_locked', 'This chat is locked; only its owner can post or change messages');
  }
}

/** G2: replies exist only in feed chats, one level deep, under a live top-level post. */
export function assertMayReplyTo(chat: Chat, parent: Message | undefined): void {
  if (chat.style !== 'feed') {
    throw new HuddleError('not_supported_in_style', 'Replies are only possible in feed-style chats');
  }
  if (!parent || parent.chatId !== chat.id || parent.deletedAt !== null) {
    throw invalid('parentId does not name a post of this chat');
  }
  if (parent.parentId !== null)
    throw invalid('Replies are one level deep: reply to the post, not to a reply');
}

/**
 * A message as its domain events carry it: everything a message shows (pin, edit,
 * deletion, replies, files described from `files`), so realtime presents it as REST does.
 */
export function toEventData(message: Message, files: ReadonlyMap<string, Attachment>): MessageData {
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    parentId: message.parentId,
    authorId: message.authorId,
    body: message.body,
    mentions: message.mentions,
    attachmentIds: message.attachmentIds,
    createdAt: message.createdAt,
    replyCount: message.replyCount,
    pinned: message.pinnedAt !== null,
    editedAt: message.editedAt,
    deletedAt: message.deletedAt,
    attachments: message.attachmentIds.flatMap((id) => {
      const file = files.get(id);
      return file
        ? [
            {
              id: file.id,
              filename: file.filename,
              contentType: file.contentType,
              size: file.size,
              createdAt: file.createdAt,
            },
          ]
        : [];
    }),
  };
}
