import type { Executor } from '@huddle/db';
import type { SharingRepository } from '../app/ports';
import { sharingSkips } from './schema';

export const sharingStore: SharingRepository = {
  /** S4: says why default sharing left someone out of a new 1-on-1. */
  async recordSkips(
    db: Executor,
    chatId: string,
    skipped: Array<{ personId: string; reason: string; message: string }>,
  ) {
    if (skipped.length === 0) return;
    await db
      .insert(sharingSkips)
      .values(skipped.map((skip) => ({ chatId, ...skip })))
      .onConflictDoNothing();
  },
};
