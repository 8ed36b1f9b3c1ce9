import { HuddleNetworkError, retryAfterMs } from './errors';

/** How requests are retried: exponential backoff with full jitter, Retry-After honoured. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 3; 0 turns retries off). */
  retries: number;
  /** The first backoff's ceiling (default 250 ms); each retry doubles it. */
  baseDelayMs: number;
  /** No backoff is longer (default 8 s). */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error is thrown at once (default 60 s). */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = Object.freeze({
  retries: 3,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
});

/**
 * The wait before retry number `attempt` (0 for the first): a random time up
 * to min(maxDelayMs, baseDelayMs * 2^attempt) ("full jitter"), so clients
 * that failed together do not come back together.
 */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Answers worth asking again: the gateway shed load or rate-limited the caller. */
const retriedStatuses = new Set([429, 503]);
/** Methods that change nothing more when repeated (RFC 9110 section 9.2.2). */
const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether a request may be sent again after a network error or a 429/503:
 * idempotent methods, and a POST that carries an Idempotency-Key (the gateway
 * answers its first result to a repeat, so a retry cannot post twice).
 */
export const isRetryable = (request: Request) =>
  idempotentMethods.has(request.method.toUpperCase()) || request.headers.has('idempotency-key');

export interface RetryingFetchOptions {
  policy: RetryPolicy;
  fetch: (request: Request) => Promise<Response>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Waits `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}

/**
 * A fetch that retries what may safely be retried (`isRetryable`) on network
 * errors and on 429/503, the same request each time (its Idempotency-Key
 * included). A Retry-After is waited for as said; otherwise the backoff is
 * exponential with jitter. An aborted request is never retried.
 */
export function retryingFetch({
  policy,
  fetch,
  sleep: wait = sleep,
  random = Math.random,
}: RetryingFetchOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const retryable = isRetryable(request) && policy.retries > 0;
    for (let attempt = 0; ; attempt += 1) {
      const last = !retryable || attempt >= policy.retries;
      let response: Response;
      try {
        // Each attempt sends a copy: a body can be read once.
        response = await fetch(last ? request : request.clone());
      } catch (error) {
        if (request.signal.aborted) throw error;
        if (last) throw new HuddleNetworkError(error);
        await wait(backoffDelay(attempt, policy, random), request.signal);
        continue;
      }
      if (last || !retriedStatuses.has(response.status)) return response;
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== undefined && asked > policy.maxRetryAfterMs) return response;
      // The body of an answer that is not used is released before waiting.
      await response.body?.cancel().catch(() => undefined);
      await wait(asked ?? backoffDelay(attempt, policy, random), request.signal);
    }
  };
}
