import { invalid } from '@huddle/errors';
import type { Decision } from '../domain/decision';
import { decideGroupCreation } from '../domain/group-creation';
import type { PersonAccess } from '../domain/person';
import type { PeopleSource } from './ports';

const MAX_PARTICIPANTS = 500;

/**
 * The authorization decisions other services ask for before they change
 * anything. People come from this service's projection of the directory; the
 * projection trails the directory by the time an event takes to arrive, so
 * anyone it has not seen yet (a person synced a moment ago) is asked of the
 * directory itself.
 */
export class Authorization {
  constructor(
    private readonly projection: PeopleSource,
    private readonly directory: PeopleSource,
  ) {}

  async groupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: readonly string[];
  }): Promise<Decision> {
    if (request.participantIds.length > MAX_PARTICIPANTS) {
      throw invalid(`At most ${MAX_PARTICIPANTS} participants at once`);
    }
    const people = await this.people(request.practiceId, [request.creatorId, ...request.participantIds]);
    return decideGroupCreation({ ...request, people });
  }

  private async people(practiceId: string, ids: readonly string[]): Promise<Map<string, PersonAccess>> {
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
