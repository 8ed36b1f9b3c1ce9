import { invalid } from '@huddle/errors';
import type { Decision } from '../domain/decision';
import { decideGroupCreation } from '../domain/group-creation';
import type { KnownPeople } from './people';

const MAX_PARTICIPANTS = 500;

/** The authorization decisions other services ask for before they change anything. */
export class Authorization {
  constructor(private readonly people: KnownPeople) {}

  async groupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: readonly string[];
  }): Promise<Decision> {
    if (request.participantIds.length > MAX_PARTICIPANTS) {
      throw invalid(`At most ${MAX_PARTICIPANTS} participants at once`);
    }
    const people = await this.people.byId(request.practiceId, [request.creatorId, ...request.participantIds]);
    return decideGroupCreation({ ...request, people });
  }
}
