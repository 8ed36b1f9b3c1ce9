import type { sharingPolicyV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { Id, Nullable, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

const DefaultSharing = Type.Object({
  practitionerId: Type.String(),
  teamMemberIds: Type.Array(Type.String()),
  updatedAt: Nullable(Type.String({ format: 'date-time', description: 'Null while never set' })),
});

const Params = Type.Object({ personId: Id });
const description =
  'The practitioner themselves, the practice owner, or a team member who can manage team settings; ' +
  'anyone else is 403 forbidden.';

function present(sharing: sharingPolicyV1.DefaultSharing | undefined) {
  if (!sharing) throw new HuddleError('internal', 'The default sharing list was not returned');
  return {
    practitionerId: sharing.practitionerId,
    teamMemberIds: [...sharing.teamMemberIds],
    updatedAt: sharing.updatedAt?.toISOString() ?? null,
  };
}

/** S4: a practitioner's default direct-chat sharing list. */
export const sharingRoutes = routeGroup({ tags: ['sharing'], auth: 'person' }, sharing);

function sharing(app: App, { services }: RouteDeps) {
  app.get(
    '/v1/practitioners/:personId/direct-chat-sharing',
    {
      schema: {
        summary: "A practitioner's default direct-chat sharing list (S4)",
        description,
        params: Params,
        response: { 200: DefaultSharing, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { defaultSharing } = await services.sharingPolicy.getDefaultSharing({
        practiceId,
        actorId: personId,
        practitionerId: request.params.personId,
      });
      return present(defaultSharing);
    },
  );

  app.put(
    '/v1/practitioners/:personId/direct-chat-sharing',
    {
      config: { audit: { action: 'default_sharing.changed', targets: ['personId', 'teamMemberIds'] } },
      schema: {
        summary: "Set a practitioner's default direct-chat sharing list (S4)",
        description: `${description} Applies to 1-on-1 chats started from now on, not to existing ones.`,
        params: Params,
        body: Type.Object(
          { teamMemberIds: Type.Array(Id, { maxItems: 100, uniqueItems: true }) },
          { additionalProperties: false },
        ),
        response: { 200: DefaultSharing, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { defaultSharing } = await services.sharingPolicy.setDefaultSharing({
        practiceId,
        actorId: personId,
        practitionerId: request.params.personId,
        teamMemberIds: request.body.teamMemberIds,
      });
      return present(defaultSharing);
    },
  );
}
