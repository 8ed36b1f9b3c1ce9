import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { type Meter, metrics } from '@opentelemetry/api';

/**
 * Huddle's meter. Instruments are named exactly as Prometheus exposes them
 * (`huddle_..._seconds`, `..._total`): the exporter adds no unit suffix, so
 * the name on /metrics is the name given here. Create instruments after
 * telemetry has started (when a component is built, not at import): before
 * that the global meter is a no-op.
 */
export const huddleMeter = (): Meter => metrics.getMeter('huddle');

/** Histogram buckets for durations in seconds, from a fast cache hit to a slow call. */
export const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A histogram of durations in seconds with buckets that suit them. */
export function secondsHistogram(name: string, description: string) {
  return huddleMeter().createHistogram(name, {
    description,
    unit: 's',
    advice: { explicitBucketBoundaries: SECONDS_BUCKETS },
  });
}

/**
 * Event-loop health of the process, measured between two scrapes: the 99th
 * percentile of the loop's delay and the share of time it was busy.
 */
export function observeEventLoop(): void {
  const meter = huddleMeter();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let last = performance.eventLoopUtilization();
  meter
    .createObservableGauge('huddle_event_loop_delay_p99_seconds', {
      description: '99th percentile of the event loop delay since the previous scrape',
      unit: 's',
    })
    .addCallback((result) => {
      // Before the first sample the histogram holds nothing (and reports a huge minimum).
      if (delay.count > 0) result.observe(delay.percentile(99) / 1e9);
      delay.reset();
    });
  meter
    .createObservableGauge('huddle_event_loop_utilization', {
      description: 'Share of time the event loop was busy since the previous scrape (0 to 1)',
    })
    .addCallback((result) => {
      const now = performance.eventLoopUtilization();
      result.observe(performance.eventLoopUtilization(now, last).utilization);
      last = now;
    });
}
