import { type PersonData, reachesClient } from '@huddle/contracts';

/**
 * What the sharing policy knows of a person: only the attributes its decisions
 * need. Names and photos stay in the participant service's directory, so this
 * projection holds as little personal data as it can.
 */
export interface PersonAccess {
  id: string;
  practiceId: string;
  kind: 'practitioner' | 'client';
  /** Clients only. */
  tags: string[];
  /** Practitioners only. */
  teamRole: 'owner' | 'admin' | 'member' | null;
  canManageTeamSettings: boolean;
  /** Practitioners only: `null` reaches every client, a list only clients with one of its tags. */
  clientTagRestriction: string[] | null;
  zoomLinked: boolean;
}

/** The access part of a directory person (already normalized by the participant service). */
export function accessOf(person: PersonData): PersonAccess {
  return {
    id: person.id,
    practiceId: person.practiceId,
    kind: person.kind,
    tags: person.tags,
    teamRole: person.teamRole,
    canManageTeamSettings: person.canManageTeamSettings,
    clientTagRestriction: person.clientTagRestriction,
    zoomLinked: person.zoomLinked,
  };
}

/**
 * Whether a practitioner's tag restriction lets them reach a client on their
 * own (section 1). An explicit invitation into a shared chat overrides this
 * (S3), so callers decide when it applies.
 */
export const canReach = (practitioner: PersonAccess, client: PersonAccess): boolean =>
  reachesClient(practitioner.clientTagRestriction, client.tags);
