import type { Executor } from '@huddle/db';
import type { ChainedRecord } from '../domain/record';

/** Which records a practice owner asks for (C1); absent filters match everything. */
export interface AuditQuery {
  practiceId: string;
  actorId?: string | undefined;
  chatId?: string | undefined;
  action?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Only records older (lower seq) than this one: the keyset of the next page. */
  beforeSeq?: number | undefined;
  limit: number;
}

export interface ChainHead {
  seq: number;
  hash: string;
}

/** The audit trail's storage: append to a chain, read it back. No update or delete exists. */
export interface AuditRecordsStore {
  /**
   * The practice's head, locked until the transaction ends (created at seq 0 when the
   * practice has none yet), so the next append of that practice waits for this one.
   */
  lockHead(tx: Executor, practiceId: string): Promise<ChainHead | undefined>;
  append(tx: Executor, record: ChainedRecord): Promise<void>;
  /** Newest first. */
  list(db: Executor, query: AuditQuery): Promise<ChainedRecord[]>;
  /** One practice's records in chain order, from seq `afterSeq + 1`, at most `limit`. */
  chainBatch(db: Executor, practiceId: string, afterSeq: number, limit: number): Promise<ChainedRecord[]>;
  head(db: Executor, practiceId: string): Promise<ChainHead | undefined>;
  /** Every practice with a chain (a head), for verifying them all. */
  practices(db: Executor): Promise<string[]>;
}
