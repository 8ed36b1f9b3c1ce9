import type { Emit } from '@huddle/bus';
import type { Database, Executor, Transaction } from '@huddle/db';
import type { Participant } from '../domain/participant';
import type { Person } from '../domain/person';

/** Runs a change and the events it emits in one transaction (the outbox). */
export interface UnitOfWork {
  transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R>;
}

/** Reads outside any transaction. */
export type Reader = Database;

/*
 * The participant service's own data, as the use-cases need it: `store/`
 * implements these with drizzle and `service.ts` wires them in. Every method
 * takes the `Executor` to run on: the reader, or a unit of work's transaction.
 */

export interface PeopleRepository {
  /** Inserts or replaces a person; says whether it was new. */
  upsert(db: Executor, person: Person): Promise<{ created: boolean }>;
  get(db: Executor, practiceId: string, id: string): Promise<Person | undefined>;
  /** The people of a practice by id; unknown ids are left out. */
  getMany(db: Executor, practiceId: string, ids: readonly string[]): Promise<Person[]>;
}

/** S3: a team membership default sharing gave beside a client of the same chat. */
export interface DefaultSharedPair {
  chatId: string;
  /** The team member. */
  personId: string;
  restriction: string[] | null;
  clientTags: string[];
}

export interface ParticipantRepository {
  getActive(db: Executor, chatId: string, personId: string): Promise<Participant | undefined>;
  listActive(db: Executor, chatId: string): Promise<Participant[]>;
  /** The membership only when it was not active before (new or renewed); undefined for an active one. */
  activate(
    db: Executor,
    entry: Omit<Participant, 'addedAt'> & { practiceId: string },
  ): Promise<Participant | undefined>;
  /** Ends an active membership; false when there was none. */
  deactivate(db: Executor, chatId: string, personId: string): Promise<boolean>;
  /** S3: default-shared team memberships beside an active client, where `personId` is either side. */
  defaultSharedBesideClients(
    db: Executor,
    practiceId: string,
    personId: string,
  ): Promise<DefaultSharedPair[]>;
  /** Reserves the next `count` client numbers of a chat; answers the first. */
  reserveClientNumbers(db: Executor, chatId: string, count: number): Promise<number>;
}

/** All of the participant service's repositories. */
export interface ParticipantStore {
  people: PeopleRepository;
  participants: ParticipantRepository;
}
