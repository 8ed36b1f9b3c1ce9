import { type ErrorCode, errorStatus, HuddleError } from '@huddle/errors';
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { App } from '../routes/types';

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
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
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
    return { ...problem(code, fastifyError.message ?? titleOf(code)), status };
  }
  if (status === 503) return problem('unavailable', 'The gateway is overloaded; try again shortly');
  return problem('internal', 'Internal error');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, body: ProblemBody) {
  return reply
    .code(body.status)
    .type('application/problem+json')
    .send({ ...body, instance: request.url.split('?')[0] });
}

export function installProblemHandlers(app: App) {
  app.setErrorHandler((error, request, reply) => {
    const body = toProblem(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      problem('not_found', `No route ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
