import { HuddleError } from '@huddle/errors';
import { describe, expect, it, vi } from 'vitest';
import { createKnownPeople } from '../../src/known-people';

const dana = { practiceId: 'p1', personId: 'dana' };

function directory(known: Set<string>) {
  return {
    getPerson: vi.fn(async ({ personId }: { practiceId: string; personId: string }) => {
      if (!known.has(personId)) throw new HuddleError('not_found', 'Person not found');
      return { person: undefined };
    }),
  };
}

describe('known people (the auth check that a person token names a person of its practice)', () => {
  it('remembers a person found for a while, and shares one call between concurrent requests', async () => {
    let now = 0;
    const participant = directory(new Set(['dana']));
    const people = createKnownPeople(participant, { ttlMs: 1_000, now: () => now });
    expect(await Promise.all([people.isKnown(dana), people.isKnown(dana)])).toEqual([true, true]);
    expect(await people.isKnown(dana)).toBe(true);
    expect(participant.getPerson).toHaveBeenCalledTimes(1);
    now = 1_001;
    expect(await people.isKnown(dana)).toBe(true);
    expect(participant.getPerson).toHaveBeenCalledTimes(2);
  });

  it('asks again about someone not found, so a person synced a moment ago gets in at once', async () => {
    const known = new Set<string>();
    const participant = directory(known);
    const people = createKnownPeople(participant);
    expect(await people.isKnown(dana)).toBe(false);
    known.add('dana');
    expect(await people.isKnown(dana)).toBe(true);
  });

  it('fails (503 at the edge) when the directory cannot answer, and asks again next time', async () => {
    const participant = directory(new Set(['dana']));
    participant.getPerson.mockRejectedValueOnce(new HuddleError('unavailable', 'down'));
    const people = createKnownPeople(participant);
    await expect(people.isKnown(dana)).rejects.toMatchObject({ code: 'unavailable' });
    expect(await people.isKnown(dana)).toBe(true);
  });
});
