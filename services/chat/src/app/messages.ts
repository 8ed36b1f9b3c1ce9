import { createHash, randomUUID } from 'node:crypto';
import { HuddleError, invalid } from '@huddle/errors';
import {
  assertMayReplyTo,
  assertMayWrite,
  type Message,
  type NewMessage,
  validateNewMessage,
} from '../domain/message';
import { chatsStore } from '../store/chats';
import { messagesStore } from '../store/messages';
import type { Chats } from './chats';
import type { Participants, Reader, UnitOfWork } from './ports';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

/** Thrown inside a post's transaction when a concurrent post won its idempotency key. */
class KeyTaken extends Error {}

export class Messages {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly chats: Chats,
    private readonly participants: Participants,
  ) {}

  async post(request: {
    chatId: string;
    authorId: string;
    message: NewMessage;
    idempotencyKey: string | null;
  }): Promise<{ message: Message; created: boolean }> {
    const content = validateNewMessage(request.message);
    const chat = await this.chats.getForParticipant(request.chatId, request.authorId);
    assertMayWrite(chat, request.authorId);
    if (content.mentions.length > 0) await this.assertParticipants(chat.id, content.mentions);
    const requestHash = hashOf(content);

    // One retry: a concurrent post with the same key commits first, then we return its message.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.work.transaction(async (tx, emit) => {
          const key = request.idempotencyKey;
          if (key) {
            const earlier = await messagesStore.findIdempotent(tx, chat.id, request.authorId, key);
            if (earlier) {
              if (earlier.requestHash !== requestHash) {
                throw new HuddleError(
                  'idempotency_key_reused',
                  'This Idempotency-Key was already used for a different message',
                );
              }
              const message = await messagesStore.get(tx, earlier.messageId);
              if (message) return { message, created: false };
            }
          }
          if (content.parentId !== null) {
            assertMayReplyTo(chat, await messagesStore.get(tx, content.parentId));
          }
          const id = randomUUID();
          if (key) {
            const claimed = await messagesStore.claimIdempotencyKey(tx, {
              chatId: chat.id,
              authorId: request.authorId,
              key,
              requestHash,
              messageId: id,
            });
            if (!claimed) throw new KeyTaken();
          }
          const seq = await chatsStore.nextSeq(tx, chat.id);
          if (seq === undefined) throw invalid('The chat no longer exists');
          const message: Message = {
            id,
            chatId: chat.id,
            seq,
            parentId: content.parentId,
            authorId: request.authorId,
            body: content.body,
            mentions: content.mentions,
            attachmentIds: content.attachmentIds,
            replyCount: 0,
            pinnedAt: null,
            editedAt: null,
            deletedAt: null,
            createdAt: new Date().toISOString(),
          };
          await messagesStore.insert(tx, message);
          const { replyCount: _r, pinnedAt: _p, editedAt: _e, deletedAt: _d, ...data } = message;
          await emit('chat.v1.message.created', { practiceId: chat.practiceId, message: data });
          return { message, created: true };
        });
      } catch (error) {
        if (error instanceof KeyTaken && attempt === 0) continue;
        throw error;
      }
    }
  }

  /** G2: newest first; feed chats list top-level posts only (replies live in threads). */
  async list(request: {
    chatId: string;
    viewerId: string;
    cursor: string;
    limit: number;
  }): Promise<{ messages: Message[]; nextCursor: string }> {
    const chat = await this.chats.getForParticipant(request.chatId, request.viewerId);
    const limit = request.limit === 0 ? DEFAULT_PAGE : request.limit;
    if (limit < 1 || limit > MAX_PAGE) throw invalid(`limit must be 1-${MAX_PAGE}`);
    const beforeSeq = request.cursor ? decodeCursor(request.cursor) : null;
    const page = await messagesStore.page(this.db, chat.id, {
      beforeSeq,
      limit: limit + 1,
      topLevelOnly: chat.style === 'feed',
    });
    const messages = page.slice(0, limit);
    const more = page.length > limit;
    return { messages, nextCursor: more ? encodeCursor(messages.at(-1)!.seq) : '' };
  }

  /** G9: mentions name current participants. */
  private async assertParticipants(chatId: string, personIds: string[]): Promise<void> {
    const active = new Set((await this.participants.list(chatId)).map((p) => p.personId));
    const strangers = personIds.filter((id) => !active.has(id));
    if (strangers.length > 0)
      throw invalid('Mentions must name participants of this chat', { mentions: strangers });
  }
}

const hashOf = (content: NewMessage) => createHash('sha256').update(JSON.stringify(content)).digest('hex');

/** Cursors are opaque to clients: the seq to continue below. */
export const encodeCursor = (seq: number) => Buffer.from(`s:${seq}`).toString('base64url');

export function decodeCursor(cursor: string): number {
  const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw invalid('cursor is not valid');
  return Number(match[1]);
}
