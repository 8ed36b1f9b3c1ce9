import type { chatV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { type PresentedSearchHit, presentSearchHit } from '../presenter/search';
import { Chat, Id, Message, Nullable, problemResponses } from '../schemas';
import type { RouteDeps } from './types';

const SearchQuery = Type.Object(
  {
    q: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'Words to find; "quoted phrases", `or` and -excluded words as in a web search',
    }),
    chatId: Type.Optional(Id),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
  },
  { additionalProperties: false },
);

const SearchHit = Type.Object({
  message: Message,
  snippet: Type.Array(Type.Object({ text: Type.String(), match: Type.Boolean() }), {
    description: 'Fragments of the body around the matches, as plain text; match marks the matching words',
  }),
  chat: Type.Pick(Chat, ['id', 'kind', 'title', 'avatar']),
});

/** X3: full-text search over what the caller may read now. */
export const searchRoutes = routeGroup({ tags: ['messages'], auth: 'person' }, search);

function search(app: App, { services, contexts }: RouteDeps) {
  app.get(
    '/v1/search',
    {
      // A full-text query over every chat of the caller's: four lookups' worth (limits/cost.ts).
      config: {
        cost: 4,
        audit: {
          action: 'messages.searched',
          details: (request) => ({ scope: 'chatId' in (request.query as object) ? 'chat' : 'all' }),
        },
      },
      schema: {
        summary: 'Search messages (X3), best match first, in cursor pages',
        description:
          'Live messages of the chats the caller is a participant of at the moment of the search ' +
          '(of one chat with chatId: 404 not_found unless the caller is in it), found by their ' +
          'current text, stemmed in the practice’s search language. Messages are presented as ' +
          'the chat’s pages present them (G5, P2); the snippet highlights the matches.',
        querystring: SearchQuery,
        response: {
          200: Type.Object({ items: Type.Array(SearchHit), nextCursor: Nullable(Type.String()) }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const caller = personOf(request);
      const page = await services.chat.searchMessages({
        practiceId: caller.practiceId,
        viewerId: caller.personId,
        query: request.query.q,
        chatId: request.query.chatId ?? '',
        cursor: request.query.cursor ?? '',
        limit: request.query.limit,
      });
      const chats = new Map(page.chats.map((chat) => [chat.id, chat]));
      // One presenting context per chat of the page, loaded once whatever its number of hits.
      type View = Awaited<ReturnType<typeof contexts.forViewer>>;
      const views = new Map<string, Promise<View | undefined>>();
      const viewOf = (chat: chatV1.Chat) => {
        let view: Promise<View | undefined> | undefined = views.get(chat.id);
        if (!view) {
          // Removed between the search and now (P4): that chat's hits are dropped, not shown.
          view = contexts.forViewer(chat, caller.personId).catch((error: unknown) => {
            if (error instanceof HuddleError && error.code === 'not_found') return undefined;
            throw error;
          });
          views.set(chat.id, view);
        }
        return view;
      };
      const items = await Promise.all(
        page.hits.map(async (hit): Promise<PresentedSearchHit | undefined> => {
          const chat = hit.message && chats.get(hit.message.chatId);
          const view = chat && (await viewOf(chat));
          return view && presentSearchHit(view.viewer, view.context, hit);
        }),
      );
      return {
        items: items.filter((item) => item !== undefined),
        nextCursor: page.nextCursor || null,
      };
    },
  );
}
