import { fileURLToPath } from 'node:url';
import { type Database, type DatabaseHandle, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { type FreshDatabase, freshDatabase } from '@huddle/testing';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../../src/domain/message';
import { chatsStore } from '../../src/store/chats';
import { membersStore } from '../../src/store/members';
import { messagesStore } from '../../src/store/messages';
import { reactionsStore } from '../../src/store/reactions';

const migrationsFolder = fileURLToPath(new URL('../../src/store/migrations', import.meta.url));

/** X1 on the chat service's own store and a real PostgreSQL database, nothing else. */
describe('reactions store', () => {
  let database: FreshDatabase;
  let handle: DatabaseHandle;
  let pool: pg.Pool;
  let queries = 0;
  /** The same database, counting the statements it runs. */
  let counted: Database;
  const ids = Array.from({ length: 50 }, (_, n) => `m${n + 1}`);

  beforeAll(async () => {
    database = await freshDatabase('chat-reactions');
    handle = await openDatabase({
      url: database.url,
      dataDir: '',
      migrationsFolder,
      logger: createLogger({ service: 'chat-test', level: 'silent' }),
    });
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const logger = {
      logQuery: () => {
        queries += 1;
      },
    };
    counted = drizzle(pool, { logger }) as unknown as Database;
    const { db } = handle;
    await chatsStore.insert(db, {
      id: 'c1',
      practiceId: 'p1',
      kind: 'group',
      name: 'Walkers',
      avatar: 'leaf',
      style: 'direct',
      clientNaming: 'full',
      hideClientIdentities: false,
      locked: false,
      ownerId: 'olivia',
      programId: null,
      namedAfterClientId: null,
      createdAt: new Date().toISOString(),
    });
    await membersStore.join(db, 'p1', {
      chatId: 'c1',
      personId: 'olivia',
      role: 'owner',
      kind: 'practitioner',
      via: 'created',
      addedBy: 'olivia',
    });
    for (const [n, id] of ids.entries()) {
      const message: Omit<Message, 'seq'> = {
        id,
        chatId: 'c1',
        parentId: null,
        authorId: 'olivia',
        body: `post ${n + 1}`,
        mentions: [],
        attachmentIds: [],
        replyCount: 0,
        pinnedAt: null,
        editedAt: null,
        deletedAt: null,
        createdAt: new Date().toISOString(),
      };
      expect(await messagesStore.post(db, message, 'simple')).toBe(n + 1);
      await reactionsStore.add(db, { messageId: id, emoji: '👍', personId: 'dana' });
      await reactionsStore.add(db, { messageId: id, emoji: '👍', personId: 'eli' });
      if (n % 2 === 0) await reactionsStore.add(db, { messageId: id, emoji: '🎉', personId: 'olivia' });
    }
  });

  afterAll(async () => {
    await pool?.end();
    await handle?.close();
    await database?.drop();
  });

  it("X1: a page of 50 messages gets every message's reactions for its viewer in one grouped query", async () => {
    queries = 0;
    const summaries = await reactionsStore.summaries(counted, ids, 'olivia');
    expect(queries).toBe(1);
    expect(summaries.size).toBe(50);
    expect(summaries.get('m1')).toEqual([
      { emoji: '👍', count: 2, reactedByMe: false },
      { emoji: '🎉', count: 1, reactedByMe: true },
    ]);
    expect(summaries.get('m2')).toEqual([{ emoji: '👍', count: 2, reactedByMe: false }]);
  });

  it('X1: adding twice and removing twice change the store once each', async () => {
    const reactor = { messageId: 'm3', emoji: '🔥', personId: 'dana' };
    expect(await reactionsStore.add(handle.db, reactor)).toBe(true);
    expect(await reactionsStore.add(handle.db, reactor)).toBe(false);
    expect(await reactionsStore.remove(handle.db, reactor)).toBe(true);
    expect(await reactionsStore.remove(handle.db, reactor)).toBe(false);
  });

  it('X1: a tombstone drops its reactions', async () => {
    await messagesStore.tombstone(handle.db, 'm4');
    expect((await reactionsStore.summaries(handle.db, ['m4'], 'dana')).get('m4')).toBeUndefined();
    expect(await reactionsStore.reactors(handle.db, ['m4'])).toEqual([]);
  });
});
