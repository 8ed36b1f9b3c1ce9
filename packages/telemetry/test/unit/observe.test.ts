import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  activeTraceCarrier,
  continueTrace,
  inSpan,
  metricsText,
  routeActiveSpan,
  SpanKind,
  serveMetrics,
  startTelemetry,
} from '../../src/index';

// One SDK per process: this file has its own (vitest runs each file in its own process).
const spans = new InMemorySpanExporter();
const telemetry = startTelemetry({
  serviceName: 'observe-test',
  spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
});
/** The spans ended so far, once there are `count` (export waits for the process's resource attributes). */
const finished = (count: number) =>
  vi.waitFor(() => {
    const ended = spans.getFinishedSpans();
    expect(ended).toHaveLength(count);
    return ended;
  });
afterAll(() => telemetry.shutdown());

describe('trace context across a message', () => {
  it('a carrier taken in one span continues its trace elsewhere, and is empty outside a trace', async () => {
    expect(activeTraceCarrier()).toEqual({});
    const carrier = await inSpan('publish', { kind: SpanKind.PRODUCER }, async () => activeTraceCarrier());
    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);

    const headers = new Map(Object.entries(carrier));
    await continueTrace({ get: (key) => headers.get(key) }, () =>
      inSpan('process', { kind: SpanKind.CONSUMER }, async () => undefined),
    );

    const [publish, process] = await finished(2);
    expect(process?.spanContext().traceId).toBe(publish?.spanContext().traceId);
    expect(process?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
  });

  it('a failed span says which error class, never its message (messages can quote data)', async () => {
    spans.reset();
    class Refused extends Error {
      override name = 'Refused';
    }
    await expect(
      inSpan('work', { kind: SpanKind.INTERNAL }, async () => {
        throw new Refused('Dana Smith may not see this');
      }),
    ).rejects.toThrow(Refused);
    expect((await finished(1))[0]?.status).toEqual({ code: 2, message: 'Refused' });
  });
});

describe('server spans keep route templates only', () => {
  it('a raw path with ids and a query become the route template', async () => {
    spans.reset();
    await inSpan(
      'GET',
      {
        kind: SpanKind.SERVER,
        attributes: { 'url.path': '/v1/chats/chat-123/messages', 'url.query': 'access_token=abc' },
      },
      async () => routeActiveSpan('GET', '/v1/chats/:chatId/messages'),
    );
    const [span] = await finished(1);
    expect(span?.name).toBe('GET /v1/chats/:chatId/messages');
    expect(span?.attributes).toEqual({
      'url.path': '/v1/chats/:chatId/messages',
      'http.route': '/v1/chats/:chatId/messages',
    });
  });

  it('a server span no route matched keeps no path at all', async () => {
    spans.reset();
    await inSpan('GET', { kind: SpanKind.SERVER, attributes: { 'url.path': '/person-42' } }, async () => {});
    expect((await finished(1))[0]?.attributes).toEqual({ 'url.path': 'unmatched' });
  });
});

describe('serveMetrics', () => {
  it('serves the process metrics at /metrics, with event-loop gauges, and nothing else', async () => {
    const server = await serveMetrics({ host: '127.0.0.1', port: 0, metricsText });
    try {
      const metrics = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await metrics.text();
      expect(text).toContain('service_name="observe-test"');
      expect(text).toMatch(/^huddle_event_loop_utilization [\d.e-]+$/m);
      expect((await fetch(`http://127.0.0.1:${server.port}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(`http://127.0.0.1:${server.port}/metrics`)).rejects.toThrow();
  });
});
