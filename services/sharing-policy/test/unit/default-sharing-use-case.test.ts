import type { Database } from '@huddle/db';
import { describe, expect, it } from 'vitest';
import { DefaultSharing } from '../../src/app/default-sharing';
import { KnownPeople } from '../../src/app/people';
import type {
  DefaultSharingList,
  DefaultSharingRepository,
  PeopleSource,
  PracticeRepository,
} from '../../src/app/ports';
import type { PersonAccess } from '../../src/domain/person';
import type { Plan } from '../../src/domain/practice';
import { client, practitioner } from './people';

function fakes(plan: Plan | undefined, ...people: PersonAccess[]) {
  const lists = new Map<string, DefaultSharingList>();
  const listStore: DefaultSharingRepository = {
    get: async (_db, _practiceId, practitionerId) => lists.get(practitionerId),
    set: async (_db, entry) => {
      const list = {
        practitionerId: entry.practitionerId,
        teamMemberIds: entry.teamMemberIds,
        updatedAt: new Date(),
      };
      lists.set(entry.practitionerId, list);
      return list;
    },
  };
  const practices: PracticeRepository = {
    upsert: async () => {
      throw new Error('not used');
    },
    get: async (_db, id) =>
      plan ? { practice: { id, name: 'Acme', plan }, updatedAt: new Date() } : undefined,
  };
  const projection: PeopleSource = {
    getPeople: async (_practiceId, ids) => people.filter((person) => ids.includes(person.id)),
  };
  const nobodyElse: PeopleSource = { getPeople: async () => [] };
  return {
    lists,
    sharing: new DefaultSharing(
      {} as Database,
      listStore,
      practices,
      new KnownPeople(projection, nobodyElse),
    ),
  };
}

const team = [
  practitioner('pr1'),
  practitioner('pr2'),
  practitioner('pr3', ['vip']),
  { ...practitioner('owner'), teamRole: 'owner' as const },
  client('c1', ['diabetes']),
];

describe('DefaultSharing', () => {
  it('S4: an unset list reads as empty', async () => {
    const { sharing } = fakes('plus', ...team);
    await expect(sharing.get({ practiceId: 'p1', actorId: 'pr1', practitionerId: 'pr1' })).resolves.toEqual({
      practitionerId: 'pr1',
      teamMemberIds: [],
      updatedAt: null,
    });
  });

  it("S4: the practice owner sets a practitioner's list; duplicates are dropped", async () => {
    const { sharing } = fakes('plus', ...team);
    const list = await sharing.set({
      practiceId: 'p1',
      actorId: 'owner',
      practitionerId: 'pr1',
      teamMemberIds: ['pr2', 'pr3', 'pr2'],
    });
    expect(list.teamMemberIds).toEqual(['pr2', 'pr3']);
    await expect(
      sharing.get({ practiceId: 'p1', actorId: 'pr1', practitionerId: 'pr1' }),
    ).resolves.toMatchObject({
      teamMemberIds: ['pr2', 'pr3'],
    });
  });

  it("S4: another team member can neither read nor set a practitioner's list", async () => {
    const { sharing, lists } = fakes('plus', ...team);
    const request = { practiceId: 'p1', actorId: 'pr2', practitionerId: 'pr1' };
    await expect(sharing.get(request)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(sharing.set({ ...request, teamMemberIds: ['pr2'] })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(lists.size).toBe(0);
  });

  it('S4: a list of someone who is not a practitioner is not_found', async () => {
    const { sharing } = fakes('plus', ...team);
    await expect(
      sharing.get({ practiceId: 'p1', actorId: 'owner', practitionerId: 'c1' }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('S4: a list with a client in it is refused and nothing changes', async () => {
    const { sharing, lists } = fakes('plus', ...team);
    const set = sharing.set({
      practiceId: 'p1',
      actorId: 'pr1',
      practitionerId: 'pr1',
      teamMemberIds: ['c1'],
    });
    await expect(set).rejects.toMatchObject({ code: 'validation_failed' });
    expect(lists.size).toBe(0);
  });

  it('S4: more than 100 team members are refused', async () => {
    const { sharing } = fakes('plus', ...team);
    const teamMemberIds = Array.from({ length: 101 }, (_, index) => `pr${index + 10}`);
    await expect(
      sharing.set({ practiceId: 'p1', actorId: 'pr1', practitionerId: 'pr1', teamMemberIds }),
    ).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it("S4: a new 1-on-1 chat follows the owner's list, skipping who cannot reach the client", async () => {
    const { sharing } = fakes('team', ...team);
    await sharing.set({
      practiceId: 'p1',
      actorId: 'pr1',
      practitionerId: 'pr1',
      teamMemberIds: ['pr2', 'pr3'],
    });
    await expect(sharing.plan({ practiceId: 'p1', ownerId: 'pr1', clientId: 'c1' })).resolves.toEqual({
      teamMemberIds: ['pr2'],
      skipped: [{ personId: 'pr3', reason: 'tag_restricted', message: expect.any(String) }],
    });
  });

  it('S2/S4: a practice without a sharing plan shares nothing', async () => {
    const { sharing } = fakes('starter', ...team);
    await sharing.set({ practiceId: 'p1', actorId: 'pr1', practitionerId: 'pr1', teamMemberIds: ['pr2'] });
    await expect(sharing.plan({ practiceId: 'p1', ownerId: 'pr1', clientId: 'c1' })).resolves.toMatchObject({
      teamMemberIds: [],
      skipped: [{ personId: 'pr2', reason: 'plan_required' }],
    });
  });

  it('S4: planning for someone who is not a client of the practice is not_found', async () => {
    const { sharing } = fakes('plus', ...team);
    await expect(sharing.plan({ practiceId: 'p1', ownerId: 'pr1', clientId: 'pr2' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
