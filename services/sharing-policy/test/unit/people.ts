import type { PersonAccess } from '../../src/domain/person';

/** People of practice `p1` for decisions: practitioners by default reach every client. */
export const practitioner = (id: string, restriction: string[] | null = null): PersonAccess => ({
  id,
  practiceId: 'p1',
  kind: 'practitioner',
  tags: [],
  teamRole: 'member',
  canManageTeamSettings: false,
  clientTagRestriction: restriction,
  zoomLinked: false,
});

export const client = (id: string, tags: string[] = []): PersonAccess => ({
  id,
  practiceId: 'p1',
  kind: 'client',
  tags,
  teamRole: null,
  canManageTeamSettings: false,
  clientTagRestriction: null,
  zoomLinked: false,
});

export const byId = (...people: PersonAccess[]) => new Map(people.map((person) => [person.id, person]));
