/** setTimeout's longest delay (about 24.8 days): a later deadline is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A socket lives as long as the last token it presented: at that token's
 * expiry `expire` runs, unless `extend` moved the deadline first (the client
 * re-authenticated on the socket).
 */
export class TokenDeadline {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private expiresAt: number,
    private readonly expire: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.arm();
  }

  extend(expiresAt: number): void {
    this.expiresAt = expiresAt;
    this.arm();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    clearTimeout(this.timer);
    const left = this.expiresAt - this.now();
    if (left <= 0) {
      this.expire();
      return;
    }
    this.timer = setTimeout(() => this.arm(), Math.min(left, MAX_TIMER_MS));
  }
}
