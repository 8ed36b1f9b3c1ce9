import type { Emit } from '@huddle/bus';
import type { Database, Transaction } from '@huddle/db';

/** Runs a change and the events it emits in one transaction (the outbox). */
export interface UnitOfWork {
  transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R>;
}

/** Reads outside any transaction. */
export type Reader = Database;
