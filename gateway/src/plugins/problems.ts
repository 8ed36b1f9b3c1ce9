import http from 'node:http';
import type { Duplex } from 'node:stream';
import { type ErrorCode, errorStatus, HuddleError } from '@huddle/errors';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { App } from '../fastify-app';

/**
 * The one mapping of errors to application/problem+json (RFC 9457) with the
 * stable codes of DESIGN.md section 4. Bad input always ends as a 4xx; only
 * failures of our own end as a 5xx, and those never say what went wrong inside.
 */

export interface FieldError {
  in: string;
  field: string;
  message: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  details?: Record<string, unknown>;
}

const codeOfStatus: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'unavailable',
};

/**
 * What a client is told of a library's 4xx, by status: libraries' own messages
 * may quote the request (a JSON parser quotes the body, a URL parser the path),
 * and a problem never echoes what was sent.
 */
const detailOfStatus: Partial<Record<number, string>> = {
  400: 'The request is not valid: check the URL, the JSON body and its Content-Length',
  404: 'No such resource',
  408: 'The request took too long to arrive',
  413: 'The body is too large',
  415: 'This media type is not accepted here; send application/json',
  431: 'The request headers are too large',
};

const titleOf = (code: ErrorCode) => {
  const words = code.replaceAll('_', ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Validation failures as a flat list of fields, one entry per unknown field. */
export function fieldErrors(part: string, validation: FastifySchemaValidationError[]): FieldError[] {
  return validation.flatMap((error): FieldError[] => {
    // TypeBox reports an unknown field twice: as `additionalProperties` and as a `false` schema.
    if (error.keyword === 'boolean') return [];
    const unknown = (error.params as { additionalProperties?: unknown }).additionalProperties;
    if (error.keyword === 'additionalProperties' && Array.isArray(unknown)) {
      return unknown.map((name) => ({
        in: part,
        field: `${error.instancePath}/${String(name)}`,
        message: 'is not a known field',
      }));
    }
    return [{ in: part, field: error.instancePath || '/', message: error.message ?? 'is invalid' }];
  });
}

export function problem(code: ErrorCode, detail: string, extra: Partial<ProblemBody> = {}): ProblemBody {
  return {
    type: `urn:huddle:problem:${code}`,
    title: titleOf(code),
    status: errorStatus[code],
    code,
    detail,
    ...extra,
  };
}

/** Any thrown value as the problem a client may see. */
export function toProblem(error: unknown): ProblemBody {
  if (error instanceof HuddleError) {
    const detail = error.code === 'internal' ? 'Internal error' : error.message;
    return problem(error.code, detail, error.details ? { details: error.details } : {});
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.validation) {
    const part = fastifyError.validationContext ?? 'request';
    return problem('validation_failed', `The ${part} is not valid`, {
      errors: fieldErrors(part, fastifyError.validation),
    });
  }
  const status = fastifyError.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = codeOfStatus[status] ?? 'validation_failed';
    return { ...problem(code, detailOfStatus[status] ?? titleOf(code)), status };
  }
  if (status === 503) return problem('unavailable', 'The gateway is overloaded; try again shortly');
  return problem('internal', 'Internal error');
}

/** Seconds a client waits before asking again after a 503. */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/**
 * Sends a problem. `instance` is the path only of a request that matched a
 * route (fixed segments and parameters of at most 100 characters); an unknown,
 * malformed or oversized URL is never echoed.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, body: ProblemBody) {
  const routed = request.routeOptions?.url !== undefined && !request.is404;
  // Every 503 says when to ask again (a service or the database away, shutting down), unless it said already.
  if (body.status === 503 && !reply.hasHeader('retry-after'))
    reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
  return reply
    .code(body.status)
    .type('application/problem+json')
    .send(routed ? { ...body, instance: request.url.split('?')[0] } : body);
}

/** A problem written straight to a socket, for errors Node's HTTP parser raises before fastify sees a request. */
function rawProblem(body: ProblemBody): string {
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${body.status} ${http.STATUS_CODES[body.status]}\r\n` +
    'Content-Type: application/problem+json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`
  );
}

/**
 * Fastify's `clientErrorHandler`: headers over Node's limit (431), a request
 * too slow to arrive (408) or one that is not HTTP (400), as problems.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Duplex) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = codeOfStatus[status] ?? 'validation_failed';
  if (socket.writable) socket.write(rawProblem(problem(code, detailOfStatus[status] ?? titleOf(code))));
  socket.destroy(error);
}

/** Fastify's `frameworkErrors`: a URL that does not decode, or a path parameter over 100 characters. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is longer than any identifier (at most 64 characters)'
      : 'The URL is not valid';
  return sendProblem(request, reply, problem('validation_failed', detail));
}

export function installProblemHandlers(app: App) {
  app.setErrorHandler((error, request, reply) => {
    const body = toProblem(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, problem('not_found', 'No such route')),
  );
  // While the gateway drains (fastify's return503OnClosing is off), new requests on open connections are
  // told to go elsewhere as a problem, not fastify's plain JSON.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    return sendProblem(request, reply, problem('unavailable', 'The gateway is shutting down; try again'));
  });
}
