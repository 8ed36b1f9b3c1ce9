import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { type ErrorCode, HuddleError, isErrorCode } from '@huddle/errors';

const CODE_KEY = 'huddle-error-code';
const DETAILS_KEY = 'huddle-error-details';

const statusOfCode: Record<ErrorCode, status> = {
  validation_failed: status.INVALID_ARGUMENT,
  unauthenticated: status.UNAUTHENTICATED,
  forbidden: status.PERMISSION_DENIED,
  chat_locked: status.PERMISSION_DENIED,
  not_chat_owner: status.PERMISSION_DENIED,
  plan_required: status.PERMISSION_DENIED,
  tag_restricted: status.PERMISSION_DENIED,
  not_found: status.NOT_FOUND,
  request_timeout: status.DEADLINE_EXCEEDED,
  conflict: status.ABORTED,
  not_supported_in_style: status.FAILED_PRECONDITION,
  owner_cannot_leave: status.FAILED_PRECONDITION,
  pin_limit_reached: status.FAILED_PRECONDITION,
  reaction_limit_reached: status.FAILED_PRECONDITION,
  conversion_required: status.FAILED_PRECONDITION,
  cannot_leave_direct_chat: status.FAILED_PRECONDITION,
  export_not_ready: status.FAILED_PRECONDITION,
  export_expired: status.FAILED_PRECONDITION,
  payload_too_large: status.INVALID_ARGUMENT,
  unsupported_media_type: status.INVALID_ARGUMENT,
  headers_too_large: status.INVALID_ARGUMENT,
  idempotency_key_reused: status.INVALID_ARGUMENT,
  rate_limited: status.RESOURCE_EXHAUSTED,
  internal: status.INTERNAL,
  unavailable: status.UNAVAILABLE,
};

/** A HuddleError as a gRPC status, its stable code and details in trailing metadata. */
export function toStatus(error: HuddleError): Partial<ServiceError> {
  const metadata = new Metadata();
  metadata.set(CODE_KEY, error.code);
  if (error.details) metadata.set(DETAILS_KEY, JSON.stringify(error.details));
  return { code: statusOfCode[error.code], details: error.message, metadata };
}

/** Reads a gRPC failure back into the HuddleError it carried, or a generic one. */
export function fromServiceError(error: ServiceError): HuddleError {
  const code = error.metadata?.get(CODE_KEY)[0];
  if (isErrorCode(code)) {
    const raw = error.metadata.get(DETAILS_KEY)[0];
    const details = typeof raw === 'string' ? (JSON.parse(raw) as Record<string, unknown>) : undefined;
    return new HuddleError(code, error.details, details);
  }
  if (error.code === status.UNAVAILABLE || error.code === status.DEADLINE_EXCEEDED) {
    return new HuddleError('unavailable', 'A Huddle service is unavailable; try again shortly');
  }
  return new HuddleError('internal', 'Internal error');
}
