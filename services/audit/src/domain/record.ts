import { createHash } from 'node:crypto';

/** C1: what one audit record says. Ids, choices and counts only: never message text. */
export interface AuditEntry {
  /** The id of the event it came from: a redelivered event is recorded once. */
  id: string;
  practiceId: string;
  occurredAt: Date;
  actorId: string;
  action: string;
  chatId: string | null;
  targetIds: string[];
  outcome: 'succeeded' | 'forbidden';
  requestId: string;
  clientIp: string;
  userAgent: string;
  details: Record<string, string>;
}

/** A record as appended: its place in the practice's chain and the hashes that bind it there. */
export interface ChainedRecord extends AuditEntry {
  /** 1, 2, 3, … per practice, without gaps: a gap is a deleted record. */
  seq: number;
  /** The previous record's hash; the genesis hash for seq 1. */
  prevHash: string;
  hash: string;
}

/** What seq 1 chains to: 64 zeros, so every record has a previous hash of the same shape. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The SHA-256 of a record's content and its previous hash (hex). The content is a
 * JSON array in a fixed field order, details sorted by key, times as ISO strings: the
 * same record hashes the same however the database hands it back.
 */
export function chainHash(record: Omit<ChainedRecord, 'hash'>): string {
  const details = Object.keys(record.details)
    .sort()
    .map((key) => [key, record.details[key]]);
  const content = JSON.stringify([
    record.practiceId,
    record.seq,
    record.id,
    record.occurredAt.toISOString(),
    record.actorId,
    record.action,
    record.chatId,
    record.targetIds,
    record.outcome,
    record.requestId,
    record.clientIp,
    record.userAgent,
    details,
    record.prevHash,
  ]);
  return createHash('sha256').update(content).digest('hex');
}

/** The next record of a chain whose head is `head` (none: the practice's first record). */
export function chain(entry: AuditEntry, head: { seq: number; hash: string } | undefined): ChainedRecord {
  const link = { ...entry, seq: (head?.seq ?? 0) + 1, prevHash: head?.hash ?? GENESIS_HASH };
  return { ...link, hash: chainHash(link) };
}

/** What verification found wrong at one place of a practice's chain. */
export type ChainProblem =
  | { practiceId: string; seq: number; problem: 'edited' }
  | { practiceId: string; seq: number; problem: 'relinked' }
  | { practiceId: string; fromSeq: number; toSeq: number; problem: 'deleted' };

/**
 * Checks one practice's chain, fed in seq order (in batches) and closed with its head:
 * a record whose content no longer hashes to its hash was `edited`; a record whose
 * previous hash is not its predecessor's was `relinked` (rewritten to hide an edit);
 * a gap in the seqs, or records missing after the last one the head names, were `deleted`.
 */
export class ChainVerifier {
  private last: { seq: number; hash: string } = { seq: 0, hash: GENESIS_HASH };
  readonly problems: ChainProblem[] = [];
  checked = 0;

  constructor(private readonly practiceId: string) {}

  add(record: ChainedRecord): void {
    const { practiceId } = this;
    this.checked++;
    if (record.seq !== this.last.seq + 1) {
      this.problems.push({
        practiceId,
        fromSeq: this.last.seq + 1,
        toSeq: record.seq - 1,
        problem: 'deleted',
      });
    } else if (record.prevHash !== this.last.hash) {
      this.problems.push({ practiceId, seq: record.seq, problem: 'relinked' });
    }
    const { hash, ...content } = record;
    if (chainHash(content) !== hash) this.problems.push({ practiceId, seq: record.seq, problem: 'edited' });
    this.last = { seq: record.seq, hash };
  }

  /** The head row says how long the chain is: records missing from its end were deleted too. */
  finish(head: { seq: number; hash: string } | undefined): ChainProblem[] {
    const { practiceId } = this;
    const headSeq = head?.seq ?? 0;
    if (headSeq > this.last.seq) {
      this.problems.push({ practiceId, fromSeq: this.last.seq + 1, toSeq: headSeq, problem: 'deleted' });
    } else if (head && head.hash !== this.last.hash) {
      this.problems.push({ practiceId, seq: head.seq, problem: 'relinked' });
    }
    return this.problems;
  }
}
