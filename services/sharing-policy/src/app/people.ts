import type { PersonAccess } from '../domain/person';
import type { PeopleSource } from './ports';

/**
 * The people decisions are made about. They come from this service's
 * projection of the directory; the projection trails the directory by the
 * time an event takes to arrive, so anyone it has not seen yet (a person
 * synced a moment ago) is asked of the directory itself.
 */
export class KnownPeople {
  constructor(
    private readonly projection: PeopleSource,
    private readonly directory: PeopleSource,
  ) {}

  /** The people of the practice among `ids`; unknown ids are left out. */
  async byId(practiceId: string, ids: readonly string[]): Promise<Map<string, PersonAccess>> {
    const wanted = [...new Set(ids)];
    const found = new Map(
      (await this.projection.getPeople(practiceId, wanted)).map((person) => [person.id, person]),
    );
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) {
      for (const person of await this.directory.getPeople(practiceId, missing)) found.set(person.id, person);
    }
    return found;
  }
}
