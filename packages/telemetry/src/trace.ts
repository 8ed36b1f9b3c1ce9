import {
  type Attributes,
  type Context,
  context,
  propagation,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';

/** W3C trace context of one piece of work, as it travels with an event or a message. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const tracer = () => trace.getTracer('huddle');

/** The active trace context as W3C `traceparent`/`tracestate`; empty outside a trace or without telemetry. */
export function activeTraceCarrier(active: Context = context.active()): TraceCarrier {
  const headers: Record<string, string> = {};
  propagation.inject(active, headers);
  const carrier: TraceCarrier = {};
  if (headers.traceparent) carrier.traceparent = headers.traceparent;
  if (headers.tracestate) carrier.tracestate = headers.tracestate;
  return carrier;
}

/** Reads `traceparent`/`tracestate` from anything with a `get` (e.g. NATS message headers). */
export interface HeaderSource {
  get(key: string): string | undefined | null;
}

const sourceGetter: TextMapGetter<HeaderSource> = {
  keys: () => ['traceparent', 'tracestate'],
  get: (source, key) => source.get(key) || undefined,
};

/** The context a carrier continues; the active context when it carries none. */
export function contextFrom(source: HeaderSource | TraceCarrier | undefined): Context {
  if (!source) return context.active();
  const headers: HeaderSource =
    'get' in source && typeof source.get === 'function'
      ? (source as HeaderSource)
      : { get: (key) => (source as Record<string, string | undefined>)[key] };
  return propagation.extract(context.active(), headers, sourceGetter);
}

export interface SpanOptions {
  kind: SpanKind;
  /** Low-cardinality facts only: never message text, names, people's ids, tokens or SQL values. */
  attributes?: Attributes;
  /** The trace this span continues; the active context when absent. */
  parent?: Context;
}

/**
 * Runs `work` inside a new span, which ends when `work` settles and is marked
 * failed (with the error's class name only: messages can quote data) when it throws.
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}

/**
 * Names the active HTTP server span by its route template (`POST
 * /v1/chats/:chatId/messages`): the raw path, with its ids, is not kept (see RoutePathsOnly).
 */
export function routeActiveSpan(method: string, route: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.setAttribute('http.route', route);
  span.updateName(`${method} ${route}`);
}

/** Runs `work` in the trace a message carried (e.g. NATS headers), or as it is when it carried none. */
export function continueTrace<T>(source: HeaderSource | TraceCarrier | undefined, work: () => T): T {
  return context.with(contextFrom(source), work);
}
