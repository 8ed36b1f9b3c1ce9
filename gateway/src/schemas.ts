import Type, { type TSchema } from 'typebox';

/** Shared TypeBox schemas of the public API (DESIGN.md section 4). */

export const idPattern = '^[A-Za-z0-9_-]{1,64}$';
export const Id = Type.String({ pattern: idPattern, description: 'An identifier: 1-64 of A-Z a-z 0-9 _ -' });

/** A message's place in its chat: whole, from 0, and exact in JSON (at most 2^53 - 1). */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Enumerations carry their type so fast-json-stringify and OpenAPI both know they are strings. */
export const StringEnum = <const V extends string[]>(values: V, options: { default?: V[number] } = {}) =>
  Type.Enum(values, { type: 'string', ...options });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'A stable error code of DESIGN.md section 4' }),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          { in: Type.String(), field: Type.String(), message: Type.String() },
          { additionalProperties: false },
        ),
      ),
    ),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** Every route answers errors as problem+json. */
export const problemResponses = { '4xx': Problem, '5xx': Problem } as const;

export const PersonKind = StringEnum(['practitioner', 'client']);
export const Plan = StringEnum(['starter', 'professional', 'plus', 'team']);
export const TeamRole = StringEnum(['owner', 'admin', 'member']);
export const ChatStyle = StringEnum(['feed', 'direct']);
export const ClientNaming = StringEnum(['full', 'first_initial', 'first']);

export const Practice = Type.Object({ id: Id, name: Type.String(), plan: Plan });

export const Person = Type.Object({
  id: Id,
  kind: PersonKind,
  firstName: Type.String(),
  lastName: Type.String(),
  photoUrl: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  teamRole: Nullable(TeamRole),
  canManageTeamSettings: Type.Boolean(),
  clientTagRestriction: Nullable(Type.Array(Type.String())),
  zoomLinked: Type.Boolean(),
  email: Nullable(Type.String()),
});

export const PresentedPerson = Type.Object(
  {
    id: Nullable(Type.String()),
    name: Type.String(),
    photoUrl: Nullable(Type.String()),
    kind: Nullable(PersonKind),
  },
  { description: 'A person as the viewer may see them; id is null when the viewer may not know it (G5, P2)' },
);

export const Chat = Type.Object({
  id: Id,
  kind: StringEnum(['direct', 'shared', 'group']),
  name: Type.String(),
  title: Type.String(),
  avatar: Nullable(Type.String()),
  style: Type.String(),
  clientNaming: Type.String(),
  hideClientIdentities: Type.Boolean(),
  locked: Type.Boolean(),
  ownerId: Type.String(),
  programId: Nullable(Type.String()),
});

export const MessageAttachment = Type.Object(
  {
    id: Type.String(),
    filename: Nullable(Type.String()),
    contentType: Nullable(Type.String()),
    size: Nullable(Type.Integer()),
    url: Type.String({ description: 'Where a participant downloads the file' }),
  },
  {
    description:
      'A file of a message, described in REST and realtime alike; metadata is null only in ' +
      'realtime events written before events described files',
  },
);

/** X1: one emoji grapheme, as a path segment (URL-encoded) or in a body. */
export const Emoji = Type.String({ minLength: 1, maxLength: 64, description: 'One emoji, e.g. 👍 or 👍🏽' });

export const Reaction = Type.Object(
  { emoji: Type.String(), count: Type.Integer({ minimum: 1 }), reactedByMe: Type.Boolean() },
  { description: 'X1: one emoji on a message; reactedByMe is for the caller' },
);

const messageFields = {
  id: Type.String(),
  chatId: Type.String(),
  seq: Seq,
  parentId: Nullable(Type.String()),
  author: PresentedPerson,
  body: Type.String(),
  mentions: Type.Array(PresentedPerson),
  attachments: Type.Array(MessageAttachment),
  pinned: Type.Boolean(),
  editedAt: Nullable(Type.String({ format: 'date-time' })),
  deletedAt: Nullable(Type.String({ format: 'date-time' })),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  replyCount: Type.Integer(),
  reactions: Type.Array(Reaction, { description: 'X1: per emoji, in the order first used' }),
};

export const Reply = Type.Object(messageFields);

export const Message = Type.Object({
  ...messageFields,
  latestReplies: Type.Array(Reply, {
    description: 'Feed posts: their newest replies (up to 3), oldest first; empty elsewhere',
  }),
});

/** X4: the caller's own state of a chat; nobody else sees it. */
export const PersonalState = Type.Object({
  pinned: Type.Boolean({ description: 'Listed above the unpinned chats' }),
  archived: Type.Boolean({
    description: 'Left out of the chat list unless asked for (?archived=true); a new message unarchives',
  }),
  mutedUntil: Nullable(
    Type.String({
      format: 'date-time',
      description: 'Only mentions notify until then (G9); null when not muted or once the time has passed',
    }),
  ),
});

export const ChatListItem = Type.Object({
  ...Chat.properties,
  unreadCount: Type.Integer({ minimum: 0 }),
  lastMessage: Nullable(Message),
  ...PersonalState.properties,
});

export const Attachment = Type.Object({
  id: Type.String(),
  filename: Type.String(),
  contentType: Type.String(),
  size: Type.Integer(),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
});

/** X1: who reacted with one emoji (team members only). */
export const Reactors = Type.Object({
  ...Reaction.properties,
  people: Type.Array(PresentedPerson, { description: 'In the order they reacted' }),
});

/** X5: a participant's read marker (team members only). */
export const ReadMarker = Type.Object({ person: PresentedPerson, readSeq: Seq });

/** X5: a file a live message of the chat carries. */
export const ChatFile = Type.Object({
  ...MessageAttachment.properties,
  messageId: Type.String(),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
});

export const Revision = Type.Object({
  number: Type.Integer(),
  body: Type.String(),
  attachmentIds: Type.Array(Type.String()),
  replacedAt: Nullable(Type.String({ format: 'date-time' })),
});

/**
 * An inbox entry (N1), with what its viewer may see now of its chat, actor and message (X6).
 * Outbound webhooks and emails carry none of the X6 fields.
 */
export const Notification = Type.Object({
  id: Type.String(),
  type: StringEnum(['message', 'mention', 'added', 'scheduled_message_failed']),
  chatId: Type.String(),
  messageId: Nullable(Type.String()),
  createdAt: Nullable(Type.String({ format: 'date-time' })),
  readAt: Nullable(Type.String({ format: 'date-time' })),
  chat: Type.Object(
    { id: Type.String(), title: Nullable(Type.String()), avatar: Nullable(Type.String()) },
    {
      description:
        'X6: the chat as the viewer sees it (S6, G5); title and avatar are null once the viewer ' +
        'no longer takes part in it',
    },
  ),
  actor: Nullable(
    Type.Object(PresentedPerson.properties, {
      description:
        "X6: who caused it (a message's author, or who added the viewer), presented for the viewer " +
        '(G5, P2); null when not known or no longer the viewer’s to see',
    }),
  ),
  snippet: Nullable(
    Type.String({
      maxLength: 140, // SNIPPET_MAX of presenter/notifications.ts
      description:
        "X6: the start of the message's text on one line, cut between graphemes; only while the " +
        'viewer may read the message (null once they were removed, or it was deleted)',
    }),
  ),
});
/** Cursor pages: `?cursor=` from the previous page's nextCursor, `?limit=` 1-200 (default 50). */
export const PageQuery = Type.Object(
  {
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

/** The preset avatars of group chats (G1), shared with the chat service. */
export { CHAT_AVATARS } from '@huddle/contracts';
