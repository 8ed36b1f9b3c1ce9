import type { Executor } from '@huddle/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { PeopleSource } from '../app/ports';
import type { PersonAccess } from '../domain/person';
import { people } from './schema';

type Row = typeof people.$inferSelect;

const toPerson = (row: Row): PersonAccess => ({
  id: row.id,
  practiceId: row.practiceId,
  kind: row.kind,
  tags: row.tags,
  teamRole: row.teamRole,
  canManageTeamSettings: row.canManageTeamSettings,
  clientTagRestriction: row.clientTagRestriction,
  zoomLinked: row.zoomLinked,
});

export const peopleStore = {
  /**
   * Records a person as a directory event described them. Events of one
   * person can reach the stream out of commit order (two outbox transactions
   * racing), so an event older than the one applied last is ignored.
   */
  async project(db: Executor, person: PersonAccess, occurredAt: Date): Promise<void> {
    const values = { ...person, sourceOccurredAt: occurredAt };
    await db
      .insert(people)
      .values(values)
      .onConflictDoUpdate({
        target: [people.practiceId, people.id],
        set: values,
        setWhere: sql`${people.sourceOccurredAt} <= excluded.source_occurred_at`,
      });
  },

  /** Unknown ids are left out. */
  async getMany(db: Executor, practiceId: string, ids: readonly string[]): Promise<PersonAccess[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select()
      .from(people)
      .where(and(eq(people.practiceId, practiceId), inArray(people.id, [...ids])));
    return rows.map(toPerson);
  },
};

/** The projection as a source of people for decisions. */
export const projectedPeople = (db: Executor): PeopleSource => ({
  getPeople: (practiceId, personIds) => peopleStore.getMany(db, practiceId, personIds),
});
