import { HuddleError } from '@huddle/errors';
import Type from 'typebox';
import type { App } from '../fastify-app';
import { choices } from '../plugins/audit';
import { personOf } from '../plugins/auth';
import { routeGroup } from '../plugins/route-group';
import { presentChat } from '../presenter';
import { viewChat } from '../presenter/chat-context';
import { presentParticipants } from '../presenter/participants';
import { Chat, Id, Nullable, PersonKind, problemResponses, StringEnum } from '../schemas';
import type { RouteDeps } from './types';

const Participant = Type.Object(
  {
    id: Nullable(Type.String()),
    name: Type.String(),
    photoUrl: Nullable(Type.String()),
    kind: Nullable(PersonKind),
    role: StringEnum(['owner', 'team', 'client']),
    via: Nullable(
      Type.String({
        description:
          'created | invited | default_sharing | program | conversion; null, like addedAt, for another client hidden from the viewer (G5)',
      }),
    ),
    addedAt: Nullable(Type.String({ format: 'date-time' })),
    addedBy: Nullable(
      Type.String({
        description: 'Team members only: the participant or service (svc:<name>) who added them',
      }),
    ),
  },
  {
    description:
      'A participant as the viewer may see them; a client in an identity-hiding group sees other clients by pseudonym only (G5)',
  },
);

const ChatParams = Type.Object({ chatId: Id });
const RemoveParams = Type.Object({
  chatId: Id,
  personId: Type.String({
    pattern: '^(me|[A-Za-z0-9_-]{1,64})$',
    description: 'A person id, or `me` to leave',
  }),
});
const RemoveQuery = Type.Object(
  {
    // Removing someone else: keep their messages (unlinked) or delete them. Leaving always deletes.
    messages: Type.Optional(StringEnum(['keep', 'delete'])),
  },
  { additionalProperties: false },
);

/** Who is in a chat (DESIGN.md P1-P4, S2, S3, S5): list, add, remove, leave. */
export const participantRoutes = routeGroup({ tags: ['participants'], auth: 'person' }, participants);

function participants(app: App, { services, contexts }: RouteDeps) {
  app.get(
    '/v1/chats/:chatId/participants',
    {
      schema: {
        summary: "A chat's participants, presented for the caller (G4, G5)",
        description: 'Participants only (A1); to anyone else the chat does not exist (404).',
        params: ChatParams,
        response: {
          200: Type.Object({ items: Type.Array(Participant), nextCursor: Type.Null() }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      // Who is in the chat is what this answers: never from a cache that may predate a change.
      const { context, viewer } = await viewChat(
        services.chat,
        contexts,
        personOf(request),
        request.params.chatId,
        {
          fresh: true,
        },
      );
      return { items: presentParticipants(viewer, context), nextCursor: null };
    },
  );

  app.post(
    '/v1/chats/:chatId/participants',
    {
      config: {
        audit: { action: 'participants.added', targets: ['personIds'], details: choices('convertToGroup') },
      },
      schema: {
        summary: 'Add people to a chat (P1, S2, S3, S5)',
        description:
          'Team-member participants add to a group; only the owner adds to a direct chat. Team members ' +
          'added to a direct chat share it (plus/team plans: plan_required otherwise). A client added to ' +
          'a direct chat converts it into a group named "<client> (Group)", for good, and reads its earlier ' +
          'history: the request must say `convertToGroup: true` (409 conversion_required otherwise). Every ' +
          'team member already in the chat must reach each client added (403 tag_restricted names those ' +
          'whose restriction excludes one, S3). Clients never add; nobody adds themselves.',
        params: ChatParams,
        body: Type.Object(
          {
            personIds: Type.Array(Id, { minItems: 1, maxItems: 100, uniqueItems: true }),
            convertToGroup: Type.Optional(
              Type.Boolean({
                description:
                  'S5: true to add a client to a direct chat, turning it into a group chat for good; ' +
                  'the client reads the earlier history',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            chat: Chat,
            addedIds: Type.Array(Type.String(), {
              description: 'Who was added now; people already in are left out',
            }),
          }),
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { practiceId, personId } = personOf(request);
      const { chatId } = request.params;
      const { chat, addedIds } = await services.chat.addParticipants({
        practiceId,
        chatId,
        actorId: personId,
        personIds: request.body.personIds,
        convertToGroup: request.body.convertToGroup ?? false,
      });
      if (!chat) throw new HuddleError('internal', 'The chat was not returned');
      const { context, viewer } = await contexts.forViewer(chat, personId, { fresh: true });
      return { chat: presentChat(viewer, context), addedIds };
    },
  );

  app.delete(
    '/v1/chats/:chatId/participants/:personId',
    {
      config: {
        audit: { action: 'participant.removed', targets: ['personId'], details: choices('messages') },
      },
      schema: {
        summary: 'Remove a participant (P2), or leave with `me` (P3)',
        description:
          'The chat owner or a practice owner/admin (even one not in the chat, who still cannot read it) ' +
          'removes someone, choosing messages=keep (shown as "Former participant") or messages=delete (their ' +
          'posts, replies and threads rooted at their posts). Leaving a group deletes your messages; the owner ' +
          'cannot leave (409 owner_cannot_leave). Nobody leaves a 1-on-1 or shared chat, and its client is ' +
          'not removed (409 cannot_leave_direct_chat).',
        params: RemoveParams,
        querystring: RemoveQuery,
        response: { 204: Type.Null(), ...problemResponses },
      },
    },
    async (request, reply) => {
      const { practiceId, personId: actorId } = personOf(request);
      const { chatId } = request.params;
      const personId = request.params.personId === 'me' ? actorId : request.params.personId;
      const leaving = personId === actorId;
      const { messages } = request.query;
      if (!leaving && messages === undefined) {
        throw new HuddleError(
          'validation_failed',
          'Say what happens to their messages: messages=keep or messages=delete',
          { fields: ['messages'] },
        );
      }
      await services.chat.removeParticipant({
        practiceId,
        chatId,
        actorId,
        personId,
        messages: leaving ? 'delete' : (messages ?? 'delete'),
      });
      // P4: this gateway presents nothing more to them from a list that still holds them.
      contexts.forget(chatId);
      return reply.code(204).send(null);
    },
  );
}
