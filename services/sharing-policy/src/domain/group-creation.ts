import { allow, type Decision, deny } from './decision';
import { canReach, type PersonAccess } from './person';

export interface GroupCreation {
  creatorId: string;
  participantIds: readonly string[];
  /**
   * Team members already in the chat the participants join. Their invitation
   * covered the clients in it then, not a client who joins later (S3), so
   * each must reach every client added now.
   */
  memberIds?: readonly string[];
  /** The people of the practice among the creator, participants and members; anyone missing is unknown. */
  people: ReadonlyMap<string, PersonAccess>;
}

/**
 * G1: only practitioners create group chats, every participant must be a
 * person of the practice, and every client added must be reachable by the
 * creator. Team members may be added whatever their tags (an invitation, S3),
 * but a team member already in the chat must reach each client added later
 * (S3: the deny lists them, so the caller can name them). Messages give
 * counts, never names: a deny can travel to any caller.
 */
export function decideGroupCreation({
  creatorId,
  participantIds,
  memberIds = [],
  people,
}: GroupCreation): Decision {
  const creator = people.get(creatorId);
  if (creator?.kind !== 'practitioner') return deny('forbidden', 'Only practitioners create group chats');

  const ids = [...new Set(participantIds)];
  const unknown = ids.filter((id) => !people.has(id)).length;
  if (unknown > 0) {
    const subject =
      unknown === 1 ? '1 participant is not a person' : `${unknown} participants are not people`;
    return deny('validation_failed', `${subject} of this practice`);
  }

  const clients = ids.map((id) => people.get(id)!).filter((person) => person.kind === 'client');
  const unreachable = clients.filter((client) => !canReach(creator, client)).length;
  if (unreachable > 0) {
    return deny(
      'tag_restricted',
      `Your client tag restriction does not reach ${unreachable} of these clients`,
    );
  }
  const excluding = [...new Set(memberIds)].filter((id) => {
    const member = people.get(id);
    return id !== creatorId && member?.kind === 'practitioner' && clients.some((c) => !canReach(member, c));
  });
  if (excluding.length > 0) {
    return deny(
      'tag_restricted',
      'The client tag restriction of a team member in this chat excludes a client being added',
      excluding,
    );
  }
  return allow;
}

/**
 * S1: a practitioner starts, or returns to, their 1-on-1 with a client they
 * reach. Asked every time, so a restriction tightened (or a tag removed)
 * applies to an existing 1-on-1 at once.
 */
export function decideDirectChat(
  owner: PersonAccess | undefined,
  client: PersonAccess | undefined,
): Decision {
  if (owner?.kind !== 'practitioner') return deny('forbidden', 'Only practitioners start 1-on-1 chats');
  if (client?.kind !== 'client') {
    return deny('validation_failed', 'clientId does not name a client of this practice');
  }
  if (!canReach(owner, client)) {
    return deny('tag_restricted', 'Your client tag restriction does not reach this client');
  }
  return allow;
}
