import { metrics, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { startTelemetry } from '../../src/index';

describe('startTelemetry without an OTLP endpoint', () => {
  const telemetry = startTelemetry({ serviceName: 'telemetry-test' });
  afterAll(() => telemetry.shutdown());

  it('exposes recorded metrics in the Prometheus text format', async () => {
    const counter = metrics.getMeter('telemetry-test').createCounter('huddle_test_posts', {
      description: 'posts created in this test',
    });
    counter.add(3, { style: 'feed' });

    const text = await telemetry.metricsText();

    expect(text).toContain('# TYPE huddle_test_posts_total counter');
    // Exactly the instrument's labels: no scope labels added by the exporter.
    expect(text).toMatch(/^huddle_test_posts_total\{style="feed"\} 3$/m);
    expect(text).toContain('service_name="telemetry-test"');
  });

  it('records no spans', () => {
    const span = trace.getTracer('telemetry-test').startSpan('post');
    expect(span.isRecording()).toBe(false);
    span.end();
  });

  it('refuses a second start in the same process', () => {
    expect(() => startTelemetry({ serviceName: 'again' })).toThrow(/already started/);
  });
});
