import type { Database, Executor } from '@huddle/db';
import { seqCursor, splitPage } from '@huddle/paging';
import {
  type AuditEntry,
  type ChainedRecord,
  type ChainProblem,
  ChainVerifier,
  chain,
} from '../domain/record';
import type { AuditQuery, AuditRecordsStore } from './ports';

const VERIFY_BATCH = 1_000;

export interface AuditPage {
  records: ChainedRecord[];
  nextCursor: string;
}

export interface VerifyReport {
  /** Practices whose chains were checked. */
  practices: number;
  /** Records read. */
  records: number;
  problems: ChainProblem[];
}

/** C1: the audit trail's use-cases: append a record to its practice's chain, list, verify. */
export class AuditTrail {
  constructor(
    private readonly db: Database,
    private readonly store: AuditRecordsStore,
  ) {}

  /**
   * Appends inside the caller's transaction (the consumer's, with its inbox row): the
   * practice's head stays locked until it commits, so appends of one practice are serial.
   */
  async append(tx: Executor, entry: AuditEntry): Promise<ChainedRecord> {
    const head = await this.store.lockHead(tx, entry.practiceId);
    const record = chain(entry, head);
    await this.store.append(tx, record);
    return record;
  }

  /** Newest first; `cursor` is the last page's `nextCursor`. */
  async list(query: Omit<AuditQuery, 'beforeSeq'> & { cursor: string }): Promise<AuditPage> {
    const { cursor, ...filters } = query;
    const beforeSeq = cursor ? seqCursor.decode(cursor) : undefined;
    const rows = await this.store.list(this.db, { ...filters, beforeSeq, limit: query.limit + 1 });
    const { page, more } = splitPage(rows, query.limit);
    const last = page.at(-1);
    return { records: page, nextCursor: more && last ? seqCursor.encode(last.seq) : '' };
  }

  /** Recomputes the chains of one practice, or of all, and reports every edit and deletion. */
  async verify(practiceId?: string): Promise<VerifyReport> {
    const practices = practiceId ? [practiceId] : await this.store.practices(this.db);
    const report: VerifyReport = { practices: practices.length, records: 0, problems: [] };
    for (const practice of practices) {
      const verifier = new ChainVerifier(practice);
      let afterSeq = 0;
      for (;;) {
        const batch = await this.store.chainBatch(this.db, practice, afterSeq, VERIFY_BATCH);
        for (const record of batch) verifier.add(record);
        if (batch.length < VERIFY_BATCH) break;
        afterSeq = batch.at(-1)!.seq;
      }
      report.records += verifier.checked;
      report.problems.push(...verifier.finish(await this.store.head(this.db, practice)));
    }
    return report;
  }
}
