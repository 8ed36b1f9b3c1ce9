import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/** Attributes that hold a request's raw path or query: ids of chats and people, the socket's token. */
const pathAttributes = ['url.path', 'url.full', 'http.target', 'http.url'];
const queryAttributes = ['url.query'];

/**
 * Keeps raw paths out of HTTP server spans: a server span is known by its
 * route template (`/v1/chats/:chatId/messages`, set by the gateway), never by
 * the path a caller sent, which carries ids. Runs before the span is exported.
 */
export class RoutePathsOnly implements SpanProcessor {
  onStart(): void {}

  onEnding(span: Span): void {
    if (span.kind !== SpanKind.SERVER) return;
    const attributes = span.attributes as Record<string, unknown>;
    const route = typeof attributes['http.route'] === 'string' ? attributes['http.route'] : 'unmatched';
    for (const key of pathAttributes) if (key in attributes) attributes[key] = route;
    for (const key of queryAttributes) delete attributes[key];
  }

  onEnd(_span: ReadableSpan): void {}
  forceFlush = async () => {};
  shutdown = async () => {};
}
