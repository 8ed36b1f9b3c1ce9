import { HuddleError } from '@huddle/errors';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE, post } from './harness';

describe('P4: a removal racing a post (medium: use-cases on PostgreSQL)', () => {
  let h: ChatHarness;
  let owner: string;
  let client: string;

  beforeAll(async () => {
    h = await chatHarness('removal_race');
    owner = h.person('olga', 'practitioner');
    client = h.person('cleo', 'client');
  });
  afterAll(() => h?.close());

  /** Sessions of this database waiting for a lock another transaction holds. */
  const lockWaiters = async () => {
    const result = await h.db.db.execute(
      sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`,
    );
    return (result as { rows: Array<{ n: number }> }).rows[0]!.n;
  };

  it.each(['keep', 'delete'] as const)(
    'a post that waited for a removal (messages: %s) is refused; nothing by the removed person is accepted after it',
    async (messages) => {
      const chat = await feedGroup(h, owner, [client]);
      const before = await h.messages.post(post(chat.id, client, 'before the removal'));

      // The removal holds the chat row while the participant service answers…
      let answer!: () => void;
      let removing!: () => void;
      const removalHoldsTheChat = new Promise<void>((resolve) => (removing = resolve));
      h.beforeRemove = () => {
        removing();
        return new Promise<void>((resolve) => (answer = resolve));
      };
      const removal = h.participants.remove({
        chatId: chat.id,
        practiceId: PRACTICE,
        actorId: owner,
        personId: client,
        messages,
      });
      await removalHoldsTheChat;

      // …a post starts (its author still a member when it checks access), and waits for that lock.
      const racing = h.messages
        .post(post(chat.id, client, 'racing the removal'))
        .catch((error: unknown) => error);
      await expect.poll(lockWaiters, { timeout: 10_000 }).toBeGreaterThan(0);
      answer();
      await expect(removal).resolves.toBe(true);
      h.beforeRemove = undefined;

      const outcome = await racing;
      expect(outcome).toBeInstanceOf(HuddleError);
      expect((outcome as HuddleError).code).toBe('not_found');

      // The author is gone, with no message of theirs after the removal; a kept earlier one is unlinked.
      const listed = await h.messages.list({
        chatId: chat.id,
        practiceId: PRACTICE,
        viewerId: owner,
        cursor: '',
        limit: 50,
      });
      expect(listed.messages.map((m) => m.body)).not.toContain('racing the removal');
      expect(listed.messages.filter((m) => m.authorId === client && m.deletedAt === null)).toEqual([]);
      const earlier = listed.messages.find((m) => m.id === before.message.id);
      if (messages === 'delete') expect(earlier?.deletedAt).not.toBeNull();
      else expect(earlier?.body).toBe('before the removal');
      expect(await h.chats.participant(chat.id, client)).toBeUndefined();
    },
  );
});
