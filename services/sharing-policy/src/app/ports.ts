import type { Emit } from '@huddle/bus';
import type { Database, Executor, Transaction } from '@huddle/db';
import type { PersonAccess } from '../domain/person';
import type { Practice } from '../domain/practice';

/** Runs a change and the events it emits in one transaction (the outbox). */
export interface UnitOfWork {
  transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R>;
}

/** Reads outside any transaction. */
export type Reader = Database;

export interface StoredPractice {
  practice: Practice;
  updatedAt: Date;
}

export interface PracticeRepository {
  upsert(db: Executor, practice: Practice): Promise<StoredPractice & { created: boolean }>;
  get(db: Executor, id: string): Promise<StoredPractice | undefined>;
}

/** People of one practice by id, from wherever they are known; unknown ids are left out. */
export interface PeopleSource {
  getPeople(practiceId: string, personIds: readonly string[]): Promise<PersonAccess[]>;
}

/** A practitioner's default direct-chat sharing list (S4); `updatedAt` is null while never set. */
export interface DefaultSharingList {
  practitionerId: string;
  teamMemberIds: string[];
  updatedAt: Date | null;
}

export interface DefaultSharingRepository {
  get(db: Executor, practiceId: string, practitionerId: string): Promise<DefaultSharingList | undefined>;
  set(
    db: Executor,
    entry: { practiceId: string; practitionerId: string; teamMemberIds: string[]; updatedBy: string },
  ): Promise<DefaultSharingList>;
}
