import type { Executor } from '@huddle/db';
import { and, asc, desc, eq, gt, gte, lt, lte, type SQL, sql } from 'drizzle-orm';
import type { AuditQuery, AuditRecordsStore } from '../app/ports';
import type { ChainedRecord } from '../domain/record';
import { auditHeads, auditRecords } from './schema';

type Row = typeof auditRecords.$inferSelect;

const toRecord = ({ recordedAt: _recordedAt, ...row }: Row): ChainedRecord => row;

export const auditRecordsStore: AuditRecordsStore = {
  async lockHead(tx, practiceId) {
    // The head row exists before it is locked, so two first appends of a practice also queue.
    await tx.insert(auditHeads).values({ practiceId, seq: 0, hash: '' }).onConflictDoNothing();
    const [head] = await tx
      .select({ seq: auditHeads.seq, hash: auditHeads.hash })
      .from(auditHeads)
      .where(eq(auditHeads.practiceId, practiceId))
      .for('update');
    return head && head.seq > 0 ? head : undefined;
  },

  async append(tx, record) {
    await tx.insert(auditRecords).values(record);
    await tx
      .update(auditHeads)
      .set({ seq: record.seq, hash: record.hash })
      .where(eq(auditHeads.practiceId, record.practiceId));
  },

  async list(db: Executor, query: AuditQuery) {
    const conditions: SQL[] = [eq(auditRecords.practiceId, query.practiceId)];
    if (query.actorId) conditions.push(eq(auditRecords.actorId, query.actorId));
    if (query.chatId) conditions.push(eq(auditRecords.chatId, query.chatId));
    if (query.action) conditions.push(eq(auditRecords.action, query.action));
    if (query.from) conditions.push(gte(auditRecords.occurredAt, query.from));
    if (query.to) conditions.push(lte(auditRecords.occurredAt, query.to));
    if (query.beforeSeq !== undefined) conditions.push(lt(auditRecords.seq, query.beforeSeq));
    const rows = await db
      .select()
      .from(auditRecords)
      .where(and(...conditions))
      .orderBy(desc(auditRecords.seq))
      .limit(query.limit);
    return rows.map(toRecord);
  },

  async chainBatch(db, practiceId, afterSeq, limit) {
    const rows = await db
      .select()
      .from(auditRecords)
      .where(and(eq(auditRecords.practiceId, practiceId), gt(auditRecords.seq, afterSeq)))
      .orderBy(asc(auditRecords.seq))
      .limit(limit);
    return rows.map(toRecord);
  },

  async head(db, practiceId) {
    const [head] = await db
      .select({ seq: auditHeads.seq, hash: auditHeads.hash })
      .from(auditHeads)
      .where(eq(auditHeads.practiceId, practiceId));
    return head && head.seq > 0 ? head : undefined;
  },

  async practices(db) {
    // Records without a head (someone deleted it) are still verified, and found out.
    const result = await db.execute(sql`
      select ${auditRecords.practiceId} as practice_id from ${auditRecords}
      union
      select ${auditHeads.practiceId} from ${auditHeads} where ${auditHeads.seq} > 0
      order by 1`);
    return (result as unknown as { rows: Array<{ practice_id: string }> }).rows.map((row) => row.practice_id);
  },
};
