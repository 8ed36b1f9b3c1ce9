import { invalid } from '@huddle/errors';
import type { Decision } from '../domain/decision';
import { decideDirectChat, decideGroupCreation } from '../domain/group-creation';
import type { KnownPeople } from './people';

const MAX_PARTICIPANTS = 500;

/** The authorization decisions other services ask for before they change anything. */
export class Authorization {
  constructor(private readonly people: KnownPeople) {}

  async groupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: readonly string[];
    memberIds?: readonly string[];
  }): Promise<Decision> {
    const memberIds = request.memberIds ?? [];
    if (request.participantIds.length > MAX_PARTICIPANTS || memberIds.length > MAX_PARTICIPANTS) {
      throw invalid(`At most ${MAX_PARTICIPANTS} participants at once`);
    }
    const people = await this.people.byId(request.practiceId, [
      request.creatorId,
      ...request.participantIds,
      ...memberIds,
    ]);
    return decideGroupCreation({ ...request, memberIds, people });
  }

  async directChat(request: { practiceId: string; ownerId: string; clientId: string }): Promise<Decision> {
    const people = await this.people.byId(request.practiceId, [request.ownerId, request.clientId]);
    return decideDirectChat(people.get(request.ownerId), people.get(request.clientId));
  }
}
