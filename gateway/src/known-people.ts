import { HuddleError } from '@huddle/errors';
import type { ParticipantRpc } from './services';

export interface PersonKey {
  practiceId: string;
  personId: string;
}

export interface KnownPeople {
  /** Whether the person is in the practice's directory; rejects only when the directory cannot answer. */
  isKnown(person: PersonKey): Promise<boolean>;
}

export interface KnownPeopleOptions {
  /** How long a person found in the directory is trusted without asking again. */
  ttlMs?: number;
  /** How many people are remembered at most; the oldest entries go first. */
  maxPeople?: number;
  now?: () => number;
}

/**
 * Answers "is the token's subject a person of its practice?" for every person
 * route and socket. People found are remembered briefly (the directory only adds
 * and updates people), so a burst of requests costs one call; people not found
 * are asked about again each time, so someone synced a moment ago gets in at once.
 */
export function createKnownPeople(
  participant: Pick<ParticipantRpc, 'getPerson'>,
  { ttlMs = 30_000, maxPeople = 10_000, now = Date.now }: KnownPeopleOptions = {},
): KnownPeople {
  const found = new Map<string, number>();
  const asking = new Map<string, Promise<boolean>>();

  async function ask({ practiceId, personId }: PersonKey): Promise<boolean> {
    try {
      await participant.getPerson({ practiceId, personId });
      return true;
    } catch (error) {
      if (error instanceof HuddleError && error.code === 'not_found') return false;
      throw error;
    }
  }

  return {
    isKnown(person) {
      const key = `${person.practiceId}\u0000${person.personId}`;
      const until = found.get(key);
      if (until !== undefined && until > now()) return Promise.resolve(true);
      const pending = asking.get(key);
      if (pending) return pending;
      const answer = ask(person).then((known) => {
        found.delete(key);
        if (known) found.set(key, now() + ttlMs);
        while (found.size > maxPeople) {
          const oldest = found.keys().next().value;
          if (oldest === undefined) break;
          found.delete(oldest);
        }
        return known;
      });
      asking.set(key, answer);
      // Concurrent callers share one call; the next caller after it asks (or reads the cache) anew.
      void answer.then(
        () => asking.delete(key),
        () => asking.delete(key),
      );
      return answer;
    },
  };
}
