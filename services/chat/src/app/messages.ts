import { createHash, randomUUID } from 'node:crypto';
import type { Transaction } from '@huddle/db';
import { forbidden, HuddleError, invalid, notFound } from '@huddle/errors';
import { pageLimit, seqCursor, seqIdCursor, splitPage } from '@huddle/paging';
import type { Chat } from '../domain/chat';
import {
  assertMayReplyTo,
  assertMayWrite,
  type Message,
  type NewMessage,
  toEventData,
  validateNewMessage,
} from '../domain/message';
import { groupByEmoji } from '../domain/reaction';
import { type SearchLanguageOf, simpleEverywhere } from '../domain/search';
import type { Attachments } from './attachments';
import type { Access, Chats } from './chats';
import type { ChatStore, Reader, UnitOfWork } from './ports';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
/** G2: feed posts come with their newest replies. */
export const LATEST_REPLIES = 3;
/** G7 */
export const MAX_PINNED = 10;

/** A message with what a page shows beside it. */
export type ListedMessage = Message & { latestReplies?: Message[] };

/** Thrown inside a post's transaction when a concurrent post won its idempotency key. */
class KeyTaken extends Error {}

/** What the service counts about messages (`huddle_messages_posted_total`). */
export interface MessageCounters {
  /** A new message was posted; an idempotent repeat is not a new one. */
  posted(): void;
}

const isTeam = (access: Access) => access.member.kind === 'practitioner';

