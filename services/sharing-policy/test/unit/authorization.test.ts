import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import { Authorization } from '../../src/app/authorization';
import { KnownPeople } from '../../src/app/people';
import type { PeopleSource } from '../../src/app/ports';
import type { PersonAccess } from '../../src/domain/person';
import { client, practitioner } from './people';

/** A source of people that records what it was asked for. */
function source(...people: PersonAccess[]): PeopleSource & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    asked,
    getPeople: async (practiceId, ids) => {
      asked.push([...ids]);
      return people.filter((person) => person.practiceId === practiceId && ids.includes(person.id));
    },
  };
}

const authorization = (projection: PeopleSource, directory: PeopleSource) =>
  new Authorization(new KnownPeople(projection, directory));

describe('Authorization.groupCreation', () => {
  it('G1: decides from the projection alone when it knows everyone', async () => {
    const projection = source(practitioner('pr1', ['diabetes']), client('c1', ['diabetes']));
    const directory = source();
    const decision = await authorization(projection, directory).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['c1'],
    });
    expect(decision).toEqual({ allowed: true });
    expect(directory.asked).toEqual([]);
  });

  it('G1: asks the directory only for people the projection has not seen yet', async () => {
    const projection = source(practitioner('pr1', ['diabetes']));
    const directory = source(client('c-new', ['vip']), client('c-other', ['diabetes']));
    const decision = await authorization(projection, directory).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['c-new', 'pr1', 'c-new'],
    });
    expect(directory.asked).toEqual([['c-new']]);
    expect(decision).toMatchObject({ allowed: false, reason: 'tag_restricted' });
  });

  it('G1: a creator synced a moment ago, not yet projected, may create a group', async () => {
    const decision = await authorization(source(), source(practitioner('pr-new'))).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr-new',
      participantIds: [],
    });
    expect(decision).toEqual({ allowed: true });
  });

  it('G1: people unknown to both the projection and the directory are refused', async () => {
    const decision = await authorization(source(practitioner('pr1')), source()).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['nobody'],
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'validation_failed' });
  });

  it('G1: people of another practice are unknown', async () => {
    const elsewhere = { ...client('c1'), practiceId: 'p2' };
    const decision = await authorization(source(practitioner('pr1'), elsewhere), source()).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['c1'],
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'validation_failed' });
  });

  it('refuses more than 500 participants at once without looking anyone up', async () => {
    const projection = source();
    const request = authorization(projection, source()).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: Array.from({ length: 501 }, (_, index) => `c${index}`),
    });
    await expect(request).rejects.toBeInstanceOf(HuddleError);
    await expect(request).rejects.toMatchObject({ code: 'validation_failed' });
    expect(projection.asked).toEqual([]);
  });

  it('fails as the directory fails when it is needed and unavailable', async () => {
    const unavailable: PeopleSource = {
      getPeople: async () => {
        throw new HuddleError('unavailable', 'A Huddle service is unavailable; try again shortly');
      },
    };
    const request = authorization(source(), unavailable).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: [],
    });
    await expect(request).rejects.toMatchObject({ code: 'unavailable' });
  });
});

describe('Authorization.groupCreation with members already in the chat (S3)', () => {
  const people = source(
    practitioner('pr1'),
    practitioner('rita', ['sleep']),
    practitioner('ron', ['sleep', 'nutrition']),
    client('c-nutrition', ['nutrition']),
  );

  it('S3: lists the members whose restriction excludes a client added later', async () => {
    const decision = await authorization(people, source()).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['c-nutrition'],
      memberIds: ['pr1', 'rita', 'ron'],
    });
    expect(decision).toMatchObject({ allowed: false, reason: 'tag_restricted', personIds: ['rita'] });
  });

  it('S3: adding team members only asks nothing of the members', async () => {
    const decision = await authorization(people, source()).groupCreation({
      practiceId: 'p1',
      creatorId: 'pr1',
      participantIds: ['rita'],
      memberIds: ['ron'],
    });
    expect(decision).toEqual({ allowed: true });
  });
});

describe('Authorization.directChat (S1)', () => {
  const people = source(practitioner('pr1'), practitioner('rita', ['sleep']), client('c1', ['nutrition']));
  const decide = (ownerId: string, clientId: string) =>
    authorization(people, source()).directChat({ practiceId: 'p1', ownerId, clientId });

  it('S1: a practitioner who reaches the client may', async () => {
    await expect(decide('pr1', 'c1')).resolves.toEqual({ allowed: true });
  });

  it('S1: each refusal says what is wrong', async () => {
    await expect(decide('c1', 'c1')).resolves.toMatchObject({
      reason: 'forbidden',
      message: 'Only practitioners start 1-on-1 chats',
    });
    await expect(decide('pr1', 'nobody')).resolves.toMatchObject({
      reason: 'validation_failed',
      message: 'clientId does not name a client of this practice',
    });
    await expect(decide('pr1', 'rita')).resolves.toMatchObject({ reason: 'validation_failed' });
    await expect(decide('rita', 'c1')).resolves.toMatchObject({ reason: 'tag_restricted' });
  });
});
