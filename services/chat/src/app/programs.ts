import { randomUUID } from 'node:crypto';
import { HuddleError, invalid, notFound } from '@huddle/errors';
import {
  type Chat,
  type ChatChanges,
  DEFAULT_AVATAR,
  validateChanges,
  validateNewGroup,
} from '../domain/chat';
import type { ChatParticipants } from './participants';
import type { ChatStore, Directory, Participants, Reader, UnitOfWork } from './ports';

const MAX_PRACTITIONERS = 100;

/**
 * R1: program-management systems keep a group chat per program, idempotently
 * (retries and concurrent calls land on the same chat), enrol and unenrol
 * clients, and lock the chat when the program ends.
 */
export class Programs {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: Pick<ChatStore, 'chats' | 'members'>,
    private readonly participants: Participants,
    private readonly chatParticipants: ChatParticipants,
    private readonly directory: Directory,
  ) {}

  async upsertChat(request: {
    practiceId: string;
    programId: string;
    actor: string;
    name: string;
    ownerId: string;
    practitionerIds: string[];
    changes: ChatChanges;
  }): Promise<{ chat: Chat; created: boolean }> {
    const { practiceId, programId, ownerId } = request;
    const practitionerIds = [...new Set(request.practitionerIds)].filter((id) => id !== ownerId);
    if (practitionerIds.length > MAX_PRACTITIONERS)
      throw invalid(`At most ${MAX_PRACTITIONERS} practitioners`);
    const people = await this.directory.people(practiceId, [ownerId, ...practitionerIds]);
    if (
      people.length !== practitionerIds.length + 1 ||
      people.some((person) => person.kind !== 'practitioner')
    ) {
      throw invalid('ownerId and practitionerIds must name practitioners of this practice');
    }
    const settings = validateNewGroup({
      creatorId: ownerId,
      name: request.name,
      avatar: request.changes.avatar ?? DEFAULT_AVATAR,
      style: request.changes.style ?? 'feed',
      clientNaming: request.changes.clientNaming ?? 'full',
      hideClientIdentities: request.changes.hideClientIdentities ?? false,
      participantIds: [],
    });

    let chat = await this.store.chats.findProgram(this.db, practiceId, programId);
    let created = false;
    if (!chat) {
      const candidate: Chat = {
        id: randomUUID(),
        practiceId,
        kind: 'group',
        ...settings,
        locked: request.changes.locked ?? false,
        ownerId,
        programId,
        namedAfterClientId: null,
        createdAt: new Date().toISOString(),
      };
      created = await this.work.transaction(async (tx, emit) => {
        if (!(await this.store.chats.insertProgram(tx, candidate))) return false;
        await emit('chat.v1.chat.created', { chat: candidate });
        return true;
      });
      chat = created ? candidate : await this.store.chats.findProgram(this.db, practiceId, programId);
      if (!chat) throw new HuddleError('conflict', 'The program chat changed meanwhile; try again');
    }
    if (chat.ownerId !== ownerId) {
      throw new HuddleError('conflict', 'A program chat keeps the owner it was created with');
    }
    await this.join(chat, request.actor, [
      { personId: ownerId, role: 'owner' as const },
      ...practitionerIds.map((personId) => ({ personId, role: 'team' as const })),
    ]);
    if (!created) chat = await this.update(chat, { name: request.name, ...request.changes });
    return { chat, created };
  }

  async setEnrollment(request: {
    practiceId: string;
    programId: string;
    actor: string;
    clientId: string;
    enrolled: boolean;
  }): Promise<{ chat: Chat; changed: boolean }> {
    const chat = await this.store.chats.findProgram(this.db, request.practiceId, request.programId);
    if (!chat) throw notFound('Program chat');
    const [client] = await this.directory.people(request.practiceId, [request.clientId]);
    if (client?.kind !== 'client') throw invalid('clientId must name a client of this practice');
    if (request.enrolled) {
      const added = await this.join(chat, request.actor, [{ personId: client.id, role: 'client' }]);
      return { chat, changed: added > 0 };
    }
    const member = await this.store.members.find(this.db, chat.id, client.id);
    if (!member) return { chat, changed: false };
    // Unenrolling keeps the client's messages, unlinked from them (P2 keep).
    await this.chatParticipants.removeBySystem(chat, client.id, request.actor);
    return { chat, changed: true };
  }

  /** Adds memberships under the chat row's lock, like every membership change. */
  private join(
    chat: Chat,
    actor: string,
    entries: Array<{ personId: string; role: 'owner' | 'team' | 'client' }>,
  ) {
    return this.work.transaction(async (tx) => {
      if (!(await this.store.chats.getForUpdate(tx, chat.id))) throw notFound('Program chat');
      const added = await this.participants.add({
        practiceId: chat.practiceId,
        chatId: chat.id,
        addedBy: actor,
        participants: entries.map((entry) => ({ ...entry, via: 'program' as const })),
      });
      for (const member of added) await this.store.members.join(tx, chat.practiceId, member);
      return added.length;
    });
  }

  private async update(chat: Chat, changes: ChatChanges): Promise<Chat> {
    const valid = validateChanges(changes);
    const changed = (Object.keys(valid) as Array<keyof typeof valid>).filter(
      (field) => valid[field] !== chat[field],
    );
    if (changed.length === 0) return chat;
    return this.work.transaction(async (tx, emit) => {
      const updated = await this.store.chats.update(tx, chat.id, valid);
      if (!updated) throw notFound('Program chat');
      await emit('chat.v1.chat.updated', { chat: updated, changed });
      return updated;
    });
  }
}
