import type { auditV1 } from '@huddle/contracts';
import { forbidden, notFound } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, Nullable, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

const Action = Type.String({ pattern: '^[a-z][a-z_.]{0,63}$', description: 'e.g. chat.messages.read' });
const Time = Type.String({ format: 'date-time' });

const AuditQuery = Type.Object(
  {
    personId: Type.Optional({ ...Id, description: 'Only what this person (or svc:<name>) did' }),
    chatId: Type.Optional(Id),
    action: Type.Optional(Action),
    from: Type.Optional({ ...Time, description: 'From this time (inclusive)' }),
    to: Type.Optional({ ...Time, description: 'Up to this time (inclusive)' }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const AuditEvent = Type.Object({
  id: Id,
  seq: Type.Integer({ minimum: 1, description: 'Place in the practice’s hash chain' }),
  occurredAt: Time,
  actorId: Type.String({
    description: 'A person id, svc:<name> for a service, system:<job> for background work',
  }),
  action: Action,
  chatId: Nullable(Id),
  targetIds: Type.Array(Type.String(), { description: 'Other ids the action touched' }),
  outcome: Type.Union([Type.Literal('succeeded'), Type.Literal('forbidden')]),
  requestId: Type.String(),
  clientIp: Type.String(),
  userAgent: Type.String(),
  details: Type.Record(Type.String(), Type.String(), { description: 'Choices and counts, never content' }),
  hash: Type.String({ description: 'SHA-256 (hex) chained to the previous record of the practice' }),
});

const present = (event: auditV1.AuditEvent) => ({
  id: event.id,
  seq: event.seq,
  occurredAt: event.occurredAt?.toISOString() ?? '',
  actorId: event.actorId,
  action: event.action,
  chatId: event.chatId ?? null,
  targetIds: event.targetIds,
  outcome: event.outcome as 'succeeded' | 'forbidden',
  requestId: event.requestId,
  clientIp: event.clientIp,
  userAgent: event.userAgent,
  details: event.details,
  hash: event.hash,
});

/** C1: the practice's audit trail, for its owner. */
export const auditRoutes = routeGroup({ tags: ['audit'], auth: 'person' }, audit);

function audit(app: App, { services }: RouteDeps) {
  app.get(
    '/v1/practices/:practiceId/audit-events',
    {
      config: { audit: { action: 'audit.events.read' } },
      schema: {
        summary: 'The practice’s audit trail, newest first (C1), for the practice owner',
        description:
          'Who read which chat’s content and who changed what, when and from where: ids, never ' +
          'message text. Filter by person, chat, action and time; cursor pages. The practice owner ' +
          'only (others: 403 forbidden); another practice is 404.',
        params: Type.Object({ practiceId: Id }),
        querystring: AuditQuery,
        response: {
          200: Type.Object({ items: Type.Array(AuditEvent), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const caller = personOf(request);
      const { practiceId } = request.params;
      if (practiceId !== caller.practiceId) throw notFound('Practice');
      const { person } = await services.participant.getPerson({ practiceId, personId: caller.personId });
      if (person?.teamRole !== 'owner') throw forbidden('Only the practice owner reads the audit trail');
      const { query } = request;
      const page = await services.audit.listAuditEvents({
        practiceId,
        actorId: query.personId ?? '',
        chatId: query.chatId ?? '',
        action: query.action ?? '',
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
        cursor: query.cursor ?? '',
        limit: query.limit,
      });
      return { items: page.events.map(present), nextCursor: page.nextCursor || null };
    },
  );
}
