import { invalid, notFound } from '@huddle/errors';
import { enforce } from '../domain/decision';
import {
  checkDefaultSharingList,
  type DefaultSharingPlan,
  decideDefaultSharingAccess,
  MAX_DEFAULT_SHARING,
  planDefaultSharing,
} from '../domain/default-sharing';
import type { PersonAccess } from '../domain/person';
import type { KnownPeople } from './people';
import type { DefaultSharingList, DefaultSharingRepository, PracticeRepository, Reader } from './ports';

interface ListRequest {
  practiceId: string;
  /** Who reads or changes the list. */
  actorId: string;
  practitionerId: string;
}

/** S4: default direct-chat sharing lists, and whom a new 1-on-1 chat is shared with. */
export class DefaultSharing {
  constructor(
    private readonly db: Reader,
    private readonly lists: DefaultSharingRepository,
    private readonly practices: PracticeRepository,
    private readonly people: KnownPeople,
  ) {}

  async get({ practiceId, actorId, practitionerId }: ListRequest): Promise<DefaultSharingList> {
    const people = await this.people.byId(practiceId, [actorId, practitionerId]);
    checkAccess(people, actorId, practitionerId);
    return (
      (await this.lists.get(this.db, practiceId, practitionerId)) ?? {
        practitionerId,
        teamMemberIds: [],
        updatedAt: null,
      }
    );
  }

  /** Replaces the list; chats already started keep whom they were shared with (not retroactive). */
  async set(request: ListRequest & { teamMemberIds: readonly string[] }): Promise<DefaultSharingList> {
    const { practiceId, actorId, practitionerId } = request;
    const teamMemberIds = [...new Set(request.teamMemberIds)];
    if (teamMemberIds.length > MAX_DEFAULT_SHARING)
      throw invalid(`At most ${MAX_DEFAULT_SHARING} team members`);
    const people = await this.people.byId(practiceId, [actorId, practitionerId, ...teamMemberIds]);
    checkAccess(people, actorId, practitionerId);
    enforce(checkDefaultSharingList(practitionerId, teamMemberIds, people));
    return this.lists.set(this.db, { practiceId, practitionerId, teamMemberIds, updatedBy: actorId });
  }

  async plan(request: {
    practiceId: string;
    ownerId: string;
    clientId: string;
  }): Promise<DefaultSharingPlan> {
    const { practiceId, ownerId, clientId } = request;
    const list = await this.lists.get(this.db, practiceId, ownerId);
    const teamMemberIds = list?.teamMemberIds ?? [];
    const people = await this.people.byId(practiceId, [clientId, ...teamMemberIds]);
    const client = people.get(clientId);
    if (client?.kind !== 'client') throw notFound('Client');
    if (teamMemberIds.length === 0) return { teamMemberIds: [], skipped: [] };
    const practice = await this.practices.get(this.db, practiceId);
    return planDefaultSharing({ plan: practice?.practice.plan, client, teamMemberIds, people });
  }
}

/** Whoever may not manage the list learns nothing about the practitioner, not even whether they exist. */
function checkAccess(people: ReadonlyMap<string, PersonAccess>, actorId: string, practitionerId: string) {
  enforce(decideDefaultSharingAccess(people.get(actorId), practitionerId));
  if (people.get(practitionerId)?.kind !== 'practitioner') throw notFound('Practitioner');
}
