import { describe, expect, it } from 'vitest';
import { type Level, levelAt, realtimeTypeOf, recipientsOf } from '../../src/domain/notify';

const levels = (map: Record<string, Level>) => (personId: string) => map[personId] ?? 'all';

describe('N1: who is notified of a new message', () => {
  it('everyone but the author, at the default level', () => {
    expect(recipientsOf({ authorId: 'a', mentions: [] }, ['a', 'b', 'c'], levels({}))).toEqual([
      { personId: 'b', type: 'message' },
      { personId: 'c', type: 'message' },
    ]);
  });

  it('`mentions` and `none` stay silent for plain posts', () => {
    expect(
      recipientsOf({ authorId: 'a', mentions: [] }, ['a', 'b', 'c'], levels({ b: 'mentions', c: 'none' })),
    ).toEqual([]);
  });

  it('G9: a mention always notifies, even when the chat is muted', () => {
    expect(
      recipientsOf(
        { authorId: 'a', mentions: ['b', 'c'] },
        ['a', 'b', 'c'],
        levels({ b: 'mentions', c: 'none' }),
      ),
    ).toEqual([
      { personId: 'b', type: 'mention' },
      { personId: 'c', type: 'mention' },
    ]);
  });

  it('authors are never notified of their own message, mentioned or not; non-participants never', () => {
    expect(recipientsOf({ authorId: 'a', mentions: ['a', 'x'] }, ['a'], levels({}))).toEqual([]);
  });

  it('a message with no author (unlinked) notifies everyone per level', () => {
    expect(recipientsOf({ authorId: null, mentions: [] }, ['a'], levels({}))).toEqual([
      { personId: 'a', type: 'message' },
    ]);
  });

  it('realtime types drop the service and version', () => {
    expect(realtimeTypeOf('chat.v1.message.created')).toBe('message.created');
    expect(realtimeTypeOf('chat.v1.read_marker.moved')).toBe('read_marker.moved');
  });
});

describe('X4: a mute until a time', () => {
  const at = new Date('2026-03-01T12:00:00Z');
  const later = new Date('2026-03-01T13:00:00Z');
  const earlier = new Date('2026-03-01T11:00:00Z');

  it('X4: lets only mentions notify while it lasts', () => {
    expect(levelAt('all', later, at)).toBe('mentions');
    const muted = (personId: string) => levelAt('all', personId === 'b' ? later : null, at);
    expect(recipientsOf({ authorId: 'a', mentions: [] }, ['a', 'b', 'c'], muted)).toEqual([
      { personId: 'c', type: 'message' },
    ]);
    // G9: a mention still notifies the muted.
    expect(recipientsOf({ authorId: 'a', mentions: ['b'] }, ['a', 'b'], muted)).toEqual([
      { personId: 'b', type: 'mention' },
    ]);
  });

  it('X4: runs out by itself once its time has passed', () => {
    expect(levelAt('all', earlier, at)).toBe('all');
    expect(levelAt('all', at, at)).toBe('all');
  });

  it('X4: never makes a quieter level louder', () => {
    expect(levelAt('none', later, at)).toBe('none');
    expect(levelAt('mentions', null, at)).toBe('mentions');
  });
});
