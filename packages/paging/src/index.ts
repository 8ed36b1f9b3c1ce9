import { invalid } from '@huddle/errors';

/**
 * Keyset pages (never OFFSET): a page ends with a cursor naming where the next
 * one starts. Cursors are opaque to clients; a forged or stale-format one is a
 * 400, not a crash.
 */

/** `limit` 0 (unset over gRPC) means the default; anything outside 1..max is refused. */
export function pageLimit(limit: number, fallback: number, max: number): number {
  const value = limit === 0 ? fallback : limit;
  if (!Number.isInteger(value) || value < 1 || value > max) throw invalid(`limit must be 1-${max}`);
  return value;
}

/** A cursor on a sequence number (messages of a chat). */
export const seqCursor = {
  encode: (seq: number) => Buffer.from(`s:${seq}`).toString('base64url'),
  decode(cursor: string): number {
    const match = /^s:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
    if (!match) throw invalid('cursor is not valid');
    return Number(match[1]);
  },
};

/** A cursor on an id, for lists ordered by id (a chat's participants). */
export const idCursor = {
  encode: (id: string) => Buffer.from(`i:${id}`).toString('base64url'),
  decode(cursor: string): string {
    const match = /^i:([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
    if (!match) throw invalid('cursor is not valid');
    return match[1]!;
  },
};

/** A cursor on (seq, id), for things of messages listed newest message first, id as tie-break. */
export const seqIdCursor = {
  encode: (seq: number, id: string) => Buffer.from(`q:${seq}|${id}`).toString('base64url'),
  decode(cursor: string): { seq: number; id: string } {
    const match = /^q:(\d{1,15})\|([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString());
    if (!match) throw invalid('cursor is not valid');
    return { seq: Number(match[1]), id: match[2]! };
  },
};

/** A cursor on (time, id), for lists ordered newest first with id as tie-break. */
export const timeCursor = {
  encode: (at: Date, id: string) => Buffer.from(`t:${at.toISOString()}|${id}`).toString('base64url'),
  decode(cursor: string): { at: Date; id: string } {
    const match = /^t:([^|]{10,40})\|([A-Za-z0-9_-]{1,64})$/.exec(
      Buffer.from(cursor, 'base64url').toString(),
    );
    const at = match ? new Date(match[1]!) : new Date(Number.NaN);
    if (!match || Number.isNaN(at.getTime())) throw invalid('cursor is not valid');
    return { at, id: match[2]! };
  },
};

/**
 * A cursor on (pinned, time, id), for lists with pinned items first and each part newest
 * first, id as tie-break (X4: a person's chat list).
 */
export const pinnedTimeCursor = {
  encode: (pinned: boolean, at: Date, id: string) =>
    Buffer.from(`p:${pinned ? 1 : 0}|${at.toISOString()}|${id}`).toString('base64url'),
  decode(cursor: string): { pinned: boolean; at: Date; id: string } {
    const match = /^p:([01])\|([^|]{10,40})\|([A-Za-z0-9_-]{1,64})$/.exec(
      Buffer.from(cursor, 'base64url').toString(),
    );
    const at = match ? new Date(match[2]!) : new Date(Number.NaN);
    if (!match || Number.isNaN(at.getTime())) throw invalid('cursor is not valid');
    return { pinned: match[1] === '1', at, id: match[3]! };
  },
};

/**
 * A cursor on (rank, id), for search hits best first (X3): the rank as the database printed
 * it (a `real`), so the next page compares with exactly the value it ended on.
 */
export const rankCursor = {
  encode: (rank: string, id: string) => Buffer.from(`r:${rank}|${id}`).toString('base64url'),
  decode(cursor: string): { rank: string; id: string } {
    const match = /^r:(\d{1,10}(?:\.\d{1,12})?(?:e[+-]?\d{1,3})?)\|([A-Za-z0-9_-]{1,64})$/.exec(
      Buffer.from(cursor, 'base64url').toString(),
    );
    if (!match) throw invalid('cursor is not valid');
    return { rank: match[1]!, id: match[2]! };
  },
};

/** Splits a page fetched with one extra row into the page and whether more follow. */
export function splitPage<T>(rows: T[], limit: number): { page: T[]; more: boolean } {
  return { page: rows.slice(0, limit), more: rows.length > limit };
}
