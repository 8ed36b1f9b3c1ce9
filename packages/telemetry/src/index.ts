import { register } from 'node:module';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface TelemetryOptions {
  /** `service.name` on every span and metric. */
  serviceName: string;
  /**
   * Base URL of an OTLP/HTTP collector, as in OTEL_EXPORTER_OTLP_ENDPOINT
   * (e.g. `http://otel-collector:4318`); traces go to `<endpoint>/v1/traces`.
   * Without it no span leaves the process.
   */
  otlpEndpoint?: string;
}

export interface Telemetry {
  /** The current metrics in the Prometheus text exposition format, for a `/metrics` route. */
  metricsText(): Promise<string>;
  /** Flushes pending spans and stops the SDK; call last on shutdown. */
  shutdown(): Promise<void>;
}

/**
 * Query parameters never written to span URLs: the WebSocket takes its bearer
 * token as `?access_token=` (DESIGN.md §4).
 */
const redactedQueryParams = ['access_token', 'token', 'sig', 'signature', 'X-Amz-Signature'];

/** What the HTTP and gRPC instrumentations patch. */
const instrumentedModules = ['http', 'https', '@grpc/grpc-js'];

let started = false;

/**
 * Starts OpenTelemetry for this process: HTTP and gRPC spans, exported over
 * OTLP/HTTP only when an endpoint is given, and metrics kept in memory for a
 * Prometheus scrape.
 *
 * Instrumentation patches modules as they load, so call this before importing
 * the code that uses `node:http` or `@grpc/grpc-js`: in an ES module that means
 * starting telemetry first and loading the rest with a dynamic `import()`.
 */
export function startTelemetry({ serviceName, otlpEndpoint }: TelemetryOptions): Telemetry {
  // One SDK per process: instrumentations and global providers cannot be registered twice.
  if (started) throw new Error('telemetry is already started in this process');
  started = true;

  // ES modules bypass `require`, so they are patched by a loader hook, limited to
  // the modules instrumented here: wrapping every module costs start-up time.
  register('import-in-the-middle/hook.mjs', import.meta.url, { data: { include: instrumentedModules } });

  // No HTTP server of its own: the gateway serves /metrics from metricsText().
  const prometheus = new PrometheusExporter({ preventServerStart: true });
  const serializer = new PrometheusSerializer();

  const sdk = new NodeSDK({
    serviceName,
    // Spans carry only what the instrumentations record by default (method, route,
    // status, peer): never bodies, headers or gRPC metadata, which hold PHI and tokens.
    instrumentations: [
      new HttpInstrumentation({
        headersToSpanAttributes: {
          client: { requestHeaders: [], responseHeaders: [] },
          server: { requestHeaders: [], responseHeaders: [] },
        },
        redactedQueryParams,
        redactedQueryParamsServer: redactedQueryParams,
      }),
      new GrpcInstrumentation({
        metadataToSpanAttributes: {
          client: { requestMetadata: [], responseMetadata: [] },
          server: { requestMetadata: [], responseMetadata: [] },
        },
      }),
    ],
    metricReaders: [prometheus],
    // An empty list means no tracer provider at all, so nothing falls back to the
    // SDK's environment defaults (an OTLP exporter on localhost, or the console).
    ...(otlpEndpoint
      ? { traceExporter: new OTLPTraceExporter({ url: new URL('v1/traces', withSlash(otlpEndpoint)).href }) }
      : { spanProcessors: [] }),
    // Logs go through pino to standard output, not through OpenTelemetry.
    logRecordProcessors: [],
  });
  sdk.start();

  return {
    async metricsText() {
      const { resourceMetrics, errors } = await prometheus.collect();
      if (errors.length > 0) throw new AggregateError(errors, 'metrics collection failed');
      return serializer.serialize(resourceMetrics);
    },
    shutdown: () => sdk.shutdown(),
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
