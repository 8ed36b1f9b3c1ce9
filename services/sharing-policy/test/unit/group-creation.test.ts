import { describe, expect, it } from 'vitest';
import { decideGroupCreation } from '../../src/domain/group-creation';
import { byId, client, practitioner } from './people';

describe('decideGroupCreation', () => {
  it('G1: a practitioner creates an empty group', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: [],
      people: byId(practitioner('pr1')),
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: an unrestricted practitioner adds any clients and team members', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1', 'c2', 'pr2'],
      people: byId(practitioner('pr1'), client('c1'), client('c2', ['vip']), practitioner('pr2', ['x'])),
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: a client cannot create a group chat', () => {
    const decision = decideGroupCreation({ creatorId: 'c1', participantIds: [], people: byId(client('c1')) });
    expect(decision).toEqual({
      allowed: false,
      reason: 'forbidden',
      message: 'Only practitioners create group chats',
      personIds: [],
    });
  });

  it('G1: a creator unknown to the practice cannot create a group chat', () => {
    const decision = decideGroupCreation({ creatorId: 'ghost', participantIds: [], people: byId() });
    expect(decision).toMatchObject({ allowed: false, reason: 'forbidden' });
  });

  it('G1: participants who are not people of the practice are refused by count, not by name', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1', 'stranger-a', 'stranger-b', 'stranger-a'],
      people: byId(practitioner('pr1'), client('c1')),
    });
    expect(decision).toEqual({
      allowed: false,
      reason: 'validation_failed',
      message: '2 participants are not people of this practice',
      personIds: [],
    });
  });

  it('G1: one unknown participant is named in the singular', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['stranger'],
      people: byId(practitioner('pr1')),
    });
    expect(decision).toMatchObject({ message: '1 participant is not a person of this practice' });
  });

  it('G1: a tag-restricted practitioner adds a client carrying one of their tags', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1'],
      people: byId(practitioner('pr1', ['diabetes', 'sports']), client('c1', ['sports', 'vip'])),
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: a tag-restricted practitioner cannot add a client without one of their tags', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1', 'c2', 'c3'],
      people: byId(
        practitioner('pr1', ['diabetes']),
        client('c1', ['diabetes']),
        client('c2', ['vip']),
        client('c3'),
      ),
    });
    expect(decision).toEqual({
      allowed: false,
      reason: 'tag_restricted',
      message: 'Your client tag restriction does not reach 2 of these clients',
      personIds: [],
    });
  });

  it('G1: an empty tag restriction reaches no client', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1'],
      people: byId(practitioner('pr1', []), client('c1', ['diabetes'])),
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'tag_restricted' });
  });

  it('G1: a tag-restricted practitioner adds team members whatever their tags', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['pr2', 'pr3'],
      people: byId(practitioner('pr1', ['diabetes']), practitioner('pr2', ['vip']), practitioner('pr3')),
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: the creator listed among the participants is no obstacle', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['pr1'],
      people: byId(practitioner('pr1', ['diabetes'])),
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: unknown participants are reported before tag restrictions', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['c1', 'stranger'],
      people: byId(practitioner('pr1', ['diabetes']), client('c1')),
    });
    expect(decision).toMatchObject({ reason: 'validation_failed' });
  });

  it('G1: deny messages never carry person ids', () => {
    const decision = decideGroupCreation({
      creatorId: 'pr1',
      participantIds: ['secret-client'],
      people: byId(practitioner('pr1', ['diabetes']), client('secret-client')),
    });
    expect(decision.allowed).toBe(false);
    expect(JSON.stringify(decision)).not.toContain('secret-client');
  });
});
