import * as hdr from 'hdr-histogram-js';
import { round } from '../procstat';

export interface Percentiles {
  count: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
}

/** An HDR histogram of latencies, recorded in microseconds and read in milliseconds. */
export class Latency {
  private readonly histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  /** Forgets what was recorded (a warm-up's latencies). */
  reset(): void {
    this.histogram.reset();
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentiles(): Percentiles {
    const at = (p: number) => round(this.histogram.getValueAtPercentile(p) / 1000);
    return {
      count: this.histogram.totalCount,
      p50_ms: at(50),
      p99_ms: at(99),
      p999_ms: at(99.9),
      max_ms: round(this.histogram.maxValue / 1000),
    };
  }
}
