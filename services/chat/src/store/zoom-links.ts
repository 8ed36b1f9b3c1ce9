import type { Executor } from '@huddle/db';
import { and, eq } from 'drizzle-orm';
import type { ZoomLinkRepository } from '../app/ports';
import { zoomLinks } from './schema';

const keyOf = (practiceId: string, personId: string) =>
  and(eq(zoomLinks.practiceId, practiceId), eq(zoomLinks.personId, personId));

export const zoomLinksStore: ZoomLinkRepository = {
  async token(db: Executor, practiceId: string, personId: string): Promise<string | undefined> {
    const [row] = await db
      .select({ accessToken: zoomLinks.accessToken })
      .from(zoomLinks)
      .where(keyOf(practiceId, personId));
    return row?.accessToken;
  },

  async set(db: Executor, practiceId: string, personId: string, accessToken: string): Promise<void> {
    await db
      .insert(zoomLinks)
      .values({ practiceId, personId, accessToken })
      .onConflictDoUpdate({
        target: [zoomLinks.practiceId, zoomLinks.personId],
        set: { accessToken, updatedAt: new Date() },
      });
  },

  async forget(db: Executor, practiceId: string, personId: string): Promise<void> {
    await db.delete(zoomLinks).where(keyOf(practiceId, personId));
  },
};
