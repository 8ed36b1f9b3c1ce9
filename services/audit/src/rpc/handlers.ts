import { auditV1 } from '@huddle/contracts';
import { invalid } from '@huddle/errors';
import { host } from '@huddle/grpc';
import { pageLimit } from '@huddle/paging';
import type { AuditTrail } from '../app/trail';
import type { ChainedRecord } from '../domain/record';

const toProto = (record: ChainedRecord): auditV1.AuditEvent => ({
  id: record.id,
  practiceId: record.practiceId,
  seq: record.seq,
  occurredAt: record.occurredAt,
  actorId: record.actorId,
  action: record.action,
  chatId: record.chatId ?? undefined,
  targetIds: record.targetIds,
  outcome: record.outcome,
  requestId: record.requestId,
  clientIp: record.clientIp,
  userAgent: record.userAgent,
  details: record.details,
  hash: record.hash,
});

export function auditRpc(trail: AuditTrail) {
  return host(auditV1.AuditServiceService, {
    listAuditEvents: async (request) => {
      if (!request.practiceId) throw invalid('practiceId is required');
      if (request.from && request.to && request.from > request.to) throw invalid('from must not be after to');
      const page = await trail.list({
        practiceId: request.practiceId,
        actorId: request.actorId || undefined,
        chatId: request.chatId || undefined,
        action: request.action || undefined,
        from: request.from,
        to: request.to,
        cursor: request.cursor,
        limit: pageLimit(request.limit, 50, 200),
      });
      return { events: page.records.map(toProto), nextCursor: page.nextCursor };
    },
  });
}
