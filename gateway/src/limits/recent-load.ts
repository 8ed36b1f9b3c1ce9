/**
 * How much each practice asked of this gateway lately: the cost of its requests,
 * decaying with a half-life of a few seconds. Load shedding reads it to refuse
 * the practices above their fair share, not whoever comes next. Per process.
 */
export class RecentLoad {
  private readonly loads = new Map<string, { load: number; at: number }>();
  private total = 0;
  private totalAt = 0;
  private sweptAt = 0;

  constructor(private readonly halfLifeMs = 2_000) {}

  private decayed(value: number, since: number, now: number): number {
    return value * 2 ** (-(now - since) / this.halfLifeMs);
  }

  add(key: string, cost: number, now: number): void {
    this.sweep(now);
    this.loads.set(key, { load: this.of(key, now) + cost, at: now });
    this.total = this.decayed(this.total, this.totalAt, now) + cost;
    this.totalAt = now;
  }

  of(key: string, now: number): number {
    const entry = this.loads.get(key);
    return entry ? this.decayed(entry.load, entry.at, now) : 0;
  }

  /**
   * Whether `key` asks at least an even share of the recent load among the keys
   * that asked anything lately. The heaviest key always does, so under pressure
   * someone is refused; a light key never is while a heavier one is about.
   */
  aboveFairShare(key: string, now: number): boolean {
    const total = this.decayed(this.total, this.totalAt, now);
    const active = Math.max(1, this.loads.size);
    return this.of(key, now) >= total / active;
  }

  /** Keys whose load decayed to nothing are dropped, so the share is among those active now. */
  private sweep(now: number): void {
    if (now - this.sweptAt < 1_000) return;
    this.sweptAt = now;
    for (const key of this.loads.keys()) if (this.of(key, now) < 0.05) this.loads.delete(key);
  }
}
