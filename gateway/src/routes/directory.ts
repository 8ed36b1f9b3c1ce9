import type { participantV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type, { type Static } from 'typebox';
import type { App } from '../fastify-app';
import { changedFields, choices } from '../plugins/audit';
import { routeGroup } from '../plugins/route-group';
import { presentDirectoryPerson, presentPractice } from '../presenter/directory';
import { Id, Nullable, Person, PersonKind, Plan, Practice, problemResponses, TeamRole } from '../schemas';
import type { RouteDeps } from './types';

const Tag = Type.String({ minLength: 1, maxLength: 50 });
const TagList = Type.Array(Tag, { maxItems: 50, uniqueItems: true });

const PersonBody = Type.Object(
  {
    kind: PersonKind,
    firstName: Type.String({ minLength: 1, maxLength: 100 }),
    lastName: Type.String({ minLength: 1, maxLength: 100 }),
    photoUrl: Type.Optional(Nullable(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 }))),
    tags: Type.Optional(TagList),
    teamRole: Type.Optional(TeamRole),
    canManageTeamSettings: Type.Optional(Type.Boolean()),
    clientTagRestriction: Type.Optional(Nullable(TagList)),
    zoomLinked: Type.Optional(Type.Boolean()),
    email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 254 }))),
  },
  { additionalProperties: false },
);

const practitionerOnly = ['teamRole', 'canManageTeamSettings', 'clientTagRestriction', 'zoomLinked'] as const;

/** Section 1: tags belong to clients, access attributes to practitioners; a mix is a mistake worth reporting. */
function personOf(
  practiceId: string,
  personId: string,
  body: Static<typeof PersonBody>,
): participantV1.Person {
  const misplaced =
    body.kind === 'client'
      ? practitionerOnly.filter((field) => body[field] !== undefined)
      : body.tags !== undefined
        ? ['tags']
        : [];
  if (misplaced.length > 0) {
    throw new HuddleError('validation_failed', `A ${body.kind} has no ${misplaced.join(', ')}`, {
      fields: misplaced,
    });
  }
  const practitioner = body.kind === 'practitioner';
  return {
    id: personId,
    practiceId,
    kind: body.kind,
    firstName: body.firstName,
    lastName: body.lastName,
    photoUrl: body.photoUrl ?? undefined,
    tags: body.tags ?? [],
    teamRole: practitioner ? (body.teamRole ?? 'member') : '',
    canManageTeamSettings: body.canManageTeamSettings ?? false,
    clientTagRestriction: body.clientTagRestriction ? { tags: body.clientTagRestriction } : undefined,
    zoomLinked: body.zoomLinked ?? false,
    email: body.email ?? undefined,
  };
}

const NotificationSettingsBody = Type.Object(
  {
    webhookUrl: Type.Optional(
      Nullable(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048 })),
    ),
    webhookSecret: Type.Optional(
      Type.String({
        minLength: 16,
        maxLength: 256,
        description: 'Signs webhooks (HMAC-SHA256); write-only. Absent: the stored secret is kept.',
      }),
    ),
    emailEnabled: Type.Boolean({ default: false }),
    includeContent: Type.Boolean({
      default: false,
      description: 'N1: webhooks and emails carry message text only when this is on',
    }),
  },
  { additionalProperties: false },
);

const NotificationSettings = Type.Object({
  practiceId: Id,
  webhookUrl: Nullable(Type.String()),
  webhookSecretSet: Type.Boolean(),
  emailEnabled: Type.Boolean(),
  includeContent: Type.Boolean(),
});

/** The platform's directory writes: practices and people (DESIGN.md section 4, `directory:write`). */
export const directoryRoutes = routeGroup(
  { tags: ['directory'], auth: 'service', scope: 'directory:write' },
  directory,
);

function directory(app: App, { services }: RouteDeps) {
  app.put(
    '/v1/practices/:practiceId',
    {
      config: { audit: { action: 'practice.upserted', details: choices('plan') } },
      schema: {
        summary: 'Create or update a practice',
        params: Type.Object({ practiceId: Id }),
        body: Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 200 }), plan: Plan },
          { additionalProperties: false },
        ),
        response: { 200: Practice, 201: Practice, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId } = request.params;
      const { practice, created } = await services.sharingPolicy.upsertPractice({
        practice: { id: practiceId, name: request.body.name, plan: request.body.plan },
      });
      if (!practice) throw new HuddleError('internal', 'The practice was not returned');
      return reply.code(created ? 201 : 200).send(presentPractice(practice));
    },
  );

  app.put(
    '/v1/practices/:practiceId/people/:personId',
    {
      config: {
        audit: {
          action: 'person.upserted',
          targets: ['personId'],
          details: choices('kind', 'teamRole', 'canManageTeamSettings'),
        },
      },
      schema: {
        summary: 'Create or update a person of a practice',
        params: Type.Object({ practiceId: Id, personId: Id }),
        body: PersonBody,
        response: { 200: Person, 201: Person, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = request.params;
      const { person, created } = await services.participant.upsertPerson({
        person: personOf(practiceId, personId, request.body),
      });
      if (!person) throw new HuddleError('internal', 'The person was not returned');
      return reply.code(created ? 201 : 200).send(presentDirectoryPerson(person));
    },
  );

  app.put(
    '/v1/practices/:practiceId/notification-settings',
    {
      config: {
        audit: {
          action: 'practice.notification_settings.changed',
          details: (request) => ({
            ...changedFields(request),
            ...choices('emailEnabled', 'includeContent')(request),
          }),
        },
      },
      schema: {
        summary: "Set a practice's outbound notification channels (webhook, email)",
        description:
          'Replaces the settings. Without webhookUrl the webhook and its secret are removed; a new webhook needs a secret.',
        params: Type.Object({ practiceId: Id }),
        body: NotificationSettingsBody,
        response: { 200: NotificationSettings, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId } = request.params;
      const { channels } = await services.notification.setPracticeChannels({
        practiceId,
        webhookUrl: request.body.webhookUrl ?? undefined,
        webhookSecret: request.body.webhookSecret,
        emailEnabled: request.body.emailEnabled,
        includeContent: request.body.includeContent,
      });
      if (!channels) throw new HuddleError('internal', 'The settings were not returned');
      return { ...channels, webhookUrl: channels.webhookUrl ?? null };
    },
  );

  app.get(
    '/v1/practices/:practiceId/notification-settings',
    {
      schema: {
        summary: "A practice's outbound notification channels (the webhook secret is never returned)",
        params: Type.Object({ practiceId: Id }),
        response: { 200: NotificationSettings, ...problemResponses },
      },
    },
    async (request) => {
      const { channels } = await services.notification.getPracticeChannels({
        practiceId: request.params.practiceId,
      });
      if (!channels) throw new HuddleError('internal', 'The settings were not returned');
      return { ...channels, webhookUrl: channels.webhookUrl ?? null };
    },
  );
}
