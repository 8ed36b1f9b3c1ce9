import type { chatV1 } from '@huddle/contracts';
import { HuddleError, notFound } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { choices } from '../plugins/audit';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, Nullable, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

/** C3: `none`, or 30 days to 10 years. */
const Period = Type.Union(
  [
    Type.Literal('none', { description: 'Kept for good' }),
    Type.Object(
      { days: Type.Integer({ minimum: 30, maximum: 3650, description: '30 days to 10 years' }) },
      { additionalProperties: false },
    ),
  ],
  { description: "`'none'` or `{days}` with 30 ≤ days ≤ 3650" },
);

const RetentionBody = Type.Object({ period: Period }, { additionalProperties: false });

const Retention = Type.Object({
  practiceId: Type.String(),
  period: Period,
  updatedBy: Nullable(Type.String({ description: 'Who set it last; null while never set' })),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});

const LegalHoldBody = Type.Object(
  {
    held: Type.Boolean(),
    reason: Type.Optional(
      Type.String({
        maxLength: 500,
        description: 'An administrative note (not message text); dropped when lifted',
      }),
    ),
  },
  { additionalProperties: false },
);

const LegalHold = Type.Object({
  chatId: Type.String(),
  held: Type.Boolean(),
  reason: Type.String(),
  updatedBy: Nullable(Type.String({ description: 'Who set or lifted it last; null while never set' })),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});

const PracticeParams = Type.Object({ practiceId: Id });
const ChatParams = Type.Object({ chatId: Id });

const ownerOnly =
  'The practice owner only (a practitioner whose teamRole is `owner`): anyone else of the practice ' +
  'is 403 `forbidden`; another practice is 404 `not_found`.';

function presentRetention(retention: chatV1.Retention | undefined) {
  if (!retention) throw new HuddleError('internal', 'The retention setting was not returned');
  return {
    practiceId: retention.practiceId,
    period: retention.days === 0 ? ('none' as const) : { days: retention.days },
    updatedBy: retention.updatedBy || null,
    updatedAt: retention.updatedAt?.toISOString() ?? null,
  };
}

function presentHold(hold: chatV1.LegalHold | undefined) {
  if (!hold) throw new HuddleError('internal', 'The legal hold was not returned');
  return {
    chatId: hold.chatId,
    held: hold.held,
    reason: hold.reason,
    updatedBy: hold.updatedBy || null,
    updatedAt: hold.updatedAt?.toISOString() ?? null,
  };
}

/** C3: a practice's retention period and its chats' legal holds, for the practice owner. */
export const retentionRoutes = routeGroup({ tags: ['compliance'], auth: 'person' }, retention);

function retention(app: App, { services }: RouteDeps) {
  /** The practice in the path must be the caller's: another practice does not exist for them. */
  const ownPractice = (request: { params: { practiceId: string } }, practiceId: string) => {
    if (request.params.practiceId !== practiceId) throw notFound('Practice');
  };

  app.get(
    '/v1/practices/:practiceId/retention',
    {
      schema: {
        summary: "The practice's retention period (C3)",
        description: `${ownerOnly} \`period\` is \`'none'\` until the owner sets one.`,
        params: PracticeParams,
        response: { 200: Retention, ...problemResponses },
      },
    },
    async (request) => {
      const caller = personOf(request);
      ownPractice(request, caller.practiceId);
      const { retention } = await services.chat.getRetention({
        practiceId: caller.practiceId,
        actorId: caller.personId,
      });
      return presentRetention(retention);
    },
  );

  app.put(
    '/v1/practices/:practiceId/retention',
    {
      schema: {
        summary: "Set the practice's retention period (C3)",
        description:
          `${ownerOnly} Messages, their revisions, reactions and pins, and files no live message ` +
          'references any more, older than the period are deleted by a background job, except in ' +
          'chats under legal hold. Out of range: 400 `validation_failed`, nothing changes.',
        params: PracticeParams,
        body: RetentionBody,
        response: { 200: Retention, ...problemResponses },
      },
      config: {
        audit: {
          action: 'retention.changed',
          // A 403 comes before validation: the body may be anything, and only a valid period is kept.
          details: (request) => {
            const period = (request.body as { period?: unknown } | undefined)?.period;
            if (period === 'none') return { days: 'none' };
            const days = (period as { days?: unknown } | undefined)?.days;
            return { days: Number.isInteger(days) ? String(days) : undefined };
          },
        },
      },
    },
    async (request) => {
      const caller = personOf(request);
      ownPractice(request, caller.practiceId);
      const { period } = request.body;
      const { retention } = await services.chat.setRetention({
        practiceId: caller.practiceId,
        actorId: caller.personId,
        days: period === 'none' ? 0 : period.days,
      });
      return presentRetention(retention);
    },
  );

  app.get(
    '/v1/chats/:chatId/legal-hold',
    {
      schema: {
        summary: "A chat's legal hold (C3)",
        description:
          'The practice owner, for any chat of the practice, in it or not. A participant who is not ' +
          'the practice owner: 403 `forbidden`; anyone else: 404 (A1).',
        params: ChatParams,
        response: { 200: LegalHold, ...problemResponses },
      },
    },
    async (request) => {
      const caller = personOf(request);
      const { legalHold } = await services.chat.getLegalHold({
        practiceId: caller.practiceId,
        chatId: request.params.chatId,
        actorId: caller.personId,
      });
      return presentHold(legalHold);
    },
  );

  app.put(
    '/v1/chats/:chatId/legal-hold',
    {
      schema: {
        summary: 'Put a chat under legal hold, or lift it (C3)',
        description:
          'The practice owner, for any chat of the practice, in it or not. While held, the retention ' +
          'job deletes nothing of the chat; once this answers, no deletion of it is under way. A ' +
          'participant who is not the practice owner: 403 `forbidden`; anyone else: 404 (A1).',
        params: ChatParams,
        body: LegalHoldBody,
        response: { 200: LegalHold, ...problemResponses },
      },
      // The reason is free text a person wrote: not recorded (C1 holds ids and choices only).
      config: { audit: { action: 'legal_hold.changed', details: choices('held') } },
    },
    async (request) => {
      const caller = personOf(request);
      const { legalHold } = await services.chat.setLegalHold({
        practiceId: caller.practiceId,
        chatId: request.params.chatId,
        actorId: caller.personId,
        held: request.body.held,
        reason: request.body.reason ?? '',
      });
      return presentHold(legalHold);
    },
  );
}
