import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { normalizePerson, type Person } from '../../src/domain/person';

const person = (overrides: Partial<Person> = {}): Person => ({
  id: 'dana',
  practiceId: 'p1',
  kind: 'practitioner',
  firstName: 'Dana',
  lastName: 'Reyes',
  photoUrl: null,
  tags: [],
  teamRole: 'member',
  canManageTeamSettings: false,
  clientTagRestriction: null,
  zoomLinked: false,
  ...overrides,
});

describe('directory: a person from the platform', () => {
  it('owners can always manage team settings', () => {
    expect(normalizePerson(person({ teamRole: 'owner' })).canManageTeamSettings).toBe(true);
    expect(normalizePerson(person({ teamRole: 'member' })).canManageTeamSettings).toBe(false);
  });

  it('practitioner attributes are cleared for clients, and client tags for practitioners', () => {
    const client = normalizePerson(
      person({
        kind: 'client',
        tags: ['a', 'a', ' b '],
        teamRole: 'admin',
        zoomLinked: true,
        clientTagRestriction: ['x'],
      }),
    );
    expect(client).toMatchObject({
      tags: ['a', 'b'],
      teamRole: null,
      zoomLinked: false,
      clientTagRestriction: null,
      canManageTeamSettings: false,
    });
    expect(normalizePerson(person({ tags: ['a'] })).tags).toEqual([]);
  });

  it('a tag restriction is null (none) or a list, kept as a list even when empty', () => {
    expect(normalizePerson(person({ clientTagRestriction: [] })).clientTagRestriction).toEqual([]);
    expect(normalizePerson(person()).clientTagRestriction).toBeNull();
  });

  it('names every bad field at once', () => {
    try {
      normalizePerson(
        person({
          id: 'bad id',
          firstName: ' ',
          photoUrl: 'javascript:alert(1)',
          kind: 'robot' as Person['kind'],
        }),
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(HuddleError);
      expect(Object.keys((error as HuddleError).details?.fields as object).sort()).toEqual([
        'firstName',
        'id',
        'kind',
        'photoUrl',
      ]);
    }
  });

  it('N1: an optional email address for outbound notifications, trimmed and checked', () => {
    expect(normalizePerson(person()).email).toBeNull();
    expect(normalizePerson(person({ email: '  ' })).email).toBeNull();
    expect(normalizePerson(person({ email: ' dana@example.test ' })).email).toBe('dana@example.test');
    expect(() => normalizePerson(person({ email: 'not an address' }))).toThrow(HuddleError);
    expect(() => normalizePerson(person({ email: `${'a'.repeat(250)}@x.io` }))).toThrow(HuddleError);
  });
});
