import { chatV1 } from '@huddle/contracts';
import { host } from '@huddle/grpc';
import type { Chats } from '../app/chats';
import type { Messages } from '../app/messages';
import { chatToProto, messageToProto } from './mapping';

export function chatRpc(chats: Chats, messages: Messages) {
  return host(chatV1.ChatServiceService, {
    createGroup: async (request) => ({ chat: chatToProto(await chats.createGroup(request)) }),
    getChat: async ({ chatId, viewerId }) => ({
      chat: chatToProto(await chats.getForParticipant(chatId, viewerId)),
    }),
    postMessage: async (request) => {
      const result = await messages.post({
        chatId: request.chatId,
        authorId: request.authorId,
        message: {
          body: request.body,
          parentId: request.parentId ?? null,
          mentions: request.mentions,
          attachmentIds: request.attachmentIds,
        },
        idempotencyKey: request.idempotencyKey ?? null,
      });
      return { message: messageToProto(result.message), created: result.created };
    },
    listMessages: async (request) => {
      const page = await messages.list(request);
      return { messages: page.messages.map(messageToProto), nextCursor: page.nextCursor };
    },
  });
}
