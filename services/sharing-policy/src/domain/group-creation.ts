import { allow, type Decision, deny } from './decision';
import { canReach, type PersonAccess } from './person';

export interface GroupCreation {
  creatorId: string;
  participantIds: readonly string[];
  /** The people of the practice among the creator and participants; anyone missing is unknown. */
  people: ReadonlyMap<string, PersonAccess>;
}

/**
 * G1: only practitioners create group chats, every participant must be a
 * person of the practice, and every client added must be reachable by the
 * creator. Team members may be added whatever their tags. Messages give
 * counts, never names: a deny can travel to any caller.
 */
export function decideGroupCreation({ creatorId, participantIds, people }: GroupCreation): Decision {
  const creator = people.get(creatorId);
  if (creator?.kind !== 'practitioner') return deny('forbidden', 'Only practitioners create group chats');

  const ids = [...new Set(participantIds)];
  const unknown = ids.filter((id) => !people.has(id)).length;
  if (unknown > 0) {
    const subject = unknown === 1 ? '1 participant is' : `${unknown} participants are`;
    return deny('validation_failed', `${subject} not people of this practice`);
  }

  const unreachable = ids
    .map((id) => people.get(id)!)
    .filter((person) => person.kind === 'client' && !canReach(creator, person)).length;
  if (unreachable > 0) {
    return deny(
      'tag_restricted',
      `Your client tag restriction does not reach ${unreachable} of these clients`,
    );
  }
  return allow;
}
