/**
 * The demo practice's directory: what `npm run seed` writes through the public API
 * and whose people the development sign-in page (plugins/dev-sign-in.ts) lists.
 * Invented people only; nothing here is anyone's data.
 */
export const demoPractice = { id: 'demo', name: 'Riverside Nutrition', plan: 'team' } as const;

export interface DemoPerson {
  id: string;
  /** What the sign-in page says of them, so a developer knows which side they click into. */
  about: string;
  profile:
    | {
        kind: 'practitioner';
        firstName: string;
        lastName: string;
        teamRole: 'owner' | 'admin' | 'member';
        clientTagRestriction?: string[];
      }
    | { kind: 'client'; firstName: string; lastName: string; tags: string[] };
}

export const demoPeople: readonly DemoPerson[] = [
  {
    id: 'maya',
    about: 'Practice owner',
    profile: { kind: 'practitioner', firstName: 'Maya', lastName: 'Patel', teamRole: 'owner' },
  },
  {
    id: 'leo',
    about: 'Team member',
    profile: { kind: 'practitioner', firstName: 'Leo', lastName: 'Chen', teamRole: 'member' },
  },
  {
    id: 'ines',
    about: 'Team member restricted to clients tagged "sports"',
    profile: {
      kind: 'practitioner',
      firstName: 'Ines',
      lastName: 'Garcia',
      teamRole: 'member',
      clientTagRestriction: ['sports'],
    },
  },
  {
    id: 'dana',
    about: 'Client (weight)',
    profile: { kind: 'client', firstName: 'Dana', lastName: 'Smith', tags: ['weight'] },
  },
  {
    id: 'omar',
    about: 'Client (sports)',
    profile: { kind: 'client', firstName: 'Omar', lastName: 'Haddad', tags: ['sports'] },
  },
  {
    id: 'priya',
    about: 'Client (weight)',
    profile: { kind: 'client', firstName: 'Priya', lastName: 'Nair', tags: ['weight'] },
  },
  {
    id: 'sam',
    about: 'Client (sports)',
    profile: { kind: 'client', firstName: 'Sam', lastName: 'Lee', tags: ['sports'] },
  },
];
