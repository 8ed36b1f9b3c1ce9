import { routeActiveSpan, secondsHistogram } from '@huddle/telemetry';
import type { FastifyInstance } from 'fastify';

/**
 * RED metrics for every request (`huddle_http_request_duration_seconds` by
 * method, route template and status code) and the route template on the
 * request's span. Templates, never raw paths: a path carries ids of chats and
 * people and would make a series per chat. Requests no route matched are
 * `unmatched`.
 */
export function installRequestMetrics(app: FastifyInstance): void {
  const duration = secondsHistogram(
    'huddle_http_request_duration_seconds',
    'Time to answer an HTTP request, by method, route template and status code',
  );
  const routeOf = (request: { routeOptions: { url?: string } }) => request.routeOptions.url ?? 'unmatched';
  app.addHook('onRequest', async (request) => {
    routeActiveSpan(request.method, routeOf(request));
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.record(reply.elapsedTime / 1000, {
      method: request.method,
      route: routeOf(request),
      status_code: String(reply.statusCode),
    });
  });
}
