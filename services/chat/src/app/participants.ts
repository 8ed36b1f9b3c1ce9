import { forbidden, HuddleError, invalid, notFound } from '@huddle/errors';
import { AVATARS, type Chat } from '../domain/chat';
import { assertMayAdd, conversionName, SHARING_PLANS } from '../domain/participants';
import { chatsStore } from '../store/chats';
import { membersStore } from '../store/members';
import { messagesStore } from '../store/messages';
import { type Chats, denied } from './chats';
import type { Directory, Participants, Policy, UnitOfWork } from './ports';

const MAX_ADD = 100;

/**
 * Who is in a chat: adding (P1, S2, S3, S5), removing (P2), leaving (P3).
 * Each change holds the chat row's lock from the participant service's write
 * to this service's own, so an add and a remove of one person cannot
 * interleave into a membership one side has and the other does not.
 */
export class ChatParticipants {
  constructor(
    private readonly work: UnitOfWork,
    private readonly chats: Chats,
    private readonly participants: Participants,
    private readonly directory: Directory,
    private readonly policy: Policy,
  ) {}

  async add(request: {
    chatId: string;
    practiceId: string;
    actorId: string;
    personIds: string[];
  }): Promise<{ chat: Chat; addedIds: string[] }> {
    const personIds = [...new Set(request.personIds)].filter((id) => id !== request.actorId);
    if (personIds.length === 0 || personIds.length > MAX_ADD)
      throw invalid(`Add 1-${MAX_ADD} people at once`);
    const access = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    const { chat } = access;
    const people = await this.directory.people(chat.practiceId, personIds);
    if (people.length !== personIds.length) throw invalid('Some of these people are not in this practice');
    const clients = people.filter((person) => person.kind === 'client');
    const team = people.filter((person) => person.kind === 'practitioner');
    assertMayAdd(chat, access.member);

    // S3: an invited team member may read and write whatever their tag restriction; but the
    // actor must reach every client they bring in (G1, S5).
    const decision = await this.policy.authorizeGroupCreation({
      practiceId: chat.practiceId,
      creatorId: request.actorId,
      participantIds: clients.map((client) => client.id),
    });
    if (!decision.allowed) throw denied(decision.reason, decision.message);
    if (chat.kind === 'direct' && team.length > 0) {
      const plan = await this.policy.planOf(chat.practiceId);
      if (!plan || !SHARING_PLANS.includes(plan)) {
        throw new HuddleError('plan_required', 'Sharing chats needs the plus or team plan');
      }
    }

    return this.work.transaction(async (tx, emit) => {
      const locked = await chatsStore.getForUpdate(tx, chat.id);
      if (!locked) throw notFound('Chat');
      // S5: only a client who joins now converts; naming one already in the chat adds nobody.
      const inChat = new Set((await membersStore.list(tx, chat.id)).map((member) => member.personId));
      const converting = locked.kind === 'direct' && clients.some((client) => !inChat.has(client.id));
      const added = await this.participants.add({
        practiceId: chat.practiceId,
        chatId: chat.id,
        addedBy: request.actorId,
        participants: people.map((person) => ({
          personId: person.id,
          via: converting && person.kind === 'client' ? 'conversion' : 'invited',
        })),
      });
      for (const member of added) await membersStore.join(tx, chat.practiceId, member);
      let current = locked;
      if (converting) {
        // S5: named after the chat's original client, whom the members projection still knows.
        const original = (await membersStore.list(tx, chat.id)).find(
          (member) => member.kind === 'client' && !added.some((a) => a.personId === member.personId),
        );
        const [client] = original ? await this.directory.people(chat.practiceId, [original.personId]) : [];
        const name = conversionName(client ?? clients[0]!);
        current = (await chatsStore.convertToGroup(tx, chat.id, name, AVATARS[0])) ?? locked;
        await emit('chat.v1.chat.converted', { chat: current });
      }
      return { chat: current, addedIds: added.map((member) => member.personId) };
    });
  }

  /**
   * P2: the chat owner, or the practice's owner or admin, removes someone,
   * keeping their messages (unlinked from them) or deleting them. P3: anyone
   * but the owner leaves, and their messages go with them.
   */
  async remove(request: {
    chatId: string;
    practiceId: string;
    actorId: string;
    personId: string;
    messages: string;
  }): Promise<boolean> {
    const leaving = request.personId === request.actorId;
    const messages = leaving ? 'delete' : request.messages;
    if (messages !== 'keep' && messages !== 'delete') throw invalid('messages must be keep or delete');
    const { chat } = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    if (!leaving && chat.ownerId !== request.actorId) {
      const [actor] = await this.directory.people(chat.practiceId, [request.actorId]);
      if (actor?.teamRole !== 'owner' && actor?.teamRole !== 'admin') {
        throw forbidden('Only the chat owner or a practice owner or admin removes participants');
      }
    }
    return this.end(chat, request.personId, request.actorId, messages);
  }

  /** R1: a program system unenrols a client; their messages stay, unlinked from them. */
  removeBySystem(chat: Chat, personId: string, actor: string): Promise<boolean> {
    return this.end(chat, personId, actor, 'keep');
  }

  /** Ends a membership under the chat row's lock, then keeps (unlinked) or deletes the messages. */
  private async end(
    chat: Chat,
    personId: string,
    actorId: string,
    messages: 'keep' | 'delete',
  ): Promise<boolean> {
    if (personId === chat.ownerId) {
      throw new HuddleError('owner_cannot_leave', 'The chat owner cannot leave or be removed');
    }
    return this.work.transaction(async (tx, emit) => {
      if (!(await chatsStore.getForUpdate(tx, chat.id))) throw notFound('Chat');
      if (!(await membersStore.find(tx, chat.id, personId))) throw notFound('Participant');
      await this.participants.remove({
        practiceId: chat.practiceId,
        chatId: chat.id,
        personId,
        removedBy: actorId,
        messages,
      });
      await membersStore.leave(tx, chat.id, personId, new Date());
      if (messages === 'keep') {
        await messagesStore.unlinkAuthor(tx, chat.id, personId, actorId);
      } else {
        for (const messageId of await messagesStore.deleteAllBy(tx, chat.id, personId)) {
          await emit('chat.v1.message.deleted', { practiceId: chat.practiceId, chatId: chat.id, messageId });
        }
      }
      return true;
    });
  }
}
