import { describe, expect, it } from 'vitest';
import { type Level, realtimeTypeOf, recipientsOf } from '../../src/domain/notify';

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
