import { notFound } from '@huddle/errors';
import { normalizePractice, type Practice } from '../domain/practice';
import type { PracticeRepository, Reader, StoredPractice, UnitOfWork } from './ports';

/** Practices and their plans, synced from the platform with a service token. */
export class Practices {
  constructor(
    private readonly db: Reader,
    private readonly work: UnitOfWork,
    private readonly store: PracticeRepository,
  ) {}

  async upsert(input: Practice): Promise<StoredPractice & { created: boolean }> {
    const practice = normalizePractice(input);
    return this.work.transaction(async (tx, emit) => {
      const stored = await this.store.upsert(tx, practice);
      await emit('sharing-policy.v1.practice.upserted', { practice });
      return stored;
    });
  }

  async get(practiceId: string): Promise<StoredPractice> {
    const stored = await this.store.get(this.db, practiceId);
    if (!stored) throw notFound('Practice');
    return stored;
  }
}
