import { reachesClient } from '@huddle/contracts';
import { notFound } from '@huddle/errors';
import { normalizePerson, type Person } from '../domain/person';
import type { ParticipantStore, Reader, UnitOfWork } from './ports';

/** Who ends a membership because the directory changed (S3), as a service is named. */
const DIRECTORY_ACTOR = 'svc:directory';

/** The directory of people, synced from the platform with a service token. */
export class Directory {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: ParticipantStore,
  ) {}

  /**
   * Records a person. S3: a changed client tag restriction or changed client
   * tags apply at once to memberships that came from anything but an explicit
   * invitation: a team member default sharing put beside a client they no
   * longer reach is removed in the same transaction (their messages kept).
   */
  async upsertPerson(input: Person): Promise<{ person: Person; created: boolean }> {
    const person = normalizePerson(input);
    return this.work.transaction(async (tx, emit) => {
      const { created } = await this.store.people.upsert(tx, person);
      await emit('participant.v1.person.upserted', { person });
      const pairs = await this.store.participants.defaultSharedBesideClients(
        tx,
        person.practiceId,
        person.id,
      );
      const unreachable = pairs.filter((pair) => !reachesClient(pair.restriction, pair.clientTags));
      const ended = new Map(unreachable.map((pair) => [`${pair.chatId} ${pair.personId}`, pair]));
      for (const { chatId, personId } of ended.values()) {
        if (!(await this.store.participants.deactivate(tx, chatId, personId))) continue;
        await emit('participant.v1.participant.removed', {
          practiceId: person.practiceId,
          chatId,
          personId,
          removedBy: DIRECTORY_ACTOR,
          messages: 'keep',
        });
      }
      return { person, created };
    });
  }

  async getPerson(practiceId: string, personId: string): Promise<Person> {
    const person = await this.store.people.get(this.db, practiceId, personId);
    if (!person) throw notFound('Person');
    return person;
  }

  /** Unknown ids are left out. */
  getPeople(practiceId: string, personIds: readonly string[]): Promise<Person[]> {
    return this.store.people.getMany(this.db, practiceId, [...new Set(personIds)]);
  }
}
