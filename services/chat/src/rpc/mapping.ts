import type { chatV1 } from '@huddle/contracts';
import type { Chat } from '../domain/chat';
import type { Message } from '../domain/message';

const date = (iso: string | null) => (iso ? new Date(iso) : undefined);

export const chatToProto = (chat: Chat): chatV1.Chat => ({
  ...chat,
  programId: chat.programId ?? undefined,
  createdAt: new Date(chat.createdAt),
});

export const messageToProto = (message: Message): chatV1.Message => ({
  id: message.id,
  chatId: message.chatId,
  seq: message.seq,
  parentId: message.parentId ?? undefined,
  authorId: message.authorId ?? undefined,
  body: message.body,
  mentions: message.mentions,
  attachmentIds: message.attachmentIds,
  pinned: message.pinnedAt !== null,
  editedAt: date(message.editedAt),
  deletedAt: date(message.deletedAt),
  createdAt: new Date(message.createdAt),
  replyCount: message.replyCount,
});
