import { notFound } from '@huddle/errors';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentDirectoryPerson } from '../presenter/directory';
import { Person, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

export const meRoutes = routeGroup({ tags: ['people'], auth: 'person' }, me);

function me(app: App, { services }: RouteDeps) {
  app.get(
    '/v1/me',
    {
      schema: {
        summary: 'The person the token belongs to',
        response: { 200: Person, ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { person } = await services.participant.getPerson({ practiceId, personId });
      if (!person) throw notFound('Person');
      return presentDirectoryPerson(person);
    },
  );
}
