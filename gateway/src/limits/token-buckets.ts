/**
 * Token buckets by key, in this process's memory: each key may spend `perMinute`
 * units a minute, and up to `burst` at once after a quiet spell. State is per
 * gateway process — behind N gateways a caller may spend up to N times the
 * budget — and forgotten when the process stops (gateway README, "Limits").
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;
  /** At least 1, so the smallest budget still lets one request through. */
  readonly burst: number;
  private sweptAt = 0;

  constructor(perMinute: number, burstSeconds: number) {
    this.perMs = perMinute / 60_000;
    this.burst = Math.max(1, (perMinute * burstSeconds) / 60);
  }

  /** Tokens `key` holds at `now` (a key never seen, or quiet long enough, holds a full bucket). */
  available(key: string, now: number): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.burst;
    return Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
  }

  /** How long until `key` holds `cost` tokens (0: now). A cost above the burst is charged as the burst. */
  waitMs(key: string, cost: number, now: number): number {
    const missing = Math.min(cost, this.burst) - this.available(key, now);
    return missing <= 0 ? 0 : Math.ceil(missing / this.perMs);
  }

  /** Spends `cost` (at most the burst); call after `waitMs` said 0. */
  take(key: string, cost: number, now: number): void {
    this.sweep(now);
    this.buckets.set(key, { tokens: this.available(key, now) - Math.min(cost, this.burst), at: now });
  }

  /** Keys that have refilled hold nothing worth keeping: forgotten, so memory follows active callers only. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 10_000) return;
    this.sweptAt = now;
    for (const key of this.buckets.keys()) {
      if (this.available(key, now) >= this.burst) this.buckets.delete(key);
    }
  }

  /** Keys held (for tests of the sweep). */
  get size(): number {
    return this.buckets.size;
  }
}
