import { forbidden, notFound } from '@huddle/errors';
import { assertMayWrite } from '../domain/message';
import { assertRoomFor, type ReactionSummary, type Reactor, validateEmoji } from '../domain/reaction';
import type { Chats } from './chats';
import type { ChatStore, Reader, UnitOfWork } from './ports';

/** X1: participants react to live messages with emoji, once per person per emoji. */
export class Reactions {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'messages' | 'members' | 'reactions'>,
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
      const message = await this.store.messages.getForUpdate(tx, request.messageId);
      if (!message || message.chatId !== chat.id || message.deletedAt !== null) throw notFound('Message');
      // P4: a removal that committed since the access check wins.
      if (!(await this.store.members.find(tx, chat.id, request.actorId))) throw notFound('Chat');
      const reactor = { messageId: message.id, emoji, personId: request.actorId };
      if (request.reacted) assertRoomFor(emoji, await this.store.reactions.emojiOf(tx, message.id));
      const changed = request.reacted
        ? await this.store.reactions.add(tx, reactor)
        : await this.store.reactions.remove(tx, reactor);
      if (changed) {
        const reactors = await this.store.reactions.reactors(tx, [message.id], emoji);
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
    const message = await this.store.messages.get(this.db, request.messageId);
    if (!message || message.chatId !== chat.id || message.deletedAt !== null) throw notFound('Message');
    return this.store.reactions.reactors(this.db, [message.id]);
  }

  /** The reactions of many messages as one viewer sees them, in one query. */
  summaries(messageIds: string[], viewerId: string): Promise<Map<string, ReactionSummary[]>> {
    return this.store.reactions.summaries(this.db, [...new Set(messageIds)], viewerId);
  }
}
