import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import {
  idCursor,
  pageLimit,
  pinnedTimeCursor,
  seqCursor,
  seqIdCursor,
  splitPage,
  timeCursor,
} from '../../src';

describe('keyset paging', () => {
  it('cursors round-trip', () => {
    expect(seqCursor.decode(seqCursor.encode(42))).toBe(42);
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(timeCursor.decode(timeCursor.encode(at, 'abc-1'))).toEqual({ at, id: 'abc-1' });
  });

  it('X5: id and (seq, id) cursors round-trip', () => {
    expect(idCursor.decode(idCursor.encode('person_1'))).toBe('person_1');
    expect(seqIdCursor.decode(seqIdCursor.encode(42, 'file-9'))).toEqual({ seq: 42, id: 'file-9' });
  });

  it('X4: (pinned, time, id) cursors round-trip', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(pinnedTimeCursor.decode(pinnedTimeCursor.encode(true, at, 'c-1'))).toEqual({
      pinned: true,
      at,
      id: 'c-1',
    });
    expect(pinnedTimeCursor.decode(pinnedTimeCursor.encode(false, at, 'c-1')).pinned).toBe(false);
  });

  it('a forged cursor is a 400, whichever kind', () => {
    for (const decode of [
      seqCursor.decode,
      timeCursor.decode,
      idCursor.decode,
      seqIdCursor.decode,
      pinnedTimeCursor.decode,
    ]) {
      expect(() => decode('bm9wZQ')).toThrow(HuddleError);
      expect(() => decode(timeCursor.encode(new Date(), 'x').slice(0, 5))).toThrow(HuddleError);
    }
    expect(() => timeCursor.decode(Buffer.from('t:not a date|x').toString('base64url'))).toThrow(HuddleError);
  });

  it('limits default when unset and refuse what is out of range', () => {
    expect(pageLimit(0, 50, 200)).toBe(50);
    expect(pageLimit(200, 50, 200)).toBe(200);
    expect(() => pageLimit(201, 50, 200)).toThrow(HuddleError);
    expect(() => pageLimit(-1, 50, 200)).toThrow(HuddleError);
  });

  it('splits the extra row off a page', () => {
    expect(splitPage([1, 2, 3], 2)).toEqual({ page: [1, 2], more: true });
    expect(splitPage([1, 2], 2)).toEqual({ page: [1, 2], more: false });
  });
});