export class Messages {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'messages' | 'chats' | 'members' | 'reactions' | 'attachments'>,
    private readonly chats: Chats,
    private readonly attachments: Attachments,
    private readonly counters: MessageCounters = { posted: () => {} },
    /** X3: the language a practice's messages are indexed in. */
    private readonly searchLanguageOf: SearchLanguageOf = simpleEverywhere,
  ) {}

  async post(request: {
    chatId: string;
    practiceId: string;
    authorId: string;
    message: NewMessage;
    idempotencyKey: string | null;
  }): Promise<{ message: Message; created: boolean; chat: Chat }> {
    const content = validateNewMessage(request.message);
    const access = await this.chats.access(request.chatId, request.authorId, request.practiceId);
    const { chat } = access;
    assertMayWrite(chat, request.authorId);
    await this.assertMentionable(access, content.mentions);
    await this.attachments.assertUsable(chat.practiceId, request.authorId, content.attachmentIds);
    // Only a post with an Idempotency-Key is compared with an earlier one.
    const requestHash = request.idempotencyKey ? hashOf(content) : '';

    // One retry: a concurrent post with the same key commits first, then we return its message.
    for (let attempt = 0; ; attempt++) {
      try {
        const posted = await this.work.transaction(async (tx, emit) => {
          const key = request.idempotencyKey;
          if (key) {
            const earlier = await this.store.messages.findIdempotent(tx, chat.id, request.authorId, key);
            const message = earlier && (await this.store.messages.get(tx, earlier.messageId));
            if (earlier && message) {
              if (earlier.requestHash !== requestHash) {
                throw new HuddleError(
                  'idempotency_key_reused',
                  'This Idempotency-Key was already used for a different message',
                );
              }
              return { message, created: false };
            }
            // The key's message is gone (its author's messages were deleted, P2/P3): the key starts fresh.
            if (earlier) await this.store.messages.releaseIdempotencyKey(tx, chat.id, request.authorId, key);
          }
          if (content.parentId !== null) {
            assertMayReplyTo(chat, await this.store.messages.get(tx, content.parentId));
          }
          const id = randomUUID();
          if (key) {
            const claimed = await this.store.messages.claimIdempotencyKey(tx, {
              chatId: chat.id,
              authorId: request.authorId,
              key,
              requestHash,
              messageId: id,
            });
            if (!claimed) throw new KeyTaken();
          }
          const draft = {
            id,
            chatId: chat.id,
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
          // Seq, message, read marker and X4's unarchiving in one statement under the chat row's
          // lock. P4: undefined when a removal of the author committed while the post waited for it.
          const seq = await this.store.messages.post(tx, draft, this.searchLanguageOf(chat.practiceId));
          if (seq === undefined) throw notFound('Chat');
          const message: Message = { ...draft, seq };
          await this.attachments.reference(tx, chat.id, id, content.attachmentIds);
          await emit('chat.v1.message.created', {
            practiceId: chat.practiceId,
            message: await this.eventData(tx, message, { posted: true }),
          });
          return { message, created: true };
        });
        if (posted.created) this.counters.posted();
        return { ...posted, chat };
      } catch (error) {
        if (!(error instanceof KeyTaken)) throw error;
        if (attempt === 0) continue;
        throw new HuddleError('conflict', 'A post with this Idempotency-Key is in progress; retry it');
      }
    }
  }

  /**
   * G2: newest first. Feed chats list top-level posts with their newest
   * replies, and their pinned posts apart on the first page; direct chats list
   * every message.
   */
  async list(request: {
    chatId: string;
    practiceId: string;
    viewerId: string;
    cursor: string;
    limit: number;
  }) {
    const { chat } = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    const limit = pageLimit(request.limit, DEFAULT_PAGE, MAX_PAGE);
    const beforeSeq = request.cursor ? seqCursor.decode(request.cursor) : null;
    const feed = chat.style === 'feed';
    const rows = await this.store.messages.page(this.db, chat.id, { beforeSeq, limit: limit + 1, feed });
    const { page, more } = splitPage(rows, limit);
    const pinned = feed && beforeSeq === null ? await this.store.messages.pinned(this.db, chat.id) : [];
    const withReplies = feed ? await this.withLatestReplies([...pinned, ...page]) : [...pinned, ...page];
    return {
      pinned: withReplies.slice(0, pinned.length),
      messages: withReplies.slice(pinned.length),
      nextCursor: more ? seqCursor.encode(page.at(-1)!.seq) : '',
    };
  }

  /**
   * X6: messages of a chat by id, for one of its participants (A1): what their
   * notifications name. Tombstones come back as such; messages gone outright do not.
   */
  async byIds(request: { chatId: string; practiceId: string; viewerId: string; messageIds: string[] }) {
    const { chat } = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    if (request.messageIds.length > MAX_PAGE) throw invalid(`At most ${MAX_PAGE} message ids at once`);
    return this.store.messages.getMany(this.db, chat.id, [...new Set(request.messageIds)]);
  }

  /** A feed post's thread, oldest first. */
  async replies(request: {
    chatId: string;
    practiceId: string;
    viewerId: string;
    messageId: string;
    cursor: string;
    limit: number;
  }) {
    const { chat } = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    const parent = await this.store.messages.get(this.db, request.messageId);
    if (!parent || parent.chatId !== chat.id) throw notFound('Message');
    if (parent.parentId !== null) throw invalid('Replies have no threads of their own');
    const limit = pageLimit(request.limit, DEFAULT_PAGE, MAX_PAGE);
    const afterSeq = request.cursor ? seqCursor.decode(request.cursor) : null;
    const rows = await this.store.messages.replies(this.db, parent.id, { afterSeq, limit: limit + 1 });
    const { page, more } = splitPage(rows, limit);
    return { messages: page, nextCursor: more ? seqCursor.encode(page.at(-1)!.seq) : '' };
  }

  /** G8: the author edits body and attachments of their post or reply in a feed chat. */
  async edit(request: {
    chatId: string;
    practiceId: string;
    editorId: string;
    messageId: string;
    body: string;
    attachmentIds: string[];
    /** An edit of the body alone: the files stay as they are. */
    keepAttachments: boolean;
  }) {
    const { chat } = await this.chats.access(request.chatId, request.editorId, request.practiceId);
    if (chat.style !== 'feed') {
      throw new HuddleError('not_supported_in_style', 'Messages can only be edited in feed-style chats');
    }
    assertMayWrite(chat, request.editorId);
    if (!request.keepAttachments) {
      await this.attachments.assertUsable(chat.practiceId, request.editorId, request.attachmentIds);
    }
    return this.work.transaction(async (tx, emit) => {
      const current = await this.liveMessage(tx, chat.id, request.messageId);
      if (current.authorId !== request.editorId) throw forbidden('Only its author can edit a message');
      const content = validateNewMessage({
        body: request.body,
        attachmentIds: request.keepAttachments ? current.attachmentIds : request.attachmentIds,
        parentId: null,
        mentions: [],
      });
      if (current.body === content.body && sameList(current.attachmentIds, content.attachmentIds))
        return current;
      const message = await this.store.messages.edit(tx, current, content);
      await this.attachments.reference(tx, chat.id, message.id, content.attachmentIds);
      await emit('chat.v1.message.updated', {
        practiceId: chat.practiceId,
        message: await this.eventData(tx, message),
      });
      return message;
    });
  }

  /** G8: the earlier contents of a message, for team members only. */
  async revisions(request: { chatId: string; practiceId: string; viewerId: string; messageId: string }) {
    const access = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    if (!isTeam(access)) throw forbidden('Only team members can read a message’s history');
    await this.liveMessage(this.db, access.chat.id, request.messageId);
    return this.store.messages.revisions(this.db, request.messageId);
  }

  /**
   * Its author, or the chat owner as moderator, deletes a message; a tombstone keeps its
   * place. G6: in a locked chat only the owner deletes.
   */
  async delete(request: { chatId: string; practiceId: string; actorId: string; messageId: string }) {
    const { chat } = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    assertMayWrite(chat, request.actorId);
    return this.work.transaction(async (tx, emit) => {
      const current = await this.store.messages.getForUpdate(tx, request.messageId);
      if (!current || current.chatId !== chat.id) throw notFound('Message');
      if (current.authorId !== request.actorId && chat.ownerId !== request.actorId) {
        throw forbidden('Only its author or the chat owner can delete a message');
      }
      if (current.deletedAt !== null) return current;
      const tombstone = (await this.store.messages.tombstone(tx, current.id)) ?? current;
      await emit('chat.v1.message.deleted', {
        practiceId: chat.practiceId,
        chatId: chat.id,
        messageId: current.id,
        message: await this.eventData(tx, tombstone),
      });
      return tombstone;
    });
  }

  /**
   * G7: team-member participants pin top-level feed posts, at most ten per chat.
   * G6: in a locked chat only the owner pins and unpins.
   */
  async pin(request: {
    chatId: string;
    practiceId: string;
    actorId: string;
    messageId: string;
    pinned: boolean;
  }) {
    const access = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    const { chat } = access;
    if (chat.style !== 'feed')
      throw new HuddleError('not_supported_in_style', 'Only feed-style chats have pins');
    if (!isTeam(access)) throw forbidden('Only team members pin posts');
    assertMayWrite(chat, request.actorId);
    return this.work.transaction(async (tx, emit) => {
      // The chat row's lock makes "count, then pin" safe against a concurrent pin.
      await this.store.chats.getForUpdate(tx, chat.id);
      const message = await this.liveMessage(tx, chat.id, request.messageId);
      if (message.parentId !== null) throw invalid('Only top-level posts can be pinned, not replies');
      if ((message.pinnedAt !== null) === request.pinned) return message;
      if (request.pinned && (await this.store.messages.countPinned(tx, chat.id)) >= MAX_PINNED) {
        throw new HuddleError(
          'pin_limit_reached',
          `A chat has at most ${MAX_PINNED} pinned posts; unpin one first`,
        );
      }
      const updated = (await this.store.messages.setPinned(tx, message.id, request.pinned))!;
      await emit(request.pinned ? 'chat.v1.message.pinned' : 'chat.v1.message.unpinned', {
        practiceId: chat.practiceId,
        chatId: chat.id,
        messageId: message.id,
        message: await this.eventData(tx, updated),
      });
      return updated;
    });
  }

  /**
   * X5: the files live messages of the chat reference, newest message first, for any
   * participant; a deleted message's files, or files an edit replaced, are not listed (A1).
   */
  async files(request: {
    chatId: string;
    practiceId: string;
    viewerId: string;
    cursor: string;
    limit: number;
  }) {
    const { chat } = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    const limit = pageLimit(request.limit, DEFAULT_PAGE, MAX_PAGE);
    const before = request.cursor ? seqIdCursor.decode(request.cursor) : null;
    const rows = await this.store.attachments.ofChat(this.db, chat.id, { before, limit: limit + 1 });
    const { page, more } = splitPage(rows, limit);
    const last = page.at(-1);
    return { files: page, nextCursor: more && last ? seqIdCursor.encode(last.seq, last.attachment.id) : '' };
  }

  /** A message as its events carry it, its files described and who reacted with what (X1). */
  private async eventData(tx: Transaction, message: Message, { posted = false } = {}) {
    const files = await this.attachments.describe(message.attachmentIds, tx);
    // A message just posted has no reactions: no query for them on the posting path.
    const reactors = posted ? [] : await this.store.reactions.reactors(tx, [message.id]);
    return { ...toEventData(message, files), reactions: groupByEmoji(reactors) };
  }

  private async liveMessage(db: Reader | Transaction, chatId: string, messageId: string): Promise<Message> {
    const message = await this.store.messages.get(db, messageId);
    if (!message || message.chatId !== chatId || message.deletedAt !== null) throw notFound('Message');
    return message;
  }

  private async withLatestReplies(posts: Message[]): Promise<ListedMessage[]> {
    const replies = await this.store.messages.latestReplies(
      this.db,
      posts.filter((post) => post.replyCount > 0).map((post) => post.id),
      LATEST_REPLIES,
    );
    return posts.map((post) => ({ ...post, latestReplies: replies.get(post.id) ?? [] }));
  }

  /**
   * G9: mentions name current participants; a client in an identity-hiding
   * group may mention team members only (other clients are hidden from them).
   * A1: such a client gets the same answer for a hidden client as for someone
   * not in the chat, so the error tells them nothing of who takes part.
   * Also asked when a message is scheduled (X2), before the post at its time asks again.
   */
  async assertMentionable(access: Access, personIds: string[]): Promise<void> {
    if (personIds.length === 0) return;
    const members = new Map(
      (await this.store.members.list(this.db, access.chat.id)).map((m) => [m.personId, m]),
    );
    const teamOnly = access.chat.hideClientIdentities && access.member.kind === 'client';
    const mentionable = (id: string) => {
      const member = members.get(id);
      return member !== undefined && (!teamOnly || member.kind === 'practitioner');
    };
    if (personIds.every(mentionable)) return;
    throw invalid(
      teamOnly
        ? 'In this group you can mention team members only'
        : 'Mentions must name participants of this chat',
    );
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((value, n) => value === b[n]);

const hashOf = (content: NewMessage) => createHash('sha256').update(JSON.stringify(content)).digest('hex');
