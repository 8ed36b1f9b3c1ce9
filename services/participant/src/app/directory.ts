import { notFound } from '@huddle/errors';
import { normalizePerson, type Person } from '../domain/person';
import { peopleStore } from '../store/people';
import type { Reader, UnitOfWork } from './ports';

/** The directory of people, synced from the platform with a service token. */
export class Directory {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
  ) {}

  async upsertPerson(input: Person): Promise<{ person: Person; created: boolean }> {
    const person = normalizePerson(input);
    return this.work.transaction(async (tx, emit) => {
      const { created } = await peopleStore.upsert(tx, person);
      await emit('participant.v1.person.upserted', { person });
      return { person, created };
    });
  }

  async getPerson(practiceId: string, personId: string): Promise<Person> {
    const person = await peopleStore.get(this.db, practiceId, personId);
    if (!person) throw notFound('Person');
    return person;
  }

  /** Unknown ids are left out. */
  getPeople(practiceId: string, personIds: readonly string[]): Promise<Person[]> {
    return peopleStore.getMany(this.db, practiceId, [...new Set(personIds)]);
  }
}
