import { notFound } from '@huddle/errors';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { presentDirectoryPerson } from '../presenter/directory';
import { Person, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

export function meRoutes(app: App, { services }: RouteDeps) {
  app.get(
    '/v1/me',
    {
      config: { auth: 'person' },
      schema: {
        summary: 'The person the token belongs to',
        tags: ['people'],
        security: [{ bearer: [] }],
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
