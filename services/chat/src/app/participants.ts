import { forbidden, HuddleError, invalid, notFound } from '@huddle/errors';
import { AVATARS, type Chat } from '../domain/chat';
import { assertMayAdd, conversionName, SHARING_PLANS } from '../domain/participants';
import { type Chats, denied } from './chats';
import type { ChatStore, Decision, Directory, Participants, Policy, UnitOfWork } from './ports';

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
    private readonly store: Pick<ChatStore, 'chats' | 'members' | 'messages'>,
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
    convertToGroup: boolean;
  }): Promise<{ chat: Chat; addedIds: string[] }> {
    // A1 first: whoever is not in the chat learns nothing of it, not even how their request was wrong.
    const access = await this.chats.access(request.chatId, request.actorId, request.practiceId);
    const { chat } = access;
    assertMayAdd(chat, access.member);
    const personIds = [...new Set(request.personIds)];
    if (personIds.includes(request.actorId)) {
      throw invalid('You are in this chat already: name only the people to add', {
        fields: { personIds: 'must not include yourself' },
      });
    }
    if (personIds.length === 0 || personIds.length > MAX_ADD)
      throw invalid(`Add 1-${MAX_ADD} people at once`);
    const people = await this.directory.people(chat.practiceId, personIds);
    if (people.length !== personIds.length) {
      const missing = personIds.length - people.length;
      throw invalid(
        `${missing} of these ${missing === 1 ? 'is not a person' : 'are not people'} of this practice`,
      );
    }
    const clients = people.filter((person) => person.kind === 'client');
    const team = people.filter((person) => person.kind === 'practitioner');
    if (chat.kind === 'direct' && team.length > 0) {
      const plan = await this.policy.planOf(chat.practiceId);
      if (!plan || !SHARING_PLANS.includes(plan)) {
        throw new HuddleError('plan_required', 'Sharing chats needs the plus or team plan');
      }
    }

    return this.work.transaction(async (tx, emit) => {
      const locked = await this.store.chats.getForUpdate(tx, chat.id);
      if (!locked) throw notFound('Chat');
      const members = await this.store.members.list(tx, chat.id);
      const inChat = new Set(members.map((member) => member.personId));
      const joining = clients.filter((client) => !inChat.has(client.id));
      // G1/S5: the actor must reach every client they bring in. S3: so must every team member
      // already in the chat, whose invitation did not cover a client joining later; team members
      // invited in the same request are (an invitation beats their restriction).
      if (joining.length > 0) {
        const decision = await this.policy.authorizeGroupCreation({
          practiceId: chat.practiceId,
          creatorId: request.actorId,
          participantIds: joining.map((client) => client.id),
          memberIds: members.filter((member) => member.kind === 'practitioner').map((m) => m.personId),
        });
        if (!decision.allowed) throw await this.refusal(chat, decision);
      }
      // S5: only a client who joins now converts; naming one already in the chat adds nobody.
      const converting = locked.kind === 'direct' && joining.length > 0;
      if (converting && !request.convertToGroup) {
        throw new HuddleError(
          'conversion_required',
          'Adding a client turns this chat into a group chat for good, and the client will read its ' +
            'earlier history. Send convertToGroup: true to go ahead.',
          { fields: { convertToGroup: 'must be true to add a client to a direct chat' } },
        );
      }
      const added = await this.participants.add({
        practiceId: chat.practiceId,
        chatId: chat.id,
        addedBy: request.actorId,
        participants: people.map((person) => ({
          personId: person.id,
          via: converting && person.kind === 'client' ? 'conversion' : 'invited',
        })),
      });
      for (const member of added) await this.store.members.join(tx, chat.practiceId, member);
      let current = locked;
      if (converting) {
        // S5: named after the chat's original client, whom the members projection still knows.
        const originalId = members.find((member) => member.kind === 'client')?.personId;
        const [original] = originalId ? await this.directory.people(chat.practiceId, [originalId]) : [];
        const namedAfter = original ?? joining[0]!;
        current =
          (await this.store.chats.convertToGroup(
            tx,
            chat.id,
            conversionName(namedAfter),
            AVATARS[0],
            namedAfter.id,
          )) ?? locked;
        await emit('chat.v1.chat.converted', { chat: current });
      }
      return { chat: current, addedIds: added.map((member) => member.personId) };
    });
  }

  /**
   * A policy deny as an error. S3: the actor is a team member and team members
   * are always shown in full, so a restricted member is named, to be removed
   * (or their restriction changed) before the client is added.
   */
  private async refusal(chat: Chat, decision: Decision): Promise<HuddleError> {
    if (decision.reason !== 'tag_restricted' || decision.personIds.length === 0) {
      return denied(decision.reason, decision.message);
    }
    const named = await this.directory.people(chat.practiceId, decision.personIds);
    const names = named.map((person) => `${person.firstName} ${person.lastName}`.trim()).join(', ');
    return new HuddleError(
      'tag_restricted',
      `The client tag restriction of ${names} excludes a client being added: remove them from this ` +
        'chat or change their restriction first',
      { personIds: decision.personIds },
    );
  }

  /**
   * P2: the chat owner, or the practice's owner or admin (a participant or
   * not: removing reads nothing of the chat), removes someone, keeping their
   * messages (unlinked from them) or deleting them. P3: anyone but the owner
   * leaves a group, and their messages go with them; nobody leaves a 1-on-1
   * or shared chat, whose client cannot be removed either.
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
    const { chat, member } = await this.chats.lookup(request.chatId, request.actorId, request.practiceId);
    if (leaving) {
      if (!member) throw notFound('Chat');
      if (chat.kind === 'direct') {
        throw new HuddleError(
          'cannot_leave_direct_chat',
          'Nobody leaves a 1-on-1 or shared chat: the owner removes team members, and the chat exists for its client',
        );
      }
    } else if (!member || chat.ownerId !== request.actorId) {
      const [actor] = await this.directory.people(chat.practiceId, [request.actorId]);
      if (actor?.kind !== 'practitioner' || (actor.teamRole !== 'owner' && actor.teamRole !== 'admin')) {
        // A1: to anyone outside it, the chat does not exist.
        if (!member) throw notFound('Chat');
        throw forbidden('Only the chat owner or a practice owner or admin removes participants');
      }
    }
    if (!leaving && chat.kind === 'direct') {
      const target = await this.chats.participant(chat.id, request.personId);
      if (target?.kind === 'client') {
        throw new HuddleError(
          'cannot_leave_direct_chat',
          'The client of a 1-on-1 or shared chat cannot be removed: the chat exists for them',
        );
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
      if (!(await this.store.chats.getForUpdate(tx, chat.id))) throw notFound('Chat');
      if (!(await this.store.members.find(tx, chat.id, personId))) throw notFound('Participant');
      await this.participants.remove({
        practiceId: chat.practiceId,
        chatId: chat.id,
        personId,
        removedBy: actorId,
        messages,
      });
      await this.store.members.leave(tx, chat.id, personId, new Date(), { by: actorId, messages });
      if (messages === 'keep') {
        await this.store.messages.unlinkAuthor(tx, chat.id, personId, actorId);
      } else {
        for (const messageId of await this.store.messages.deleteAllBy(tx, chat.id, personId)) {
          await emit('chat.v1.message.deleted', { practiceId: chat.practiceId, chatId: chat.id, messageId });
        }
      }
      return true;
    });
  }
}
