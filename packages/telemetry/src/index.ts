import { register } from 'node:module';
import { createNoopMeter, type MeterProvider } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { observeEventLoop } from './metrics';
import { RoutePathsOnly } from './redact';

export { context, type ObservableResult, SpanKind, SpanStatusCode } from '@opentelemetry/api';
export { huddleMeter, SECONDS_BUCKETS, secondsHistogram } from './metrics';
export { type MetricsServer, PROMETHEUS_TEXT, serveMetrics } from './serve';
export {
  activeTraceCarrier,
  contextFrom,
  continueTrace,
  type HeaderSource,
  inSpan,
  routeActiveSpan,
  type SpanOptions,
  type TraceCarrier,
} from './trace';

export interface TelemetryOptions {
  /** `service.name` on every span and metric. */
  serviceName: string;
  /**
   * Base URL of an OTLP/HTTP collector, as in OTEL_EXPORTER_OTLP_ENDPOINT
   * (e.g. `http://otel-collector:4318`); traces go to `<endpoint>/v1/traces`.
   * Without it no span leaves the process.
   */
  otlpEndpoint?: string;
  /** More places for finished spans, e.g. an in-memory exporter in a test. */
  spanProcessors?: SpanProcessor[];
}

export interface Telemetry {
  /** This process's metrics in the Prometheus text format (the same as `metricsText()`). */
  metricsText(): Promise<string>;
  /** Flushes pending spans and stops the SDK; call last on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Query parameters never written to span URLs: the WebSocket takes its bearer
 * token as `?access_token=` (DESIGN.md §4).
 */
const redactedQueryParams = ['access_token', 'token', 'sig', 'signature', 'X-Amz-Signature'];

/**
 * What the instrumentations patch. gRPC is traced by @huddle/grpc itself: the
 * SDK loads `@grpc/grpc-js` (for its OTLP/gRPC exporters) before any hook could patch it.
 */
const instrumentedModules = ['http', 'https', 'pg', 'pg-pool'];

/** Probes and scrapes are not traced: they are frequent and say nothing about a request. */
const untracedPaths = new Set(['/metrics', '/healthz', '/readyz']);

let prometheus: PrometheusExporter | undefined;
const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);

/**
 * Starts OpenTelemetry for this process: HTTP and PostgreSQL spans (gRPC and
 * NATS spans come from @huddle/grpc and @huddle/bus),
 * exported over OTLP/HTTP only when an endpoint is given, and metrics kept in
 * memory for a Prometheus scrape (`metricsText`), with the event-loop gauges
 * every process reports.
 *
 * Instrumentation patches modules as they load, so call this before importing
 * the code that uses `node:http` or `pg`: in an ES module that
 * means starting telemetry first and loading the rest with a dynamic `import()`.
 */
export function startTelemetry({
  serviceName,
  otlpEndpoint,
  spanProcessors = [],
}: TelemetryOptions): Telemetry {
  // One SDK per process: instrumentations and global providers cannot be registered twice.
  if (prometheus) throw new Error('telemetry is already started in this process');

  // ES modules bypass `require`, so they are patched by a loader hook, limited to
  // the modules instrumented here: wrapping every module costs start-up time.
  register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: instrumentedModules } });

  // No HTTP server of its own: the gateway serves /metrics on its port, each service on METRICS_PORT.
  // Scope labels are left out so each metric has exactly its documented labels.
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  prometheus = exporter;
  const exporters = [
    ...(otlpEndpoint
      ? [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: new URL('v1/traces', withSlash(otlpEndpoint)).href }),
          }),
        ]
      : []),
    ...spanProcessors,
  ];

  const sdk = new NodeSDK({
    serviceName,
    // Spans carry only what the instrumentations record by default (method, route,
    // status, peer, parameterised SQL): never bodies, headers or SQL values, which
    // hold PHI and tokens.
    instrumentations: [
      new HttpInstrumentation({
        headersToSpanAttributes: {
          client: { requestHeaders: [], responseHeaders: [] },
          server: { requestHeaders: [], responseHeaders: [] },
        },
        redactedQueryParams,
        redactedQueryParamsServer: redactedQueryParams,
        ignoreIncomingRequestHook: (request) => untracedPaths.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      // Statements are drizzle's parameterised SQL ($1, $2 …); values are never recorded.
      // Only where spans are exported: without them it would record nothing but its
      // metrics, whose per-query attribute hashing cost about 5% of every database
      // process's CPU on the posting path (bench/README.md).
      ...(exporters.length > 0 ? [pgSpansOnly()] : []),
    ],
    metricReaders: [exporter],
    // Without an endpoint or a test's processor there is no tracer provider at all, so
    // nothing falls back to the SDK's environment defaults (an OTLP exporter on
    // localhost, or the console); incoming trace context still flows on.
    // RoutePathsOnly comes first: it rewrites a span before any exporter sees it.
    spanProcessors: exporters.length > 0 ? [new RoutePathsOnly(), ...exporters] : [],
    // Logs go through pino to standard output, not through OpenTelemetry.
    logRecordProcessors: [],
  });
  sdk.start();
  observeEventLoop();

  return { metricsText, shutdown: () => sdk.shutdown() };
}

/**
 * This process's metrics in the Prometheus text exposition format, for a
 * `/metrics` route; empty when telemetry was not started (e.g. in most tests).
 */
export async function metricsText(): Promise<string> {
  if (!prometheus) return '';
  const { resourceMetrics, errors } = await prometheus.collect();
  if (errors.length > 0) throw new AggregateError(errors, 'metrics collection failed');
  return serializer.serialize(resourceMetrics);
}

/**
 * PostgreSQL spans, and none of the instrumentation's metrics (`db_client_*`): nobody
 * reads them (services report their pools themselves), and /metrics stays the same
 * whether traces are exported or not.
 */
function pgSpansOnly(): PgInstrumentation {
  const instrumentation = new PgInstrumentation({
    enhancedDatabaseReporting: false,
    requireParentSpan: true,
  });
  const setMeterProvider = instrumentation.setMeterProvider.bind(instrumentation);
  // The SDK hands every instrumentation its meter provider when it starts.
  instrumentation.setMeterProvider = () => setMeterProvider(noMetrics);
  return instrumentation;
}

const noMetrics: MeterProvider = { getMeter: () => createNoopMeter() };

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
