import { chatV1 } from '@huddle/contracts';
import { host } from '@huddle/grpc';
import type { Attachments } from '../app/attachments';
import type { Chats } from '../app/chats';
import type { Meetings } from '../app/meetings';
import type { ListedMessage, Messages } from '../app/messages';
import type { ChatParticipants } from '../app/participants';
import type { Programs } from '../app/programs';
import { attachmentIdsOf, attachmentToProto, chatToProto, messageToProto } from './mapping';

export function chatRpc(parts: {
  chats: Chats;
  messages: Messages;
  attachments: Attachments;
  participants: ChatParticipants;
  programs: Programs;
  meetings: Meetings;
}) {
  const { chats, messages, attachments, participants, programs, meetings } = parts;
  /** Messages with their files described, in one look-up. */
  const present = async (list: ListedMessage[]) => {
    const files = await attachments.describe(attachmentIdsOf(list));
    return list.map((message) => messageToProto(message, files));
  };
  const one = async (message: ListedMessage) => (await present([message]))[0];

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
        })),
        nextCursor: page.nextCursor,
      };
    },
    postMessage: async (request) => {
      const result = await messages.post({
        chatId: request.chatId,
        practiceId: request.practiceId,
        authorId: request.authorId,
        message: {
          body: request.body,
          parentId: request.parentId ?? null,
          mentions: request.mentions,
          attachmentIds: request.attachmentIds,
        },
        idempotencyKey: request.idempotencyKey ?? null,
      });
      return { message: await one(result.message), created: result.created };
    },
    listMessages: async (request) => {
      const page = await messages.list(request);
      return {
        messages: await present(page.messages),
        pinned: await present(page.pinned),
        nextCursor: page.nextCursor,
      };
    },
    listReplies: async (request) => {
      const page = await messages.replies(request);
      return { messages: await present(page.messages), nextCursor: page.nextCursor };
    },
    editMessage: async (request) => ({ message: await one(await messages.edit(request)) }),
    listRevisions: async (request) => ({
      revisions: (await messages.revisions(request)).map((revision) => ({ ...revision })),
    }),
    deleteMessage: async (request) => ({ message: await one(await messages.delete(request)) }),
    pinMessage: async (request) => ({ message: await one(await messages.pin({ ...request, pinned: true })) }),
    unpinMessage: async (request) => ({
      message: await one(await messages.pin({ ...request, pinned: false })),
    }),
    markRead: async (request) => chats.markRead(request),
    startMeeting: async (request) => {
      const meeting = await meetings.start(request);
      return { provider: meeting.provider, joinUrl: meeting.joinUrl, message: await one(meeting.message) };
    },
    linkZoom: async (request) => ({ linked: await meetings.linkZoom(request) }),
    uploadAttachment: async (request) => ({
      attachment: attachmentToProto(await attachments.upload(request)),
    }),
    getAttachment: async (request) => {
      const { attachment, data } = await attachments.download(request);
      return { attachment: attachmentToProto(attachment), data };
    },
  });
}
