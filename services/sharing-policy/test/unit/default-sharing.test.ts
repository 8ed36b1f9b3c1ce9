import { describe, expect, it } from 'vitest';
import {
  checkDefaultSharingList,
  decideDefaultSharingAccess,
  planDefaultSharing,
} from '../../src/domain/default-sharing';
import type { PersonAccess } from '../../src/domain/person';
import { byId, client, practitioner } from './people';

const owner: PersonAccess = { ...practitioner('owner'), teamRole: 'owner' };
const manager: PersonAccess = { ...practitioner('manager'), canManageTeamSettings: true };

describe('decideDefaultSharingAccess', () => {
  it('S4: a practitioner manages their own list', () => {
    expect(decideDefaultSharingAccess(practitioner('pr1'), 'pr1')).toEqual({ allowed: true });
  });

  it("S4: the practice owner manages anyone's list", () => {
    expect(decideDefaultSharingAccess(owner, 'pr1')).toEqual({ allowed: true });
  });

  it("S4: a member who can manage team settings manages anyone's list", () => {
    expect(decideDefaultSharingAccess(manager, 'pr1')).toEqual({ allowed: true });
  });

  it("S4: another team member cannot manage a practitioner's list", () => {
    expect(decideDefaultSharingAccess(practitioner('pr2'), 'pr1')).toMatchObject({
      allowed: false,
      reason: 'forbidden',
    });
  });

  it('S4: an admin without team-settings rights cannot manage another list', () => {
    const admin: PersonAccess = { ...practitioner('admin'), teamRole: 'admin' };
    expect(decideDefaultSharingAccess(admin, 'pr1')).toMatchObject({ allowed: false, reason: 'forbidden' });
  });

  it('S4: clients and unknown people manage no list, not even one with their own id', () => {
    expect(decideDefaultSharingAccess(client('c1'), 'c1')).toMatchObject({
      allowed: false,
      reason: 'forbidden',
    });
    expect(decideDefaultSharingAccess(undefined, 'pr1')).toMatchObject({
      allowed: false,
      reason: 'forbidden',
    });
  });
});

describe('checkDefaultSharingList', () => {
  const people = byId(practitioner('pr1'), practitioner('pr2'), practitioner('pr3'), client('c1'));

  it('S4: a list of other team members is fine, and so is an empty one', () => {
    expect(checkDefaultSharingList('pr1', ['pr2', 'pr3'], people)).toEqual({ allowed: true });
    expect(checkDefaultSharingList('pr1', [], people)).toEqual({ allowed: true });
  });

  it('S4: clients and unknown people are not team members, counted not named', () => {
    expect(checkDefaultSharingList('pr1', ['pr2', 'c1', 'ghost'], people)).toEqual({
      allowed: false,
      reason: 'validation_failed',
      message: '2 of these are not team members of this practice',
      personIds: [],
    });
  });

  it('S4: a practitioner is not in their own list', () => {
    expect(checkDefaultSharingList('pr1', ['pr1', 'pr2'], people)).toMatchObject({
      allowed: false,
      reason: 'validation_failed',
    });
  });
});

describe('planDefaultSharing', () => {
  const dana = client('c1', ['diabetes']);

  it('S4: a new 1-on-1 chat is shared with every team member of the list who reaches the client', () => {
    const plan = planDefaultSharing({
      plan: 'plus',
      client: dana,
      teamMemberIds: ['pr2', 'pr3'],
      people: byId(practitioner('pr2'), practitioner('pr3', ['diabetes', 'vip'])),
    });
    expect(plan).toEqual({ teamMemberIds: ['pr2', 'pr3'], skipped: [] });
  });

  it('S4: default sharing skips a team member whose tag restriction excludes the client, and says so', () => {
    const plan = planDefaultSharing({
      plan: 'team',
      client: dana,
      teamMemberIds: ['pr2', 'pr3'],
      people: byId(practitioner('pr2', ['vip']), practitioner('pr3')),
    });
    expect(plan).toEqual({
      teamMemberIds: ['pr3'],
      skipped: [
        {
          personId: 'pr2',
          reason: 'tag_restricted',
          message: 'Their client tag restriction excludes this client',
        },
      ],
    });
  });

  it.each(['starter', 'professional', undefined] as const)('S2/S4: nothing is shared on plan %s', (plan) => {
    const result = planDefaultSharing({
      plan,
      client: dana,
      teamMemberIds: ['pr2'],
      people: byId(practitioner('pr2')),
    });
    expect(result).toEqual({
      teamMemberIds: [],
      skipped: [{ personId: 'pr2', reason: 'plan_required', message: expect.any(String) }],
    });
  });

  it('S4: a list member who is no longer a team member is skipped', () => {
    const plan = planDefaultSharing({
      plan: 'plus',
      client: dana,
      teamMemberIds: ['gone', 'now-client'],
      people: byId(client('now-client')),
    });
    expect(plan.teamMemberIds).toEqual([]);
    expect(plan.skipped.map((skip) => [skip.personId, skip.reason])).toEqual([
      ['gone', 'not_found'],
      ['now-client', 'not_found'],
    ]);
  });
});
