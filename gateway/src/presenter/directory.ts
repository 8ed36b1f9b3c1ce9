import type { participantV1, sharingPolicyV1 } from '@huddle/contracts';

/**
 * Directory records as the platform wrote them (DESIGN.md section 1 fields).
 * Only their owner (GET /v1/me) or a `directory:write` service sees these;
 * everyone else sees people through presentPerson.
 */
export interface DirectoryPerson {
  id: string;
  kind: 'practitioner' | 'client';
  firstName: string;
  lastName: string;
  photoUrl: string | null;
  tags: string[];
  teamRole: 'owner' | 'admin' | 'member' | null;
  canManageTeamSettings: boolean;
  clientTagRestriction: string[] | null;
  zoomLinked: boolean;
  /** Where outbound email notifications go (N1). */
  email: string | null;
}

export interface DirectoryPractice {
  id: string;
  name: string;
  plan: 'starter' | 'professional' | 'plus' | 'team';
}

export function presentDirectoryPerson(person: participantV1.Person): DirectoryPerson {
  const practitioner = person.kind === 'practitioner';
  return {
    id: person.id,
    kind: practitioner ? 'practitioner' : 'client',
    firstName: person.firstName,
    lastName: person.lastName,
    photoUrl: person.photoUrl ?? null,
    tags: practitioner ? [] : [...person.tags],
    teamRole: practitioner ? ((person.teamRole || 'member') as DirectoryPerson['teamRole']) : null,
    // Owners can always manage team settings (section 1).
    canManageTeamSettings: practitioner && (person.canManageTeamSettings || person.teamRole === 'owner'),
    clientTagRestriction:
      practitioner && person.clientTagRestriction ? [...person.clientTagRestriction.tags] : null,
    zoomLinked: practitioner && person.zoomLinked,
    email: person.email ?? null,
  };
}

export function presentPractice(practice: sharingPolicyV1.Practice): DirectoryPractice {
  return { id: practice.id, name: practice.name, plan: practice.plan as DirectoryPractice['plan'] };
}
