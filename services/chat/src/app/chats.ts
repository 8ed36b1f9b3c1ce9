import { randomUUID } from 'node:crypto';
import { type ErrorCode, HuddleError, isErrorCode, notFound } from '@huddle/errors';
import { type Chat, validateNewGroup } from '../domain/chat';
import { chatsStore } from '../store/chats';
import type { Participants, Policy, Reader, UnitOfWork } from './ports';

export class Chats {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly policy: Policy,
    private readonly participants: Participants,
  ) {}

  /**
   * G1: a practitioner creates a group; they become its owner. Memberships are
   * written first: should the chat insert then fail, they point at a chat that
   * does not exist and grant nothing.
   */
  async createGroup(request: {
    practiceId: string;
    creatorId: string;
    name: string;
    avatar: string;
    style: string;
    clientNaming: string;
    hideClientIdentities: boolean;
    participantIds: string[];
  }): Promise<Chat> {
    const settings = validateNewGroup(request);
    const decision = await this.policy.authorizeGroupCreation({
      practiceId: request.practiceId,
      creatorId: request.creatorId,
      participantIds: settings.participantIds,
    });
    if (!decision.allowed) throw denied(decision.reason, decision.message);

    const chat: Chat = {
      id: randomUUID(),
      practiceId: request.practiceId,
      kind: 'group',
      name: settings.name,
      avatar: settings.avatar,
      style: settings.style,
      clientNaming: settings.clientNaming,
      hideClientIdentities: settings.hideClientIdentities,
      locked: false,
      ownerId: request.creatorId,
      programId: null,
      createdAt: new Date().toISOString(),
    };
    await this.participants.add({
      practiceId: chat.practiceId,
      chatId: chat.id,
      addedBy: request.creatorId,
      participants: [
        { personId: request.creatorId, role: 'owner', via: 'created' },
        ...settings.participantIds.map((personId) => ({ personId, via: 'created' as const })),
      ],
    });
    await this.work.transaction(async (tx, emit) => {
      await chatsStore.insert(tx, chat);
      await emit('chat.v1.chat.created', { chat });
    });
    return chat;
  }

  /** A1: the chat, for an active participant; to anyone else it does not exist. */
  async getForParticipant(chatId: string, personId: string): Promise<Chat> {
    const [chat, participant] = await Promise.all([
      chatsStore.get(this.db, chatId),
      this.participants.find(chatId, personId),
    ]);
    if (!chat || !participant) throw notFound('Chat');
    return chat;
  }
}

/** A policy deny as the error it names; an unknown reason is a plain `forbidden`. */
export function denied(reason: string, message: string): HuddleError {
  const code: ErrorCode = isErrorCode(reason) ? reason : 'forbidden';
  return new HuddleError(code, message || 'Not allowed');
}
