import { invalid, notFound } from '@huddle/errors';
import {
  clientPseudonym,
  type JoinedVia,
  type Participant,
  type ParticipantRole,
  ROLES,
  roleFor,
  TEAM_PSEUDONYM,
  VIAS,
} from '../domain/participant';
import { isId } from '../domain/person';
import type { ParticipantStore, Reader, UnitOfWork } from './ports';

export interface NewParticipant {
  personId: string;
  /** When absent, the role follows the person's kind: `team` or `client`. */
  role?: ParticipantRole | undefined;
  via: JoinedVia;
}

const MAX_ADD = 500;

/**
 * Memberships of chats. Which adds are allowed is decided by the chat service
 * and the sharing policy before they get here; this keeps memberships
 * consistent: known people of the chat's practice, one membership each.
 */
export class Memberships {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: ParticipantStore,
  ) {}

  /** Adds people; those already active are left as they are. Returns the memberships added. */
  async add(request: {
    practiceId: string;
    chatId: string;
    addedBy: string;
    participants: NewParticipant[];
  }): Promise<Participant[]> {
    const { practiceId, chatId, addedBy } = request;
    if (!isId(chatId)) throw invalid('chatId is not valid');
    if (request.participants.length > MAX_ADD) throw invalid(`At most ${MAX_ADD} participants at once`);
    const entries = dedupe(request.participants);
    for (const entry of entries) {
      if (entry.role && !ROLES.includes(entry.role)) throw invalid(`Unknown role ${entry.role}`);
      if (!VIAS.includes(entry.via)) throw invalid(`Unknown way of joining ${entry.via}`);
    }
    return this.work.transaction(async (tx, emit) => {
      const people = await this.store.people.getMany(
        tx,
        practiceId,
        entries.map((entry) => entry.personId),
      );
      const kindOf = new Map(people.map((person) => [person.id, person.kind]));
      const unknown = entries.filter((entry) => !kindOf.has(entry.personId)).map((entry) => entry.personId);
      if (unknown.length > 0) throw invalid('Unknown people in this practice', { personIds: unknown });

      const clients = entries.filter((entry) => kindOf.get(entry.personId) === 'client');
      let nextClient =
        clients.length > 0
          ? await this.store.participants.reserveClientNumbers(tx, chatId, clients.length)
          : 0;
      const added: Participant[] = [];
      for (const entry of entries) {
        const kind = kindOf.get(entry.personId)!;
        const pseudonym = kind === 'client' ? clientPseudonym(nextClient++) : TEAM_PSEUDONYM;
        const participant = await this.store.participants.activate(tx, {
          ...entry,
          role: entry.role ?? roleFor(kind),
          practiceId,
          chatId,
          kind,
          addedBy,
          pseudonym,
        });
        if (!participant) continue;
        added.push(participant);
        await emit('participant.v1.participant.added', { practiceId, participant });
      }
      return added;
    });
  }

  /** P2/P3: ends a membership; what happens to the messages is the chat service's, told by the event. */
  async remove(request: {
    practiceId: string;
    chatId: string;
    personId: string;
    removedBy: string;
    messages: string;
  }): Promise<boolean> {
    const { practiceId, chatId, personId, removedBy } = request;
    if (request.messages !== 'keep' && request.messages !== 'delete')
      throw invalid('messages must be keep or delete');
    const messages = request.messages;
    return this.work.transaction(async (tx, emit) => {
      const removed = await this.store.participants.deactivate(tx, chatId, personId);
      if (removed) {
        await emit('participant.v1.participant.removed', {
          practiceId,
          chatId,
          personId,
          removedBy,
          messages,
        });
      }
      return removed;
    });
  }

  async get(chatId: string, personId: string): Promise<Participant> {
    const participant = await this.store.participants.getActive(this.db, chatId, personId);
    if (!participant) throw notFound('Participant');
    return participant;
  }

  list(chatId: string): Promise<Participant[]> {
    return this.store.participants.listActive(this.db, chatId);
  }
}

/** One entry per person; the first mention of a person wins. */
function dedupe(entries: NewParticipant[]): NewParticipant[] {
  const seen = new Map<string, NewParticipant>();
  for (const entry of entries) if (!seen.has(entry.personId)) seen.set(entry.personId, entry);
  return [...seen.values()];
}
