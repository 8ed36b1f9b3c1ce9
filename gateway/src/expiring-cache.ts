/**
 * A small cache of loads by key, each kept for a short time: concurrent
 * callers of one key share one load, a failed load is not kept, the oldest
 * keys go first beyond `maxEntries`, and `forget` drops a key so that the
 * next caller loads anew. An entry is put in place when its load *starts*, so
 * a load begun before a `forget` is never kept after it: what was cached
 * before a change cannot come back once the change is known.
 */
export interface ExpiringCache<T> {
  get(key: string, load: () => Promise<T>, options?: { fresh?: boolean }): Promise<T>;
  forget(key: string): void;
}

export function expiringCache<T>({
  ttlMs,
  maxEntries,
  now = Date.now,
}: {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}): ExpiringCache<T> {
  const entries = new Map<string, { expiresAt: number; value: Promise<T> }>();
  return {
    get(key, load, { fresh = false } = {}) {
      const cached = entries.get(key);
      if (cached && !fresh && cached.expiresAt > now()) return cached.value;
      const loading = load();
      entries.delete(key);
      entries.set(key, { expiresAt: now() + ttlMs, value: loading });
      // A failed load must not be served to the next caller.
      loading.catch(() => {
        if (entries.get(key)?.value === loading) entries.delete(key);
      });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      return loading;
    },
    forget(key) {
      entries.delete(key);
    },
  };
}
