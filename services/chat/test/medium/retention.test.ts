import { HuddleError } from '@huddle/errors';
import { createLogger } from '@huddle/logging';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Reactions } from '../../src/app/reactions';
import { RetentionJob, RetentionSettings } from '../../src/app/retention';
import { filesystemStore } from '../../src/store/files';
import { chatStore } from '../../src/store/repositories';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE, post } from './harness';

const DAY_MS = 24 * 60 * 60 * 1000;

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof HuddleError ? error.code : error),
  );

/** A time after every message posted so far and before any posted afterwards. */
async function boundary(): Promise<Date> {
  const at = Date.now() + 1;
  while (Date.now() < at + 1) await new Promise((resolve) => setImmediate(resolve));
  return new Date(at);
}

describe('C3 retention job on PostgreSQL (medium: settings, job, store and outbox, controllable clock)', () => {
  let h: ChatHarness;
  let settings: RetentionSettings;
  let job: RetentionJob;
  let reactions: Reactions;
  /** The job's clock: the test moves it. */
  let now = new Date();
  let chatOwner: string;
  let practiceOwner: string;
  let team: string;
  let client: string;

  beforeAll(async () => {
    h = await chatHarness('retention');
    chatOwner = h.person('olga', 'practitioner');
    practiceOwner = h.person('pam', 'practitioner', 'owner');
    team = h.person('tom', 'practitioner');
    client = h.person('cleo', 'client');
    settings = new RetentionSettings(h.db.db, h.work, chatStore, h.directory);
    reactions = new Reactions(h.db.db, h.work, chatStore, h.chats);
    // Batches of 2 so that every chat needs several short transactions.
    job = new RetentionJob(
      h.db.db,
      h.work,
      chatStore,
      filesystemStore(h.filesDirectory),
      { now: () => now },
      { intervalMs: 60_000, batchSize: 2, leaseMs: 10_000 },
      createLogger({ service: 'chat', level: 'silent' }),
    );
  });
  afterAll(() => h?.close());

  const upload = (name: string) =>
    h.attachments.upload({
      practiceId: PRACTICE,
      uploaderId: chatOwner,
      filename: `${name}.txt`,
      contentType: 'text/plain',
      data: new TextEncoder().encode(`bytes of ${name}`),
    });
  const withFile = (chatId: string, body: string, attachmentId: string) => {
    const request = post(chatId, chatOwner, body);
    return h.messages.post({ ...request, message: { ...request.message, attachmentIds: [attachmentId] } });
  };
  const download = (attachmentId: string, viewerId = chatOwner) =>
    codeOf(h.attachments.download({ practiceId: PRACTICE, attachmentId, viewerId }));
  const page = (chatId: string) =>
    h.messages.list({ chatId, practiceId: PRACTICE, viewerId: chatOwner, cursor: '', limit: 50 });
  const listed = async (personId: string, chatId: string) => {
    const list = await h.chats.list({ practiceId: PRACTICE, personId, cursor: '', limit: 50 });
    return list.chats.find((item) => item.chat.id === chatId)!;
  };

  it('C3: deletes what is older than the period, keeps what is younger and every held chat, with counts', async () => {
    const kept = await feedGroup(h, chatOwner, [team, client]);
    const held = await feedGroup(h, chatOwner, [team, client]);

    // Older than the period: files, a pin, a reaction, an edit, and a thread whose reply is old too.
    const oldFile = await upload('old');
    const unusedUpload = await upload('unused');
    const heldFile = await upload('held');
    const p1 = (await withFile(kept.id, 'old secret one', oldFile.id)).message;
    const p2 = (await h.messages.post(post(kept.id, chatOwner, 'old secret pinned'))).message;
    await h.messages.pin({
      chatId: kept.id,
      practiceId: PRACTICE,
      actorId: team,
      messageId: p2.id,
      pinned: true,
    });
    await reactions.set({
      chatId: kept.id,
      practiceId: PRACTICE,
      actorId: client,
      messageId: p2.id,
      emoji: '👍',
      reacted: true,
    });
    const p3 = (await h.messages.post(post(kept.id, chatOwner, 'old secret draft'))).message;
    await h.messages.edit({
      chatId: kept.id,
      practiceId: PRACTICE,
      editorId: chatOwner,
      messageId: p3.id,
      body: 'old secret edited',
      attachmentIds: [],
      keepAttachments: true,
    });
    const root = (await h.messages.post(post(kept.id, chatOwner, 'old secret root'))).message;
    const oldReply = (await h.messages.post(post(kept.id, team, 'old secret reply', { parentId: root.id })))
      .message;
    const h1 = (await withFile(held.id, 'old held', heldFile.id)).message;
    await h.chats.markRead({
      chatId: kept.id,
      practiceId: PRACTICE,
      personId: client,
      seq: 2,
      unread: false,
    });

    const cutoff = await boundary();

    // Younger than the period.
    const youngFile = await upload('young');
    const youngReply = (await h.messages.post(post(kept.id, team, 'young reply', { parentId: root.id })))
      .message;
    const y1 = (await withFile(kept.id, 'young post', youngFile.id)).message;
    const h2 = (await h.messages.post(post(held.id, chatOwner, 'young held'))).message;
    expect((await listed(client, kept.id)).unreadCount).toBe(5);

    await settings.setRetention({ practiceId: PRACTICE, actorId: practiceOwner, days: 30 });
    await settings.setLegalHold({
      practiceId: PRACTICE,
      chatId: held.id,
      actorId: practiceOwner,
      held: true,
      reason: 'Records request 42',
    });
    now = new Date(cutoff.getTime() + 30 * DAY_MS);

    const applied = await job.runOnce();

    expect(applied).toEqual([
      expect.objectContaining({
        practiceId: PRACTICE,
        days: 30,
        cutoff: cutoff.toISOString(),
        chats: 1,
        messages: 4,
        tombstoned: 1,
        revisions: 1,
        reactions: 1,
        pins: 1,
        files: 2,
        scheduledMessages: 0,
      }),
    ]);
    // Older: gone; the root of a thread with a younger reply is an empty tombstone holding it.
    const keptPage = await page(kept.id);
    expect(keptPage.messages.map((m) => m.id)).toEqual([y1.id, root.id]);
    const tombstone = keptPage.messages.find((m) => m.id === root.id)!;
    expect(tombstone).toMatchObject({ body: '', attachmentIds: [], mentions: [], replyCount: 1 });
    expect(tombstone.deletedAt).not.toBeNull();
    const thread = await h.messages.replies({
      chatId: kept.id,
      practiceId: PRACTICE,
      viewerId: chatOwner,
      messageId: root.id,
      cursor: '',
      limit: 50,
    });
    expect(thread.messages.map((m) => m.id)).toEqual([youngReply.id]);
    for (const gone of [p1, p2, p3, oldReply]) {
      expect(await chatStore.messages.get(h.db.db, gone.id)).toBeUndefined();
      expect(await chatStore.messages.revisions(h.db.db, gone.id)).toEqual([]);
      expect(await chatStore.reactions.reactors(h.db.db, [gone.id])).toEqual([]);
    }
    expect(await download(oldFile.id)).toBe('not_found');
    expect(await download(unusedUpload.id)).toBe('not_found');
    await expect(filesystemStore(h.filesDirectory).get(oldFile.id)).rejects.toThrow();
    // Younger: untouched.
    expect(await download(youngFile.id)).toBe('resolved');
    expect(await chatStore.messages.get(h.db.db, y1.id)).toMatchObject({ body: 'young post' });
    // Held: untouched, old or young.
    const heldPage = await page(held.id);
    expect(heldPage.messages.map((m) => [m.id, m.body])).toEqual([
      [h2.id, 'young held'],
      [h1.id, 'old held'],
    ]);
    expect(await download(heldFile.id)).toBe('resolved');

    // U1: the deleted messages are not unread; the markers are as their readers left them.
    const seen = await listed(client, kept.id);
    expect(seen.readSeq).toBe(2);
    expect(seen.unreadCount).toBe(2);
    expect(seen.lastMessage?.id).toBe(y1.id);
    expect((await listed(team, kept.id)).unreadCount).toBeGreaterThanOrEqual(0);
    const marked = await h.chats.markRead({
      chatId: kept.id,
      practiceId: PRACTICE,
      personId: client,
      seq: 3,
      unread: false,
    });
    expect(marked).toEqual({ readSeq: 3, unreadCount: 2 });

    // The run is published with counts: no message text, no message id.
    const [event] = await h.events('chat.v1.retention.applied');
    expect(event?.data).toEqual(applied === 'busy' ? undefined : applied[0]);
    const published = JSON.stringify(await h.events('chat.v1.retention.applied'));
    expect(published).not.toMatch(/secret|young|held/);
    expect(published).not.toContain(p1.id);

    // A second run at the same time finds nothing more.
    const again = await job.runOnce();
    expect(again).toEqual([expect.objectContaining({ chats: 0, messages: 0, tombstoned: 0, files: 0 })]);

    // Later, with the hold lifted: everything older goes, the tombstone with its last reply.
    await settings.setLegalHold({
      practiceId: PRACTICE,
      chatId: held.id,
      actorId: practiceOwner,
      held: false,
      reason: '',
    });
    now = new Date(Date.now() + 31 * DAY_MS);
    const later = await job.runOnce();
    expect(later).toEqual([expect.objectContaining({ chats: 2, messages: 5, files: 2 })]);
    expect((await page(kept.id)).messages).toEqual([]);
    expect((await page(held.id)).messages).toEqual([]);
    const emptied = await listed(client, kept.id);
    expect(emptied.unreadCount).toBe(0);
    expect(emptied.lastMessage).toBeUndefined();

    await h.chats.markRead({ chatId: kept.id, practiceId: PRACTICE, personId: client, seq: 0, unread: true });
    expect((await listed(client, kept.id)).unreadCount).toBe(1);
  });

  it('C3: a chat put under hold between runs is left alone; a practice without a period is never touched', async () => {
    const chat = await feedGroup(h, chatOwner, [client]);
    const message = (await h.messages.post(post(chat.id, chatOwner, 'kept for the lawyers'))).message;
    await settings.setLegalHold({
      practiceId: PRACTICE,
      chatId: chat.id,
      actorId: practiceOwner,
      held: true,
      reason: '',
    });
    now = new Date(Date.now() + 400 * DAY_MS);
    await job.runOnce();
    expect(await chatStore.messages.get(h.db.db, message.id)).toMatchObject({ body: 'kept for the lawyers' });

    await settings.setRetention({ practiceId: PRACTICE, actorId: practiceOwner, days: 0 });
    await settings.setLegalHold({
      practiceId: PRACTICE,
      chatId: chat.id,
      actorId: practiceOwner,
      held: false,
      reason: '',
    });
    expect(await job.runOnce()).toEqual([]);
    expect(await chatStore.messages.get(h.db.db, message.id)).toMatchObject({ body: 'kept for the lawyers' });
  });

  it('C3: a running batch never holds up a post to its chat; a legal hold waits for it, then holds', async () => {
    const chat = await feedGroup(h, chatOwner, [client]);
    await h.messages.post(post(chat.id, chatOwner, 'old enough'));
    // A batch's transaction held open: the chat's retention lock and its oldest messages locked.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked!: () => void;
    const lockedNow = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const batch = h.db.db.transaction(async (tx) => {
      await chatStore.retention.lockChat(tx, chat.id);
      await chatStore.retention.nextMessages(tx, chat.id, 0, 10);
      locked();
      await gate;
    });
    await lockedNow;

    const posted = await h.messages.post(post(chat.id, client, 'posted while a batch runs'));
    expect(posted.created).toBe(true);

    let holdSet = false;
    const hold = settings
      .setLegalHold({ practiceId: PRACTICE, chatId: chat.id, actorId: practiceOwner, held: true, reason: '' })
      .then(() => {
        holdSet = true;
      });
    // Until the hold's transaction is seen waiting for the chat's retention lock.
    for (let waiting = 0; waiting === 0; ) {
      const result = await h.db.db.execute(
        sql`select count(*)::int as n from pg_locks
              where locktype = 'advisory' and not granted
                and database = (select oid from pg_database where datname = current_database())`,
      );
      waiting = (result as unknown as { rows: Array<{ n: number }> }).rows[0]!.n;
    }
    expect(holdSet).toBe(false);
    release();
    await Promise.all([batch, hold]);
    expect(holdSet).toBe(true);
    expect((await chatStore.retention.lockChat(h.db.db, chat.id)).held).toBe(true);
  });

  it('C3: one replica runs the job at a time (the lease)', async () => {
    expect(await chatStore.retention.lease(h.db.db, 'retention', 'another-replica', 10_000)).toBe(true);
    expect(await job.runOnce()).toBe('busy');
    await chatStore.retention.release(h.db.db, 'retention', 'another-replica');
    expect(await job.runOnce()).not.toBe('busy');
  });

  it('C3: only the practice owner changes settings; bad periods change nothing; changes are published with the actor', async () => {
    await settings.setRetention({ practiceId: PRACTICE, actorId: practiceOwner, days: 365 });
    for (const days of [29, 3651, 30.5, -1]) {
      expect(
        await codeOf(settings.setRetention({ practiceId: PRACTICE, actorId: practiceOwner, days })),
      ).toBe('validation_failed');
    }
    expect(await codeOf(settings.setRetention({ practiceId: PRACTICE, actorId: chatOwner, days: 30 }))).toBe(
      'forbidden',
    );
    expect(await codeOf(settings.retention({ practiceId: PRACTICE, actorId: client }))).toBe('forbidden');
    expect(await settings.retention({ practiceId: PRACTICE, actorId: practiceOwner })).toMatchObject({
      days: 365,
      updatedBy: practiceOwner,
    });
    const set = await h.events('chat.v1.retention.set');
    expect(set.at(-1)?.data).toEqual({
      practiceId: PRACTICE,
      actorId: practiceOwner,
      days: 365,
      previousDays: null,
    });

    const chat = await feedGroup(h, chatOwner, [client]);
    const hold = { practiceId: PRACTICE, chatId: chat.id, held: true, reason: '' };
    // A participant who is not the practice owner: 403; anyone else outside it: 404 (A1).
    expect(await codeOf(settings.setLegalHold({ ...hold, actorId: chatOwner }))).toBe('forbidden');
    expect(await codeOf(settings.setLegalHold({ ...hold, actorId: team }))).toBe('not_found');
    expect(await codeOf(settings.setLegalHold({ ...hold, practiceId: 'p2', actorId: practiceOwner }))).toBe(
      'not_found',
    );
    expect(
      await codeOf(settings.setLegalHold({ ...hold, actorId: practiceOwner, reason: 'x'.repeat(501) })),
    ).toBe('validation_failed');
    expect(
      await settings.legalHold({ practiceId: PRACTICE, chatId: chat.id, actorId: practiceOwner }),
    ).toMatchObject({
      held: false,
      updatedBy: null,
    });
    await settings.setLegalHold({ ...hold, actorId: practiceOwner, reason: ' Litigation ' });
    // Setting it again changes nothing and publishes nothing.
    await settings.setLegalHold({ ...hold, actorId: practiceOwner, reason: 'Litigation' });
    expect(
      await settings.legalHold({ practiceId: PRACTICE, chatId: chat.id, actorId: practiceOwner }),
    ).toMatchObject({
      held: true,
      reason: 'Litigation',
      updatedBy: practiceOwner,
    });
    const holds = (await h.events('chat.v1.legal_hold.set')).filter((e) => e.data.chatId === chat.id);
    expect(holds.map((e) => e.data)).toEqual([
      { practiceId: PRACTICE, chatId: chat.id, actorId: practiceOwner, reason: 'Litigation' },
    ]);
  });
});
