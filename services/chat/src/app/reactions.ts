import { forbidden, notFound } from '@huddle/errors';
import { assertMayWrite } from '../domain/message';
import { assertRoomFor, type ReactionSummary, type Reactor, validateEmoji } from '../domain/reaction';
import { membersStore } from '../store/members';
import { messagesStore } from '../store/messages';
import { reactionsStore } from '../store/reactions';
import type { Chats } from './chats';
import type { Reader, UnitOfWork } from './ports';

/** X1: participants react to live messages with emoji, once per person per emoji. */
export class Reactions {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly chats: Chats,
  ) {}

  /**
   * Adds or takes back the actor's reaction; doing either twice changes nothing (no event).
   * G6: in a locked chat only the owner reacts. A deleted message takes no reactions (404).
   */
  async set(request: {
    chatId: string;
    practiceId: string;
    actorId: string;
    messageId: string;
    emoji: string;
    reacted: boolean;
  }) {
    const emoji = validateEmoji(request.emoji);
    const { chat } = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    assertMayWrite(chat, request.actorId);
    return this.work.transaction(async (tx, emit) => {
      // The message row's lock makes "count the emoji, then add one" safe against a concurrent reaction.
      const message = await messagesStore.getForUpdate(tx, request.messageId);
      if (!message || message.chatId !== chat.id || message.deletedAt !== null) throw notFound('Message');
      // P4: a removal that committed since the access check wins.
      if (!(await membersStore.find(tx, chat.id, request.actorId))) throw notFound('Chat');
      const reactor = { messageId: message.id, emoji, personId: request.actorId };
      if (request.reacted) assertRoomFor(emoji, await reactionsStore.emojiOf(tx, message.id));
      const changed = request.reacted
        ? await reactionsStore.add(tx, reactor)
        : await reactionsStore.remove(tx, reactor);
      if (changed) {
        const reactors = await reactionsStore.reactors(tx, [message.id], emoji);
        await emit(request.reacted ? 'chat.v1.reaction.added' : 'chat.v1.reaction.removed', {
          practiceId: chat.practiceId,
          chatId: chat.id,
          messageId: message.id,
          emoji,
          personId: request.actorId,
          personIds: reactors.map((r) => r.personId),
        });
      }
      return { message, changed };
    });
  }

  /** Who reacted to a live message with what: team members only (G5: clients never learn who). */
  async list(request: {
    chatId: string;
    practiceId: string;
    viewerId: string;
    messageId: string;
  }): Promise<Reactor[]> {
    const { chat, member } = await this.chats.access(request.chatId, request.viewerId, request.practiceId);
    if (member.kind !== 'practitioner') throw forbidden('Only team members can see who reacted');
    const message = await messagesStore.get(this.db, request.messageId);
    if (!message || message.chatId !== chat.id || message.deletedAt !== null) throw notFound('Message');
    return reactionsStore.reactors(this.db, [message.id]);
  }

  /** The reactions of many messages as one viewer sees them, in one query. */
  summaries(messageIds: string[], viewerId: string): Promise<Map<string, ReactionSummary[]>> {
    return reactionsStore.summaries(this.db, [...new Set(messageIds)], viewerId);
  }
}
