import { forbidden, HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentMessage } from '../presenter';
import { viewChat } from '../presenter/chat-context';
import { Id, Message, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

const Meeting = Type.Object({
  provider: Type.Union([Type.Literal('builtin'), Type.Literal('zoom')]),
  joinUrl: Type.String(),
  message: Message,
});

/** M1: instant meetings from a chat, and the Zoom link they need. */
export const meetingRoutes = routeGroup({ tags: ['meetings'], auth: 'person' }, meetings);

function meetings(app: App, { services, contexts }: RouteDeps) {
  app.post(
    '/v1/chats/:chatId/meetings',
    {
      schema: {
        summary: 'Start an instant meeting; its join link is posted to the chat (M1)',
        description:
          'Built-in video or Zoom from a 1-on-1 or shared chat; Zoom only from a group chat, and only with Zoom linked.',
        params: Type.Object({ chatId: Id }),
        body: Type.Object(
          { provider: Type.Union([Type.Literal('builtin'), Type.Literal('zoom')]) },
          { additionalProperties: false },
        ),
        response: { 201: Meeting, ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId } = personOf(request);
      const { chatId } = request.params;
      const meeting = await services.chat.startMeeting({
        practiceId,
        chatId,
        actorId: personId,
        provider: request.body.provider,
      });
      if (!meeting.message) throw new HuddleError('internal', 'The meeting was not returned');
      const { context, viewer } = await viewChat(services.chat, contexts, { practiceId, personId }, chatId);
      reply.code(201);
      return {
        provider: meeting.provider as 'builtin' | 'zoom',
        joinUrl: meeting.joinUrl,
        message: presentMessage(viewer, context, meeting.message),
      };
    },
  );

  app.put(
    '/v1/practitioners/:personId/zoom-link',
    {
      schema: {
        summary: 'Link (or, with an empty token, unlink) your Zoom account for instant meetings',
        description:
          'Practitioners only. The OAuth access token of your Zoom user, kept for creating meetings ' +
          '(always with the neutral topic "Huddle meeting") and never returned.',
        params: Type.Object({ personId: Id }),
        body: Type.Object({ accessToken: Type.String({ maxLength: 4096 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ linked: Type.Boolean() }), ...problemResponses },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      if (request.params.personId !== personId) throw forbidden('You can only link your own Zoom account');
      return services.chat.linkZoom({ practiceId, personId, accessToken: request.body.accessToken });
    },
  );
}
