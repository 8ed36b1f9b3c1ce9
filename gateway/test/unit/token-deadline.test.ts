import { afterEach, describe, expect, it, vi } from 'vitest';
import { TokenDeadline } from '../../src/realtime/token-deadline';

describe('a socket lives as long as the last token it presented', () => {
  afterEach(() => vi.useRealTimers());

  it('expires at the deadline, or at the later one a newer token set', () => {
    vi.useFakeTimers({ now: 0 });
    const expire = vi.fn();
    const deadline = new TokenDeadline(1_000, expire);
    vi.advanceTimersByTime(999);
    expect(expire).not.toHaveBeenCalled();
    deadline.extend(5_000);
    vi.advanceTimersByTime(3_000);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_001);
    expect(expire).toHaveBeenCalledTimes(1);
  });

  it('a token already expired ends it at once; a cancelled deadline never fires', () => {
    vi.useFakeTimers({ now: 10_000 });
    const expired = vi.fn();
    new TokenDeadline(9_000, expired);
    expect(expired).toHaveBeenCalledTimes(1);
    const cancelled = vi.fn();
    new TokenDeadline(11_000, cancelled).cancel();
    vi.advanceTimersByTime(5_000);
    expect(cancelled).not.toHaveBeenCalled();
  });

  it('a deadline beyond the longest timer (about 24.8 days) is not reached early', () => {
    vi.useFakeTimers({ now: 0 });
    const expire = vi.fn();
    const thirtyDays = 30 * 24 * 3_600_000;
    new TokenDeadline(thirtyDays, expire);
    vi.advanceTimersByTime(2 ** 31);
    expect(expire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(thirtyDays - 2 ** 31);
    expect(expire).toHaveBeenCalledTimes(1);
  });
});
