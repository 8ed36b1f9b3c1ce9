import { chatV1 } from '@huddle/contracts';
import { host } from '@huddle/grpc';
import type { Attachments } from '../app/attachments';
import type { Chats } from '../app/chats';
import type { Exports } from '../app/exports';
import type { Meetings } from '../app/meetings';
import type { ListedMessage, Messages } from '../app/messages';
import type { ChatParticipants } from '../app/participants';
import type { Programs } from '../app/programs';
import type { Reactions } from '../app/reactions';
import type { RetentionSettings } from '../app/retention';
import type { ScheduledMessages } from '../app/scheduled';
import type { Search } from '../app/search';
import { snippetParts } from '../domain/search';
import { exportToProto } from './export-mapping';
import {
  attachmentToProto,
  chatToProto,
  legalHoldToProto,
  messageToProto,
  personalStateToProto,
  retentionToProto,
  scheduledToProto,
  withLatestReplies,
} from './mapping';

/** The message a post or a scheduled post carries, as the post rules take it. */
const newMessageOf = (request: {
  body: string;
  parentId?: string | undefined;
  mentions: string[];
  attachmentIds: string[];
}) => ({
  body: request.body,
  parentId: request.parentId ?? null,
  mentions: request.mentions,
  attachmentIds: request.attachmentIds,
});

