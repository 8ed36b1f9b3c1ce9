import type { Executor } from '@huddle/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PeopleRepository } from '../app/ports';
import type { Person } from '../domain/person';
import { people } from './schema';

type Row = typeof people.$inferSelect;

const toPerson = (row: Row): Person => ({
  id: row.id,
  practiceId: row.practiceId,
  kind: row.kind,
  firstName: row.firstName,
  lastName: row.lastName,
  photoUrl: row.photoUrl,
  tags: row.tags,
  teamRole: row.teamRole,
  canManageTeamSettings: row.canManageTeamSettings,
  clientTagRestriction: row.clientTagRestriction,
  zoomLinked: row.zoomLinked,
  email: row.email,
});

export const peopleStore: PeopleRepository = {
  /** Inserts or replaces a person; says whether it was new. */
  async upsert(db: Executor, person: Person): Promise<{ created: boolean }> {
    const values = { ...person, updatedAt: new Date() };
    const [row] = await db
      .insert(people)
      .values(values)
      .onConflictDoUpdate({ target: [people.practiceId, people.id], set: values })
      // xmax is 0 only for a freshly inserted row: tells insert from update in one statement.
      .returning({ created: sql<boolean>`(xmax = 0)` });
    return { created: row?.created === true };
  },

  async get(db: Executor, practiceId: string, id: string): Promise<Person | undefined> {
    const [row] = await db
      .select()
      .from(people)
      .where(and(eq(people.practiceId, practiceId), eq(people.id, id)));
    return row && toPerson(row);
  },

  async getMany(db: Executor, practiceId: string, ids: readonly string[]): Promise<Person[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select()
      .from(people)
      .where(and(eq(people.practiceId, practiceId), inArray(people.id, [...ids])));
    return rows.map(toPerson);
  },
};
