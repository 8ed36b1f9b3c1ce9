import { HuddleError } from '@huddle/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PINNED } from '../../src/app/messages';
import { type ChatHarness, chatHarness, feedGroup, PRACTICE, post } from './harness';

/** The error code a use-case rejected with. */
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof HuddleError ? error.code : error),
  );

describe('chat messages on PostgreSQL (medium: use-cases, store and outbox, no gateway)', () => {
  let h: ChatHarness;
  let owner: string;
  let team: string;
  let client: string;
  let otherClient: string;
  let outsider: string;

  beforeAll(async () => {
    h = await chatHarness('messages');
    owner = h.person('olga', 'practitioner');
    team = h.person('tom', 'practitioner');
    client = h.person('cleo', 'client');
    otherClient = h.person('carl', 'client');
    outsider = h.person('otto', 'practitioner');
  });
  afterAll(() => h?.close());

  describe('posting with an Idempotency-Key', () => {
    it('the same key and body answer the message the first post created, once', async () => {
      const chat = await feedGroup(h, owner, [client]);
      const first = await h.messages.post(post(chat.id, client, 'hello', { idempotencyKey: 'k1' }));
      const again = await h.messages.post(post(chat.id, client, 'hello', { idempotencyKey: 'k1' }));

      expect(first.created).toBe(true);
      expect(again).toMatchObject({ message: first.message, created: false, chat: { id: chat.id } });
      const listed = await h.messages.list({
        chatId: chat.id,
        practiceId: PRACTICE,
        viewerId: client,
        cursor: '',
        limit: 50,
      });
      expect(listed.messages.map((m) => m.id)).toEqual([first.message.id]);
      const created = await h.events('chat.v1.message.created');
      expect(created.filter((e) => e.data.message.chatId === chat.id)).toHaveLength(1);
    });

    it('concurrent posts with one key create one message', async () => {
      const chat = await feedGroup(h, owner, [client]);
      const results = await Promise.all(
        [1, 2, 3].map(() => h.messages.post(post(chat.id, client, 'once', { idempotencyKey: 'race' }))),
      );
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });

    it('the same key with a different body is refused (422 idempotency_key_reused)', async () => {
      const chat = await feedGroup(h, owner, [client]);
      await h.messages.post(post(chat.id, client, 'first', { idempotencyKey: 'k2' }));
      expect(await codeOf(h.messages.post(post(chat.id, client, 'second', { idempotencyKey: 'k2' })))).toBe(
        'idempotency_key_reused',
      );
      // A key is the author's own: someone else may use the same one.
      const other = await h.messages.post(post(chat.id, owner, 'second', { idempotencyKey: 'k2' }));
      expect(other.created).toBe(true);
    });
  });

  describe('G6: a locked chat', () => {
    it('changes only by its owner; reading and read markers go on', async () => {
      const chat = await feedGroup(h, owner, [team, client]);
      const { message: mine } = await h.messages.post(post(chat.id, client, 'before the lock'));
      await h.chats.update({
        chatId: chat.id,
        practiceId: PRACTICE,
        actorId: owner,
        changes: { locked: true },
      });

      expect(await codeOf(h.messages.post(post(chat.id, client, 'after')))).toBe('chat_locked');
      expect(await codeOf(h.messages.post(post(chat.id, team, 'after')))).toBe('chat_locked');
      const edit = {
        chatId: chat.id,
        practiceId: PRACTICE,
        messageId: mine.id,
        body: 'x',
        attachmentIds: [],
        keepAttachments: true,
      };
      expect(await codeOf(h.messages.edit({ ...edit, editorId: client }))).toBe('chat_locked');
      expect(
        await codeOf(
          h.messages.delete({ chatId: chat.id, practiceId: PRACTICE, actorId: client, messageId: mine.id }),
        ),
      ).toBe('chat_locked');
      expect(
        await codeOf(
          h.messages.pin({
            chatId: chat.id,
            practiceId: PRACTICE,
            actorId: team,
            messageId: mine.id,
            pinned: true,
          }),
        ),
      ).toBe('chat_locked');

      const ownerPost = await h.messages.post(post(chat.id, owner, 'owner still posts'));
      expect(ownerPost.created).toBe(true);
      await h.messages.pin({
        chatId: chat.id,
        practiceId: PRACTICE,
        actorId: owner,
        messageId: mine.id,
        pinned: true,
      });
      const read = await h.chats.markRead({
        chatId: chat.id,
        practiceId: PRACTICE,
        personId: client,
        seq: ownerPost.message.seq,
        unread: false,
      });
      expect(read.readSeq).toBe(ownerPost.message.seq);
      const listed = await h.messages.list({
        chatId: chat.id,
        practiceId: PRACTICE,
        viewerId: client,
        cursor: '',
        limit: 50,
      });
      expect(listed.pinned.map((m) => m.id)).toEqual([mine.id]);
    });
  });

  describe('G9: mentions', () => {
    it('name current participants only', async () => {
      const chat = await feedGroup(h, owner, [team, client]);
      const ok = await h.messages.post(post(chat.id, client, 'hi', { mentions: [team, owner] }));
      expect(ok.message.mentions).toEqual([team, owner]);
      expect(await codeOf(h.messages.post(post(chat.id, client, 'hi', { mentions: [outsider] })))).toBe(
        'validation_failed',
      );
    });

    it('a client of an identity-hiding group mentions team members only, and a hidden client reads as a stranger', async () => {
      const chat = await feedGroup(h, owner, [team, client, otherClient], { hideClientIdentities: true });
      await h.messages.post(post(chat.id, client, 'hi', { mentions: [team] }));
      const hidden = h.messages.post(post(chat.id, client, 'hi', { mentions: [otherClient] }));
      const stranger = h.messages.post(post(chat.id, client, 'hi', { mentions: [outsider] }));
      const [hiddenError, strangerError] = await Promise.all([
        hidden.catch((e) => e),
        stranger.catch((e) => e),
      ]);
      expect(hiddenError).toBeInstanceOf(HuddleError);
      expect(hiddenError.code).toBe('validation_failed');
      // A1: the same answer either way.
      expect(hiddenError.message).toBe(strangerError.message);
      // The team sees every client and mentions them.
      await h.messages.post(post(chat.id, team, 'hi', { mentions: [otherClient] }));
    });
  });

  describe('G8: edits', () => {
    it('the author edits; each edit keeps the earlier text as a revision that team members read', async () => {
      const chat = await feedGroup(h, owner, [team, client]);
      const { message } = await h.messages.post(post(chat.id, client, 'v1'));
      const edit = (body: string, editorId = client) =>
        h.messages.edit({
          chatId: chat.id,
          practiceId: PRACTICE,
          editorId,
          messageId: message.id,
          body,
          attachmentIds: [],
          keepAttachments: true,
        });

      const edited = await edit('v2');
      await edit('v3');
      expect(edited.body).toBe('v2');
      expect(edited.editedAt).not.toBeNull();
      // An edit that changes nothing is no revision.
      await edit('v3');

      const revisions = await h.messages.revisions({
        chatId: chat.id,
        practiceId: PRACTICE,
        viewerId: team,
        messageId: message.id,
      });
      expect(revisions.map((r) => [r.number, r.body])).toEqual([
        [1, 'v1'],
        [2, 'v2'],
      ]);
      expect(
        await codeOf(
          h.messages.revisions({
            chatId: chat.id,
            practiceId: PRACTICE,
            viewerId: client,
            messageId: message.id,
          }),
        ),
      ).toBe('forbidden');
      expect(await codeOf(edit('not mine', team))).toBe('forbidden');

      const updated = (await h.events('chat.v1.message.updated')).filter(
        (e) => e.data.message.id === message.id,
      );
      expect(updated.map((e) => e.data.message.body)).toEqual(['v2', 'v3']);

      // A deleted message loses its revisions with its content.
      await h.messages.delete({
        chatId: chat.id,
        practiceId: PRACTICE,
        actorId: client,
        messageId: message.id,
      });
      expect(
        await codeOf(
          h.messages.revisions({
            chatId: chat.id,
            practiceId: PRACTICE,
            viewerId: team,
            messageId: message.id,
          }),
        ),
      ).toBe('not_found');
    });
  });

  describe('G7: pins', () => {
    it(`team members pin top-level posts, at most ${MAX_PINNED} per chat`, async () => {
      const chat = await feedGroup(h, owner, [team, client]);
      const posts = [];
      for (let n = 0; n <= MAX_PINNED; n++)
        posts.push((await h.messages.post(post(chat.id, team, `post ${n}`))).message);
      const pin = (messageId: string, pinned = true, actorId = team) =>
        h.messages.pin({ chatId: chat.id, practiceId: PRACTICE, actorId, messageId, pinned });

      // Concurrent pins still stop at the limit: the chat row's lock orders them.
      const results = await Promise.all(posts.map((p) => codeOf(pin(p.id))));
      expect(results.filter((r) => r === 'resolved')).toHaveLength(MAX_PINNED);
      expect(results.filter((r) => r === 'pin_limit_reached')).toHaveLength(1);

      const unpinned = posts[results.indexOf('pin_limit_reached')]!;
      const first = posts.find((p) => p.id !== unpinned.id)!;
      await pin(first.id, false);
      await pin(unpinned.id);
      const listed = await h.messages.list({
        chatId: chat.id,
        practiceId: PRACTICE,
        viewerId: client,
        cursor: '',
        limit: 50,
      });
      expect(listed.pinned).toHaveLength(MAX_PINNED);
      expect(listed.pinned.map((m) => m.id)).toContain(unpinned.id);
      expect(listed.pinned.map((m) => m.id)).not.toContain(first.id);

      expect(await codeOf(pin(first.id, true, client))).toBe('forbidden');
      const reply = await h.messages.post(post(chat.id, client, 'a reply', { parentId: first.id }));
      expect(await codeOf(pin(reply.message.id, true, owner))).toBe('validation_failed');
    });
  });
});
