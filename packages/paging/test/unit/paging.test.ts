import { HuddleError } from '@huddle/errors';
import { describe, expect, it } from 'vitest';
import {
  idCursor,
  pageLimit,
  pinnedTimeCursor,
  rankCursor,
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

  it('X3: (rank, id) cursors round-trip with the rank exactly as the database printed it', () => {
    for (const rank of ['0.0607927', '1e-20', '1.5e-05', '0', '12.25']) {
      expect(rankCursor.decode(rankCursor.encode(rank, 'm-1'))).toEqual({ rank, id: 'm-1' });
    }
    expect(() => rankCursor.decode(rankCursor.encode("0'; drop table", 'm-1'))).toThrow(HuddleError);
  });

  it('a forged cursor is a 400, whichever kind', () => {
    const kinds = [
      seqCursor.decode,
      timeCursor.decode,
      idCursor.decode,
      seqIdCursor.decode,
      pinnedTimeCursor.decode,
      rankCursor.decode,
    ];
    for (const decode of kinds) {
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
