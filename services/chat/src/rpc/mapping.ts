import type { chatV1 } from '@huddle/contracts';
import type { ListedMessage } from '../app/messages';
import type { Attachment } from '../domain/attachment';
import type { Chat } from '../domain/chat';
import type { Message } from '../domain/message';

const date = (iso: string | null) => (iso ? new Date(iso) : undefined);

export const chatToProto = (chat: Chat): chatV1.Chat => ({
  ...chat,
  programId: chat.programId ?? undefined,
  namedAfterClientId: chat.namedAfterClientId ?? undefined,
  createdAt: new Date(chat.createdAt),
});

export const attachmentToProto = (attachment: Attachment): chatV1.Attachment => ({
  id: attachment.id,
  filename: attachment.filename,
  contentType: attachment.contentType,
  size: attachment.size,
  createdAt: new Date(attachment.createdAt),
});

/** Files are described where known; a message shows the ones it references, in order. */
export function messageToProto(
  message: ListedMessage,
  files: Map<string, Attachment> = new Map(),
): chatV1.Message {
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    parentId: message.parentId ?? undefined,
    authorId: message.authorId ?? undefined,
    body: message.body,
    mentions: message.mentions,
    attachmentIds: message.attachmentIds,
    attachments: message.attachmentIds.flatMap((id) => {
      const file = files.get(id);
      return file ? [attachmentToProto(file)] : [];
    }),
    pinned: message.pinnedAt !== null,
    editedAt: date(message.editedAt),
    deletedAt: date(message.deletedAt),
    createdAt: new Date(message.createdAt),
    replyCount: message.replyCount,
    latestReplies: (message.latestReplies ?? []).map((reply) => messageToProto(reply, files)),
  };
}

/** Every attachment id of some messages and their shown replies. */
export const attachmentIdsOf = (messages: ListedMessage[]): string[] =>
  messages.flatMap((message) => [...message.attachmentIds, ...attachmentIdsOf(message.latestReplies ?? [])]);

export type { Message };
