import type { PersonData } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import { createLogger } from '@huddle/logging';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfExportWriter } from '../../src/adapters/export-pdf';
import { Exports, ExportWorker } from '../../src/app/exports';
import type { Directory } from '../../src/app/ports';
import { exportSource, exportsStore } from '../../src/store/exports';
import { chatStore } from '../../src/store/repositories';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE, post } from './harness';

/**
 * C2 on PostgreSQL: the export worker reads a chat in bounded batches, and an export whose
 * worker died is built again from the start once its lease lapses, or failed after three
 * interrupted attempts, so none stays pending or running for ever.
 */
describe('C2 export worker on PostgreSQL (medium: use-case, store, worker)', () => {
  let h: ChatHarness;
  let exports: Exports;
  let chatId: string;
  const silent = createLogger({ service: 'chat', level: 'silent' });
  const person = (id: string, teamRole: PersonData['teamRole']): PersonData => ({
    id,
    practiceId: PRACTICE,
    kind: 'practitioner',
    firstName: id,
    lastName: 'Test',
    photoUrl: null,
    tags: [],
    teamRole,
    canManageTeamSettings: false,
    clientTagRestriction: null,
    zoomLinked: false,
  });
  const directory: Directory = {
    people: async (practiceId, ids) =>
      practiceId === PRACTICE
        ? ids.map((id) => person(id, id === 'olga' ? 'owner' : id.startsWith('c') ? 'member' : null))
        : [],
  };
  const store = { exports: exportsStore, chats: chatStore.chats };
  const worker = () =>
    new ExportWorker(
      h.db.db,
      store,
      exportSource,
      directory,
      pdfExportWriter,
      { pollMs: 100, leaseMs: 10_000, batchSize: 10, maxAttempts: 3 },
      silent,
    );

  async function jsonOf(exportId: string) {
    const { parts } = await exports.file({
      practiceId: PRACTICE,
      exportId,
      viewerId: 'olga',
      format: 'json',
    });
    const chunks: Buffer[] = [];
    for (let part = 0; part < parts; part++) {
      const read = await exports.readPart({
        practiceId: PRACTICE,
        exportId,
        viewerId: 'olga',
        format: 'json',
        part,
      });
      chunks.push(read.data);
    }
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  beforeAll(async () => {
    h = await chatHarness('exports');
    exports = new Exports(h.db.db, store, directory);
    const owner = h.person('cora', 'practitioner');
    const client = h.person('dana', 'client');
    chatId = (await feedGroup(h, owner, [client])).id;
    for (let index = 1; index <= 25; index++)
      await h.messages.post(post(chatId, index % 2 ? owner : client, `m${index}`));
  });
  afterAll(() => h?.close());

  it('C2: only the practice owner exports; another practice’s chat does not exist', async () => {
    await expect(exports.start({ practiceId: PRACTICE, chatId, requesterId: 'cora' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      exports.start({ practiceId: PRACTICE, chatId: 'nope', requesterId: 'olga' }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('C2: a worker that died mid-export leaves it to the next claim, which starts over and finishes it', async () => {
    const queued = await exports.start({ practiceId: PRACTICE, chatId, requesterId: 'olga' });
    // The first worker claims it, writes a part, and dies: its lease lapses.
    const claimed = await exportsStore.claimNext(h.db.db, 10_000);
    expect(claimed?.export.id).toBe(queued.id);
    await exportsStore.putPart(h.db.db, queued.id, 'json', 0, Buffer.from('half a file'));
    await h.db.db.execute(
      sql`update chat_exports set claimed_until = now() - interval '1 second' where id = ${queued.id}`,
    );
    await expect(
      exports.file({ practiceId: PRACTICE, exportId: queued.id, viewerId: 'olga', format: 'json' }),
    ).rejects.toMatchObject({ code: 'export_not_ready' });

    expect(await worker().runOnce()).toBe(true);
    const done = await exports.get({ practiceId: PRACTICE, exportId: queued.id, viewerId: 'olga' });
    expect(done).toMatchObject({ status: 'ready', messagesDone: 25, messagesTotal: 25 });
    expect(done.counts).toMatchObject({ messages: 25, revisions: 0 });
    const document = await jsonOf(queued.id);
    expect(document.messages.map((message: { body: string }) => message.body)).toEqual(
      Array.from({ length: 25 }, (_, index) => `m${index + 1}`),
    );
  });

  it('C2: an export interrupted three times is failed, not left running', async () => {
    const queued = await exports.start({ practiceId: PRACTICE, chatId, requesterId: 'olga' });
    await h.db.db.execute(
      sql`update chat_exports set status = 'running', attempts = 3, claimed_until = now() - interval '1 second' where id = ${queued.id}`,
    );
    expect(await worker().runOnce()).toBe(true);
    const failed = await exports.get({ practiceId: PRACTICE, exportId: queued.id, viewerId: 'olga' });
    expect(failed).toMatchObject({ status: 'failed', failure: { code: 'export_interrupted' }, files: [] });
    const error = await exports
      .file({ practiceId: PRACTICE, exportId: queued.id, viewerId: 'olga', format: 'pdf' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HuddleError);
    expect((error as HuddleError).code).toBe('export_not_ready');
  });

  it('C2: a running export’s lease keeps other workers off it', async () => {
    const queued = await exports.start({ practiceId: PRACTICE, chatId, requesterId: 'olga' });
    expect((await exportsStore.claimNext(h.db.db, 10_000))?.export.id).toBe(queued.id);
    expect(await exportsStore.claimNext(h.db.db, 10_000)).toBeUndefined();
  });
});
