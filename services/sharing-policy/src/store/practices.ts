import type { Executor } from '@huddle/db';
import { eq, sql } from 'drizzle-orm';
import type { StoredPractice } from '../app/ports';
import type { Practice } from '../domain/practice';
import { practices } from './schema';

type Row = typeof practices.$inferSelect;

const toStored = (row: Row): StoredPractice => ({
  practice: { id: row.id, name: row.name, plan: row.plan },
  updatedAt: row.updatedAt,
});

export const practicesStore = {
  /** Inserts or replaces a practice; says whether it was new. */
  async upsert(db: Executor, practice: Practice): Promise<StoredPractice & { created: boolean }> {
    const values = { ...practice, updatedAt: new Date() };
    const [row] = await db
      .insert(practices)
      .values(values)
      .onConflictDoUpdate({ target: practices.id, set: values })
      // xmax is 0 only for a freshly inserted row: tells insert from update in one statement.
      .returning({ updatedAt: practices.updatedAt, created: sql<boolean>`(xmax = 0)` });
    return { practice, updatedAt: row!.updatedAt, created: row?.created === true };
  },

  async get(db: Executor, id: string): Promise<StoredPractice | undefined> {
    const [row] = await db.select().from(practices).where(eq(practices.id, id));
    return row && toStored(row);
  },
};
