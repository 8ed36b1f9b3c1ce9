import Type, { type TSchema } from 'typebox';
import {
  Chat,
  Id,
  Message,
  Notification,
  Nullable,
  PersonalState,
  PresentedPerson,
  StringEnum,
} from '../schemas';

/**
 * The frames of `GET /v1/stream`, for its documents: the 101 response of
 * `/openapi.json` (from which @huddle/client's event types are generated) and
 * the AsyncAPI document `/asyncapi.json` (realtime/asyncapi.ts). The route
 * itself never serializes through them; `present.ts` shapes the data.
 */

const Empty = Type.Object({});
/** A message named by id, with the message as REST now shows it to the viewer, or null when it is gone. */
const MessageRef = Type.Object({
  messageId: Id,
  message: Type.Union([Message, Type.Null()], {
    description:
      'The message as REST now shows it to this viewer (the tombstone after a delete); null when it is gone outright (P2 delete, P3)',
  }),
});
const ReactionChange = Type.Object({
  messageId: Id,
  emoji: Type.String(),
  count: Type.Integer({ minimum: 0, description: "The emoji's count after the change" }),
  reactedByMe: Type.Boolean({ description: 'Whether the viewer is among its reactors now' }),
  person: PresentedPerson,
});

function event(type: string, data: TSchema, description: string, chatId: TSchema = Id) {
  return Type.Object(
    {
      id: Type.String({
        description:
          'Unique; pass the last one received as last_event_id to resume. eph_ ids are never kept.',
      }),
      type: Type.Literal(type),
      chatId,
      data,
    },
    { title: type, description },
  );
}

/** Every frame the gateway sends: the envelope {id, type, chatId, data}, one shape per type. */
export const StreamEvent = Type.Union(
  [
    event('message.created', Message, 'A message or reply, presented as REST presents it to this viewer'),
    event('message.updated', Message, 'An edited message, presented as REST presents it to this viewer'),
    event('message.deleted', MessageRef, 'A message was deleted: a tombstone, or gone outright'),
    event('message.pinned', MessageRef, 'A message was pinned (G7)'),
    event('message.unpinned', MessageRef, 'A message was unpinned (G7)'),
    event('chat.updated', Chat, "The chat's settings changed; the chat as this viewer sees it (S6 title)"),
    event('chat.converted', Chat, 'A 1-on-1 or shared chat became a group (S5)'),
    event(
      'reaction.added',
      ReactionChange,
      'Someone reacted (X1); the reactor presented for this viewer (G5: a pseudonym for another client of a hiding group)',
    ),
    event('reaction.removed', ReactionChange, 'Someone took a reaction back (X1)'),
    event(
      'read_marker.moved',
      Type.Object({ personId: Id, readSeq: Type.Integer({ minimum: 0 }) }),
      'Someone read up to readSeq (U1); team members only',
    ),
    event(
      'participant.added',
      Type.Object({ person: PresentedPerson, role: Nullable(Type.String()) }),
      'Someone joined the chat',
    ),
    event(
      'participant.removed',
      Type.Object({ person: PresentedPerson, messages: StringEnum(['keep', 'delete']) }),
      'Someone was removed or left (P2, P3)',
    ),
    event(
      'chat.left',
      Type.Object({ chatId: Id }, { additionalProperties: false }),
      'The viewer is no longer in this chat: removed (P2) or left (P3) on some device. Drop it from ' +
        'the list and close it; nothing more of it follows (P4). Only the chat id: not who removed them, ' +
        'nor anything of the chat. To that viewer alone, and kept for resume like their other own events',
    ),
    event(
      'notification.created',
      Notification,
      "A new entry in the viewer's inbox, as GET /v1/notifications shows it (N1, X6)",
    ),
    event(
      'personal_state.updated',
      PersonalState,
      'The viewer pinned, archived or muted this chat, maybe on another device (X4); to them only',
    ),
    event('typing', Type.Object({ person: PresentedPerson }), 'Another participant is typing; never stored'),
    event(
      'stream.ready',
      Empty,
      'Sent once: from now on every event reaches this socket (after any missed ones)',
      Type.Null(),
    ),
    event(
      'stream.reset',
      Empty,
      'The missed events are no longer kept: refetch over REST, then carry on',
      Type.Null(),
    ),
    event(
      'stream.authenticated',
      Type.Object({ expiresAt: Type.String({ format: 'date-time' }) }),
      'A newer token was accepted: the socket now lives until expiresAt',
      Type.Null(),
    ),
  ],
  { description: 'A frame the gateway sends (JSON text)' },
);

/** Every frame a client may send (JSON text, at most 10 KiB). */
export const StreamClientFrame = Type.Union(
  [
    Type.Object(
      { type: Type.Literal('typing'), chatId: Id },
      { title: 'typing', description: 'I am typing in this chat (at most one is passed on every 2 s)' },
    ),
    Type.Object(
      { type: Type.Literal('auth'), token: Type.String({ minLength: 1, maxLength: 8192 }) },
      {
        title: 'auth',
        description:
          'A newer token of the same person and practice, sent before the current one expires; ' +
          'answered by stream.authenticated, or a close with 4401',
      },
    ),
  ],
  { description: 'A frame a client sends (JSON text)' },
);
