import type { AuditRecordData } from '@huddle/contracts';

/**
 * Where the gateway sends its audit records (C1). `record` never waits for or
 * throws to the request: the record leaves after the response, asynchronously.
 */
export interface AuditRecorder {
  record(data: AuditRecordData): void;
  /** Waits (up to `timeoutMs`) for the records still being sent: called before the bus drains on shutdown. */
  flush(timeoutMs: number): Promise<void>;
}
