import { createLogger } from '@huddle/logging';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScheduledMessages, Scheduler } from '../../src/app/scheduled';
import { postKeyOf } from '../../src/domain/scheduled';
import { scheduledStore } from '../../src/store/scheduled';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE, post } from './harness';

/**
 * X2 on PostgreSQL: several schedulers on one database send each due message once; a
 * scheduler that dies between claim and send (or between post and record) leaves the
 * message to another once its lease ends, and it is still posted once.
 */
describe('X2 scheduler on PostgreSQL (medium: use-cases, store and outbox)', () => {
  let h: ChatHarness;
  let scheduled: ScheduledMessages;
  let owner: string;
  let client: string;
  const silent = createLogger({ service: 'chat', level: 'silent' });
  const scheduler = (leaseMs = 10_000) =>
    new Scheduler(h.db.db, h.work, h.messages, { pollMs: 100, leaseMs }, silent);

  beforeAll(async () => {
    h = await chatHarness('scheduled');
    scheduled = new ScheduledMessages(h.db.db, h.chats, h.messages, h.attachments);
    owner = h.person('olga', 'practitioner');
    client = h.person('cleo', 'client');
  });
  afterAll(() => h?.close());

  /** Schedules `body` a minute ahead, then makes it due now, as if the minute had passed. */
  async function due(chatId: string, body: string) {
    const made = await scheduled.schedule({
      ...post(chatId, client, body),
      sendAt: new Date(Date.now() + 61_000).toISOString(),
    });
    await h.db.db.execute(sql`update scheduled_messages set send_at = now() where id = ${made.id}`);
    return made.id;
  }

  async function bodiesIn(chatId: string) {
    const page = await h.messages.list({
      chatId,
      practiceId: PRACTICE,
      viewerId: owner,
      cursor: '',
      limit: 200,
    });
    return page.messages.map((message) => message.body);
  }

  const statusOf = async (id: string) => (await scheduledStore.find(h.db.db, PRACTICE, client, id))!.message;

  it('X2: two schedulers claiming at once send each of 40 due messages exactly once', async () => {
    const chat = await feedGroup(h, owner, [client]);
    const ids = [];
    for (let n = 0; n < 40; n++) ids.push(await due(chat.id, `message ${n}`));
    const [a, b] = [scheduler(), scheduler()];
    let claimed = 0;
    for (let round = 0; round < 3; round++) {
      const counts = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
      claimed += counts.reduce((sum, count) => sum + count, 0);
    }
    expect(claimed).toBe(40);
    const bodies = await bodiesIn(chat.id);
    expect(bodies).toHaveLength(40);
    expect(new Set(bodies).size).toBe(40);
    for (const id of ids) {
      const message = await statusOf(id);
      expect(message.status).toBe('sent');
      expect(message.messageId).not.toBeNull();
    }
  });

  it('X2: a message claimed by a scheduler that died before sending is sent by another after the lease, once', async () => {
    const chat = await feedGroup(h, owner, [client]);
    const id = await due(chat.id, 'claimed, then the replica died');
    // The replica that died: it claimed for one second and sent nothing.
    expect((await scheduledStore.claimDue(h.db.db, 50, 1_000)).map((row) => row.id)).toContain(id);

    const survivor = scheduler();
    expect(await survivor.runOnce()).toBe(0);
    expect(await bodiesIn(chat.id)).toEqual([]);
    await expect.poll(() => survivor.runOnce(), { timeout: 5_000, interval: 200 }).toBe(1);
    expect(await bodiesIn(chat.id)).toEqual(['claimed, then the replica died']);
    expect((await statusOf(id)).status).toBe('sent');
  });

  it('X2: a message posted by a scheduler that died before recording it is not posted twice', async () => {
    const chat = await feedGroup(h, owner, [client]);
    const id = await due(chat.id, 'posted, then the replica died');
    await scheduledStore.claimDue(h.db.db, 50, 1_000);
    // The dead replica got as far as the post, under the scheduled message's key.
    const first = await h.messages.post(
      post(chat.id, client, 'posted, then the replica died', { idempotencyKey: postKeyOf(id) }),
    );

    const survivor = scheduler();
    await expect.poll(() => survivor.runOnce(), { timeout: 5_000, interval: 200 }).toBe(1);
    expect(await bodiesIn(chat.id)).toEqual(['posted, then the replica died']);
    expect((await statusOf(id)).messageId).toBe(first.message.id);
  });

  it('X2: a running scheduler sends due messages by itself and stops cleanly', async () => {
    const chat = await feedGroup(h, owner, [client]);
    await due(chat.id, 'on its own');
    const running = scheduler();
    running.start();
    try {
      await expect.poll(() => bodiesIn(chat.id), { timeout: 5_000, interval: 100 }).toEqual(['on its own']);
    } finally {
      await running.stop();
    }
  });
});
