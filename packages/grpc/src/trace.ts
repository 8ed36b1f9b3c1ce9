import type { Metadata } from '@grpc/grpc-js';
import { activeTraceCarrier, contextFrom, SpanKind, type SpanOptions } from '@huddle/telemetry';

/**
 * Trace context over gRPC metadata (W3C `traceparent`/`tracestate`), done
 * here rather than by OpenTelemetry's gRPC instrumentation: that patches
 * `@grpc/grpc-js` as it loads, and the telemetry SDK itself loads it first.
 */

/** Adds the active trace to a call's metadata. */
export function carryTrace(metadata: Metadata): Metadata {
  for (const [key, value] of Object.entries(activeTraceCarrier())) metadata.set(key, value);
  return metadata;
}

/** The span of one call, named and described as OpenTelemetry's gRPC conventions do. */
export function rpcSpan(path: string, kind: SpanKind.CLIENT | SpanKind.SERVER, metadata?: Metadata) {
  // `/huddle.chat.v1.ChatService/PostMessage` → service and method.
  const [, service = '', method = ''] = path.split('/');
  const options: SpanOptions = {
    kind,
    attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
    ...(metadata && {
      parent: contextFrom({ get: (key: string) => metadata.get(key)[0]?.toString() }),
    }),
  };
  return { name: `grpc.${service}/${method}`, service, method, options };
}

export { SpanKind };