export function chatRpc(parts: {
  chats: Chats;
  messages: Messages;
  attachments: Attachments;
  participants: ChatParticipants;
  programs: Programs;
  meetings: Meetings;
  reactions: Reactions;
  search: Search;
  scheduled: ScheduledMessages;
  retention: RetentionSettings;
  exports: Exports;
}) {
  const {
    chats,
    messages,
    attachments,
    participants,
    programs,
    meetings,
    reactions,
    search,
    scheduled,
    retention,
  } = parts;
  /**
   * Messages with their files described and their reactions as this viewer sees them (X1):
   * one look-up each for a whole page, never one per message.
   */
  const present = async (list: ListedMessage[], viewerId: string, { justPosted = false } = {}) => {
    const shown = withLatestReplies(list);
    const [files, summaries] = await Promise.all([
      attachments.describe(shown.flatMap((message) => message.attachmentIds)),
      // A message posted a moment ago has no reactions to look up.
      justPosted
        ? new Map()
        : reactions.summaries(
            shown.map((message) => message.id),
            viewerId,
          ),
    ]);
    return list.map((message) => messageToProto(message, { files, reactions: summaries }));
  };
  const one = async (message: ListedMessage, viewerId: string, options?: { justPosted?: boolean }) =>
    (await present([message], viewerId, options))[0];

  return host(chatV1.ChatServiceService, {
    createGroup: async (request) => ({ chat: chatToProto(await chats.createGroup(request)) }),
    getChat: async ({ chatId, viewerId, practiceId }) => ({
      chat: chatToProto((await chats.access(chatId, viewerId, practiceId)).chat),
    }),
    upsertProgramChat: async ({
      practiceId,
      programId,
      actor,
      name,
      ownerId,
      practitionerIds,
      ...changes
    }) => {
      const result = await programs.upsertChat({
        practiceId,
        programId,
        actor,
        name,
        ownerId,
        practitionerIds,
        changes,
      });
      return { chat: chatToProto(result.chat), created: result.created };
    },
    setEnrollment: async (request) => {
      const result = await programs.setEnrollment(request);
      return { chat: chatToProto(result.chat), changed: result.changed };
    },
    startDirectChat: async (request) => {
      const result = await chats.startDirect(request);
      return { ...result, chat: chatToProto(result.chat) };
    },
    addParticipants: async (request) => {
      const result = await participants.add(request);
      return { chat: chatToProto(result.chat), addedIds: result.addedIds };
    },
    removeParticipant: async (request) => ({ removed: await participants.remove(request) }),
    updateChat: async ({ chatId, actorId, practiceId, ...changes }) => ({
      chat: chatToProto(await chats.update({ chatId, actorId, practiceId, changes })),
    }),
    listChats: async (request) => {
      const page = await chats.list(request);
      const lastMessages = await present(
        page.chats.flatMap((item) => (item.lastMessage ? [item.lastMessage] : [])),
        request.personId,
      );
      const byChat = new Map(lastMessages.map((message) => [message.chatId, message]));
      return {
        chats: page.chats.map((item) => ({
          chat: chatToProto(item.chat),
          unreadCount: item.unreadCount,
          readSeq: item.readSeq,
          lastMessage: byChat.get(item.chat.id),
          teamCount: item.teamCount,
          clientCount: item.clientCount,
          clientId: item.clientId ?? undefined,
          personalState: personalStateToProto(item.personalState),
        })),
        nextCursor: page.nextCursor,
      };
    },
    listChatIds: async ({ practiceId, personId, leftWithinSeconds }) => {
      const { active, left } = await chats.chatIdsOf(practiceId, personId, leftWithinSeconds);
      return { chatIds: active, leftChatIds: left };
    },
    postMessage: async (request) => {
      const result = await messages.post({
        chatId: request.chatId,
        practiceId: request.practiceId,
        authorId: request.authorId,
        message: newMessageOf(request),
        idempotencyKey: request.idempotencyKey ?? null,
      });
      return {
        message: await one(result.message, request.authorId, { justPosted: result.created }),
        created: result.created,
        chat: chatToProto(result.chat),
      };
    },
    listMessages: async (request) => {
      const page = await messages.list(request);
      // Pinned posts and the page together: one look-up of files and reactions for both.
      const shown = await present([...page.pinned, ...page.messages], request.viewerId);
      return {
        pinned: shown.slice(0, page.pinned.length),
        messages: shown.slice(page.pinned.length),
        nextCursor: page.nextCursor,
      };
    },
    listReplies: async (request) => {
      const page = await messages.replies(request);
      return { messages: await present(page.messages, request.viewerId), nextCursor: page.nextCursor };
    },
    editMessage: async (request) => ({
      message: await one(await messages.edit(request), request.editorId),
    }),
    listRevisions: async (request) => ({
      revisions: (await messages.revisions(request)).map((revision) => ({ ...revision })),
    }),
    deleteMessage: async (request) => ({
      message: await one(await messages.delete(request), request.actorId),
    }),
    pinMessage: async (request) => ({
      message: await one(await messages.pin({ ...request, pinned: true }), request.actorId),
    }),
    unpinMessage: async (request) => ({
      message: await one(await messages.pin({ ...request, pinned: false }), request.actorId),
    }),
    markRead: async (request) => chats.markRead(request),
    startMeeting: async (request) => {
      const meeting = await meetings.start(request);
      return {
        provider: meeting.provider,
        joinUrl: meeting.joinUrl,
        message: await one(meeting.message, request.actorId),
      };
    },
    linkZoom: async (request) => ({ linked: await meetings.linkZoom(request) }),
    uploadAttachment: async (request) => ({
      attachment: attachmentToProto(await attachments.upload(request)),
    }),
    getAttachment: async (request) => {
      const { attachment, data } = await attachments.download(request);
      return { attachment: attachmentToProto(attachment), data };
    },
    addReaction: async (request) => {
      const result = await reactions.set({ ...request, reacted: true });
      return { message: await one(result.message, request.actorId), changed: result.changed };
    },
    removeReaction: async (request) => {
      const result = await reactions.set({ ...request, reacted: false });
      return { message: await one(result.message, request.actorId), changed: result.changed };
    },
    listReactions: async (request) => ({
      reactors: (await reactions.list(request)).map((reactor) => ({
        emoji: reactor.emoji,
        personId: reactor.personId,
        createdAt: new Date(reactor.createdAt),
      })),
    }),
    listReadMarkers: async (request) => chats.readMarkers(request),
    listChatFiles: async (request) => {
      const page = await messages.files(request);
      return {
        files: page.files.map((file) => ({
          attachment: attachmentToProto(file.attachment),
          messageId: file.messageId,
        })),
        nextCursor: page.nextCursor,
      };
    },
    setPersonalState: async ({ chatId, personId, practiceId, pinned, archived, mutedUntil, unmute }) => ({
      personalState: personalStateToProto(
        await chats.setPersonalState({
          chatId,
          personId,
          practiceId,
          change: { pinned, archived, mutedUntil: unmute ? null : mutedUntil },
        }),
      ),
    }),
    getMessages: async (request) => ({
      messages: await present(await messages.byIds(request), request.viewerId),
    }),
    searchMessages: async (request) => {
      const page = await search.messages(request);
      const shown = await present(
        page.hits.map((hit) => hit.message),
        request.viewerId,
      );
      return {
        hits: page.hits.map((hit, n) => ({
          message: shown[n],
          snippet: snippetParts(hit.headline),
          rank: Number(hit.rank),
        })),
        chats: page.chats.map(chatToProto),
        nextCursor: page.nextCursor,
      };
    },
    scheduleMessage: async (request) => ({
      scheduled: scheduledToProto(
        await scheduled.schedule({
          practiceId: request.practiceId,
          chatId: request.chatId,
          authorId: request.authorId,
          message: newMessageOf(request),
          sendAt: request.sendAt,
        }),
      ),
    }),
    listScheduledMessages: async (request) => {
      const page = await scheduled.list(request);
      return { scheduled: page.scheduled.map(scheduledToProto), nextCursor: page.nextCursor };
    },
    editScheduledMessage: async (request) => ({
      scheduled: scheduledToProto(
        await scheduled.edit({
          practiceId: request.practiceId,
          authorId: request.authorId,
          id: request.id,
          changes: {
            body: request.body,
            parentId: request.parentId === undefined ? undefined : request.parentId || null,
            mentions: request.setMentions ? request.mentions : undefined,
            attachmentIds: request.setAttachmentIds ? request.attachmentIds : undefined,
            sendAt: request.sendAt,
          },
        }),
      ),
    }),
    cancelScheduledMessage: async (request) => {
      await scheduled.cancel(request);
      return {};
    },
    getRetention: async (request) => ({ retention: retentionToProto(await retention.retention(request)) }),
    setRetention: async (request) => ({ retention: retentionToProto(await retention.setRetention(request)) }),
    getLegalHold: async (request) => ({ legalHold: legalHoldToProto(await retention.legalHold(request)) }),
    setLegalHold: async (request) => ({ legalHold: legalHoldToProto(await retention.setLegalHold(request)) }),
    startChatExport: async (request) => ({ export: exportToProto(await parts.exports.start(request)) }),
    getChatExport: async (request) => ({ export: exportToProto(await parts.exports.get(request)) }),
    readChatExportFile: (request) => parts.exports.readPart(request),
  });
}
