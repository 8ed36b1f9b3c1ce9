import type { chatV1 } from '@huddle/contracts';
import type { ListedMessage } from '../app/messages';
import type { Attachment } from '../domain/attachment';
import type { Chat } from '../domain/chat';
import type { Message } from '../domain/message';
import type { PersonalState } from '../domain/personal-state';
import type { ReactionSummary } from '../domain/reaction';
import type { LegalHold, Retention } from '../domain/retention';
import type { ScheduledMessage } from '../domain/scheduled';

const date = (iso: string | null) => (iso ? new Date(iso) : undefined);

export const chatToProto = (chat: Chat): chatV1.Chat => ({
  ...chat,
  programId: chat.programId ?? undefined,
  namedAfterClientId: chat.namedAfterClientId ?? undefined,
  createdAt: new Date(chat.createdAt),
});

export const personalStateToProto = (state: PersonalState): chatV1.PersonalState => ({
  pinned: state.pinned,
  archived: state.archived,
  mutedUntil: date(state.mutedUntil),
});

export const attachmentToProto = (attachment: Attachment): chatV1.Attachment => ({
  id: attachment.id,
  filename: attachment.filename,
  contentType: attachment.contentType,
  size: attachment.size,
  createdAt: new Date(attachment.createdAt),
});

/** What a message is shown with: its files described, and its reactions for the viewer (X1). */
export interface Shown {
  files: ReadonlyMap<string, Attachment>;
  reactions: ReadonlyMap<string, ReactionSummary[]>;
}

const nothingShown: Shown = { files: new Map(), reactions: new Map() };

/** Files are described where known; a message shows the ones it references, in order. */
export function messageToProto(message: ListedMessage, shown: Shown = nothingShown): chatV1.Message {
  const { files } = shown;
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
    latestReplies: (message.latestReplies ?? []).map((reply) => messageToProto(reply, shown)),
    reactions: shown.reactions.get(message.id) ?? [],
  };
}

/** Some messages and their shown replies, for describing what they show in one look-up each. */
export const withLatestReplies = (messages: ListedMessage[]): ListedMessage[] =>
  messages.flatMap((message) => [message, ...withLatestReplies(message.latestReplies ?? [])]);

export type { Message };

/** X2: for its author only. */
export const scheduledToProto = (scheduled: ScheduledMessage): chatV1.ScheduledMessage => ({
  id: scheduled.id,
  chatId: scheduled.chatId,
  body: scheduled.body,
  parentId: scheduled.parentId ?? undefined,
  mentions: scheduled.mentions,
  attachmentIds: scheduled.attachmentIds,
  sendAt: new Date(scheduled.sendAt),
  status: scheduled.status,
  messageId: scheduled.messageId ?? undefined,
  failureCode: scheduled.failure?.code,
  failureMessage: scheduled.failure?.message,
  createdAt: new Date(scheduled.createdAt),
  updatedAt: new Date(scheduled.updatedAt),
});

/** C3: a practice's retention period; 0 days is none. */
export const retentionToProto = (retention: Retention): chatV1.Retention => ({
  practiceId: retention.practiceId,
  days: retention.days ?? 0,
  updatedBy: retention.updatedBy ?? '',
  updatedAt: date(retention.updatedAt),
});

export const legalHoldToProto = (hold: LegalHold): chatV1.LegalHold => ({
  chatId: hold.chatId,
  held: hold.held,
  reason: hold.reason,
  updatedBy: hold.updatedBy ?? '',
  updatedAt: date(hold.updatedAt),
});
