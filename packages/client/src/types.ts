import type { paths } from './gen/api';

/** The JSON body of a path's answer with this status, as generated from /openapi.json. */
export type ResponseBody<
  P extends keyof paths,
  M extends keyof paths[P],
  S extends number = 200,
> = paths[P][M] extends { responses: Record<S, { content: { 'application/json': infer B } }> } ? B : never;

/** The JSON body a path takes. */
export type RequestBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/** The product's shapes, as the gateway presents them to the caller (G4, G5, S6). */
export type Me = ResponseBody<'/v1/me', 'get'>;
export type ChatListPage = ResponseBody<'/v1/chats', 'get'>;
/** One chat of the chat list: title as the caller sees it, unread count, last message, personal state. */
export type ChatListItem = ChatListPage['items'][number];
export type Chat = ResponseBody<'/v1/chats/{chatId}', 'get'>;
export type MessagePage = ResponseBody<'/v1/chats/{chatId}/messages', 'get'>;
export type Message = MessagePage['items'][number];
export type Reply = Message['latestReplies'][number];
export type PresentedPerson = Message['author'];
export type Attachment = Message['attachments'][number];
export type Participant = ResponseBody<'/v1/chats/{chatId}/participants', 'get'>['items'][number];
export type NotificationPage = ResponseBody<'/v1/notifications', 'get'>;
export type Notification = NotificationPage['items'][number];
export type SearchHit = ResponseBody<'/v1/search', 'get'>['items'][number];
export type PostMessageBody = RequestBody<'/v1/chats/{chatId}/messages', 'post'>;
export type CreateGroupBody = RequestBody<'/v1/chats', 'post'>;
export type UpdateChatBody = RequestBody<'/v1/chats/{chatId}', 'patch'>;
export type PersonalState = ResponseBody<'/v1/chats/{chatId}/me', 'put'>;

export type { paths };
