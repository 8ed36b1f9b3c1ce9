import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * What one call of the route costs before its page and body are counted (default 1):
     * more for work well beyond a lookup (search, exports, file downloads). `false` (probes,
     * scrapes, documents): no budget, no in-flight cap, never shed.
     */
    cost?: number | false;
  }
}

/**
 * Units per this many items asked for: presenting items is most of a page's work, so a
 * 200-item page costs 20 more than a lookup, a 50-item one 5, a 20-item one 2.
 */
export const ITEMS_PER_UNIT = 10;
/** Units per this many body bytes: a 10 MiB upload costs 40 more, a JSON body (at most 256 KiB) 1. */
export const BODY_BYTES_PER_UNIT = 256 * 1024;

/** The page size asked for: `?limit=` when it is a plain number, else the route's default. */
function pageSize(request: FastifyRequest): number {
  const schema = request.routeOptions.schema?.querystring as
    | { properties?: { limit?: { default?: number; maximum?: number } } }
    | undefined;
  const limit = schema?.properties?.limit;
  if (!limit) return 0;
  const asked = (request.query as { limit?: unknown } | undefined)?.limit;
  const maximum = limit.maximum ?? 200;
  // Validation refuses anything else later; it is charged as the largest page, never as free.
  if (typeof asked !== 'string') return limit.default ?? maximum;
  return /^\d{1,6}$/.test(asked) ? Math.min(Number(asked), maximum) : maximum;
}

/** The body's size: its Content-Length, or as large as `unknownBodyBytes` when it is streamed without one. */
function bodyBytes(request: FastifyRequest, unknownBodyBytes: number): number {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) || 0;
  return request.headers['transfer-encoding'] ? unknownBodyBytes : 0;
}

/**
 * What a request costs against its caller's and practice's budgets, in units
 * (a plain lookup is 1): it grows with what is asked for, so reading 200-message
 * pages or uploading files spends a budget faster than opening a chat does.
 */
export function requestCost(request: FastifyRequest, unknownBodyBytes: number): number {
  const base = request.routeOptions.config.cost;
  return (
    (typeof base === 'number' ? base : 1) +
    Math.ceil(pageSize(request) / ITEMS_PER_UNIT) +
    Math.ceil(bodyBytes(request, unknownBodyBytes) / BODY_BYTES_PER_UNIT)
  );
}
