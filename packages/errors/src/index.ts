/**
 * The one error type of Huddle. Services throw it, the gRPC layer carries its
 * stable `code` across the wire, and the gateway turns it into problem+json.
 * Codes and statuses are those of DESIGN.md section 4.
 */
export const errorStatus = {
  validation_failed: 400,
  unauthenticated: 401,
  forbidden: 403,
  chat_locked: 403,
  not_chat_owner: 403,
  plan_required: 403,
  tag_restricted: 403,
  not_found: 404,
  request_timeout: 408,
  conflict: 409,
  not_supported_in_style: 409,
  owner_cannot_leave: 409,
  pin_limit_reached: 409,
  reaction_limit_reached: 409,
  conversion_required: 409,
  cannot_leave_direct_chat: 409,
  /** C2: an export whose files are not written yet (pending, running or failed). */
  export_not_ready: 409,
  /** C2: an export whose files were deleted after seven days. */
  export_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorStatus, value);
}

export class HuddleError extends Error {
  override readonly name = 'HuddleError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe, PHI-free facts a client can act on (e.g. which field failed). */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

export const notFound = (what: string) => new HuddleError('not_found', `${what} not found`);
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new HuddleError('validation_failed', message, details);
export const forbidden = (message: string) => new HuddleError('forbidden', message);
