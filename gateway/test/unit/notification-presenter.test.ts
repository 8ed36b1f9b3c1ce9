import { describe, expect, it } from 'vitest';
import type { ChatContext, Viewer } from '../../src/presenter';
import {
  presentNotification,
  SNIPPET_MAX,
  type StoredNotification,
  snippetOf,
} from '../../src/presenter/notifications';
import { chat, groupParticipants, message, people } from './support';

const directory = new Map(Object.values(people).map((p) => [p.id, p]));
const context = (hideClientIdentities = false): ChatContext => ({
  chat: chat({ hideClientIdentities }),
  participants: groupParticipants,
  people: directory,
});
const eli: Viewer = { personId: 'eli', kind: 'client' };
const olivia: Viewer = { personId: 'olivia', kind: 'practitioner' };

const stored = (overrides: Partial<StoredNotification> = {}): StoredNotification => ({
  id: 'n1',
  type: 'message',
  chatId: 'chat1',
  messageId: 'm1',
  createdAt: '2025-01-02T03:04:05.000Z',
  readAt: null,
  actorId: null,
  ...overrides,
});

describe('X6 snippet', () => {
  it('X6: short text stays whole, on one line', () => {
    expect(snippetOf('  Hello\n\nall  ')).toBe('Hello all');
    expect(snippetOf('   ')).toBeNull();
  });

  it('X6: long text is cut to at most 140 characters, ellipsis included', () => {
    const snippet = snippetOf('word '.repeat(100))!;
    expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX);
    expect(snippet.endsWith('…')).toBe(true);
  });

  it('X6: the cut never splits a grapheme (emoji sequences, accents)', () => {
    const family = '👨‍👩‍👧‍👦';
    for (const pad of [0, 1, 2, 3, 5, 8, 11]) {
      const text = `${'a'.repeat(pad)}${`${family}e\u0301`.repeat(40)}`;
      const snippet = snippetOf(text)!;
      expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX);
      const body = snippet.slice(0, -1);
      expect(text.startsWith(body)).toBe(true);
      // What follows the cut starts a new grapheme: the family emoji or "e" + combining accent whole.
      const rest = text.slice(body.length);
      expect(rest.startsWith(family) || rest.startsWith('e\u0301')).toBe(true);
    }
  });
});

describe('X6 inbox items', () => {
  const messages = new Map([['m1', message({ authorId: 'dana', body: 'See you at 7' })]]);

  it('X6: carry the chat, the actor and a snippet for a participant', () => {
    expect(presentNotification(stored(), { viewer: olivia, context: context(), messages })).toMatchObject({
      chat: { id: 'chat1', title: 'Morning walkers' },
      actor: { id: 'dana', name: 'Dana Smith' },
      snippet: 'See you at 7',
    });
  });

  it('G5: a client of an identity-hiding group sees another client by pseudonym only', () => {
    const item = presentNotification(stored(), { viewer: eli, context: context(true), messages });
    expect(item.actor).toEqual({ id: null, name: 'Member 3', photoUrl: null, kind: 'client' });
    expect(JSON.stringify(item)).not.toMatch(/dana|Smith/i);
  });

  it('P2: an unlinked author is a former participant', () => {
    const unlinked = new Map([['m1', message({ authorId: undefined })]]);
    const item = presentNotification(stored(), { viewer: olivia, context: context(), messages: unlinked });
    expect(item.actor).toMatchObject({ id: null, name: 'Former participant' });
  });

  it('X6: a deleted message, or one gone, has no snippet', () => {
    const tombstone = new Map([['m1', message({ deletedAt: new Date(), body: '' })]]);
    expect(
      presentNotification(stored(), { viewer: olivia, context: context(), messages: tombstone }).snippet,
    ).toBeNull();
    const gone = presentNotification(stored(), { viewer: olivia, context: context(), messages: new Map() });
    expect(gone).toMatchObject({ actor: null, snippet: null });
  });

  it('P4: someone no longer in the chat sees ids only', () => {
    expect(presentNotification(stored(), undefined)).toMatchObject({
      chat: { id: 'chat1', title: null, avatar: null },
      actor: null,
      snippet: null,
    });
  });

  it('X6: an added notification names who added, while they take part', () => {
    const added = stored({ type: 'added', messageId: null, actorId: 'olivia' });
    expect(
      presentNotification(added, { viewer: eli, context: context(), messages: new Map() }).actor,
    ).toMatchObject({
      id: 'olivia',
      name: 'Olivia Owens',
    });
    const byProgram = stored({ type: 'added', messageId: null, actorId: 'svc:programs' });
    expect(
      presentNotification(byProgram, { viewer: eli, context: context(), messages: new Map() }).actor,
    ).toBeNull();
  });
});
