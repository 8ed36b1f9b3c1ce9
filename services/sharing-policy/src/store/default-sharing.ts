import { and, eq } from 'drizzle-orm';
import type { DefaultSharingRepository } from '../app/ports';
import { defaultSharing } from './schema';

export const defaultSharingStore: DefaultSharingRepository = {
  async get(db, practiceId, practitionerId) {
    const [row] = await db
      .select()
      .from(defaultSharing)
      .where(
        and(eq(defaultSharing.practiceId, practiceId), eq(defaultSharing.practitionerId, practitionerId)),
      );
    return row && { practitionerId, teamMemberIds: row.teamMemberIds, updatedAt: row.updatedAt };
  },

  async set(db, entry) {
    const values = { ...entry, updatedAt: new Date() };
    await db
      .insert(defaultSharing)
      .values(values)
      .onConflictDoUpdate({
        target: [defaultSharing.practiceId, defaultSharing.practitionerId],
        set: values,
      });
    return {
      practitionerId: entry.practitionerId,
      teamMemberIds: entry.teamMemberIds,
      updatedAt: values.updatedAt,
    };
  },
};
