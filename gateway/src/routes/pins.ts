import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { viewMessage } from '../presenter/chat-context';
import { Id, Message, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

const MessageParams = Type.Object({ chatId: Id, messageId: Id });

/** G7: team members pin and unpin top-level posts of feed chats. */
export const pinRoutes = routeGroup({ tags: ['messages'], auth: 'person' }, pins);

function pins(app: App, { services, contexts }: RouteDeps) {
  for (const [method, pin] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/v1/chats/:chatId/pins/:messageId',
      schema: {
        summary: pin ? 'Pin a top-level feed post (G7)' : 'Unpin a feed post (G7)',
        description: 'Team members of feed chats; at most 10 pinned posts per chat.',
        params: MessageParams,
        response: { 200: Message, ...problemResponses },
      },
      handler: async (request) => {
        const { practiceId, personId } = personOf(request);
        const { chatId, messageId } = request.params;
        const target = { practiceId, chatId, actorId: personId, messageId };
        const { message } = await (pin
          ? services.chat.pinMessage(target)
          : services.chat.unpinMessage(target));
        return viewMessage(services.chat, contexts, { practiceId, personId }, chatId, message);
      },
    });
  }
}
