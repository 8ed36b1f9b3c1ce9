import type { paths } from './gen/api';

/** A problem+json body as the gateway sends it (every answer that is not a success). */
export type Problem = paths['/v1/me']['get']['responses']['4XX']['content']['application/json'];

/** One field a validation failure (`validation_failed`) names. */
export type FieldError = NonNullable<Problem['errors']>[number];

/**
 * An answer of the gateway that is not a success, as a typed exception: the
 * problem+json fields, `code` being the stable error code of DESIGN.md
 * section 4 (`not_found`, `chat_locked`, `validation_failed`, ...). An answer
 * that is not problem+json (a proxy's 502 page, say) becomes `unexpected_response`.
 */
export class HuddleError extends Error {
  override readonly name = 'HuddleError';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  /** `urn:huddle:problem:<code>` */
  readonly type: string;
  readonly instance: string | undefined;
  /** Validation failures: which fields, where, and why. */
  readonly errors: FieldError[];
  /** Extra facts some problems carry, e.g. `personIds` of `tag_restricted`. */
  readonly details: Record<string, unknown> | undefined;
  /** From a 429's or 503's Retry-After, when the gateway sent one. */
  readonly retryAfterMs: number | undefined;

  constructor(problem: Problem, options: { retryAfterMs?: number | undefined } = {}) {
    super(problem.detail || problem.title);
    this.status = problem.status;
    this.code = problem.code;
    this.title = problem.title;
    this.detail = problem.detail;
    this.type = problem.type;
    this.instance = problem.instance;
    this.errors = problem.errors ?? [];
    this.details = problem.details as Record<string, unknown> | undefined;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The request never got an answer (offline, DNS, connection reset), after any retries. */
export class HuddleNetworkError extends Error {
  override readonly name = 'HuddleNetworkError';
  constructor(cause: unknown) {
    super('The Huddle gateway could not be reached', { cause });
  }
}

const isProblem = (value: unknown): value is Problem => {
  const body = value as Partial<Problem> | null;
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof body.code === 'string' &&
    typeof body.status === 'number' &&
    typeof body.title === 'string'
  );
};

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The HuddleError an answer that is not a success stands for; reads its body. */
export async function errorFromResponse(response: Response): Promise<HuddleError> {
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const retryAfter = retryAfterMs(response.headers.get('retry-after'));
  if (isProblem(body)) {
    return new HuddleError(
      { ...body, detail: body.detail ?? body.title, type: body.type ?? `urn:huddle:problem:${body.code}` },
      { retryAfterMs: retryAfter },
    );
  }
  const title = response.statusText || `HTTP ${response.status}`;
  return new HuddleError(
    {
      type: 'urn:huddle:problem:unexpected_response',
      title,
      status: response.status,
      code: 'unexpected_response',
      detail: `The gateway answered ${response.status} without a problem document`,
    },
    { retryAfterMs: retryAfter },
  );
}
