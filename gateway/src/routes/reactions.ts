import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentMessage, presentReactors } from '../presenter';
import { viewChat } from '../presenter/chat-context';
import { Emoji, Id, Message, problemResponses, Reactors } from '../schemas';
import type { RouteDeps } from './types';

const MessageParams = Type.Object({ chatId: Id, messageId: Id });
const ReactionParams = Type.Object({ chatId: Id, messageId: Id, emoji: Emoji });

/** X1: participants react to messages with emoji; team members see who reacted. */
export const reactionRoutes = routeGroup({ tags: ['reactions'], auth: 'person' }, reactions);

function reactions(app: App, { services, contexts }: RouteDeps) {
  for (const [method, reacted] of [
    ['PUT', true],
    ['DELETE', false],
  ] as const) {
    app.route({
      method,
      url: '/v1/chats/:chatId/messages/:messageId/reactions/:emoji',
      schema: {
        summary: reacted ? 'React to a message with an emoji (X1)' : 'Take back my reaction (X1)',
        description:
          'The emoji is one emoji grapheme, URL-encoded in the path (👍, 👍🏽 and 👨‍👩‍👧 are one each; ' +
          'anything else is 400 validation_failed). Idempotent: the message comes back as its ' +
          'reactions now stand. At most 20 different emoji per message (409 reaction_limit_reached); ' +
          'a locked chat takes reactions from its owner only (403 chat_locked); a deleted message ' +
          'takes none (404).',
        params: ReactionParams,
        response: { 200: Message, ...problemResponses },
      },
      handler: async (request) => {
        const caller = personOf(request);
        const { chatId, messageId, emoji } = request.params;
        const target = { practiceId: caller.practiceId, chatId, actorId: caller.personId, messageId, emoji };
        const { message } = await (reacted
          ? services.chat.addReaction(target)
          : services.chat.removeReaction(target));
        if (!message) throw new HuddleError('internal', 'The message was not returned');
        const { context, viewer } = await viewChat(services.chat, contexts, caller, chatId);
        return presentMessage(viewer, context, message);
      },
    });
  }

  app.get(
    '/v1/chats/:chatId/messages/:messageId/reactions',
    {
      schema: {
        summary: 'Who reacted to a message, per emoji (X1), for team members',
        description:
          'Team-member participants only: clients get 403 forbidden, so a client of an ' +
          'identity-hiding group never learns which other client reacted (G5). Emoji in the order ' +
          'first used, people in the order they reacted.',
        params: MessageParams,
        response: {
          200: Type.Object({ items: Type.Array(Reactors), nextCursor: Type.Null() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const caller = personOf(request);
      const { chatId, messageId } = request.params;
      const { reactors } = await services.chat.listReactions({
        practiceId: caller.practiceId,
        chatId,
        viewerId: caller.personId,
        messageId,
      });
      // Fresh: reactors who have left must show as former participants, not from a stale cache.
      const { context, viewer } = await viewChat(services.chat, contexts, caller, chatId, { fresh: true });
      return { items: presentReactors(viewer, context, reactors), nextCursor: null };
    },
  );
}
