import type { chatV1, participantV1 } from '@huddle/contracts';

/**
 * The one place that decides what a viewer may see of domain data (DESIGN.md
 * G4, G5, P2, S6). Pure functions: REST and the realtime stream both load a
 * ChatContext and present through here, so the rules cannot drift apart.
 */

export type PersonKind = 'practitioner' | 'client';

export interface Viewer {
  personId: string;
  kind: PersonKind;
}

/** A chat with its active participants and the directory entries of those participants. */
export interface ChatContext {
  chat: chatV1.Chat;
  participants: readonly participantV1.Participant[];
  people: ReadonlyMap<string, participantV1.Person>;
}

export interface PresentedPerson {
  /** Null when the viewer may not know who this is (G5, P2). */
  id: string | null;
  name: string;
  photoUrl: string | null;
  kind: PersonKind | null;
}

export interface PresentedChat {
  id: string;
  kind: 'direct' | 'shared' | 'group';
  name: string;
  title: string;
  avatar: string | null;
  style: string;
  clientNaming: string;
  hideClientIdentities: boolean;
  locked: boolean;
  ownerId: string;
  programId: string | null;
}

/** A file a message carries; metadata is null only in realtime events written before events described files. */
export interface PresentedAttachment {
  id: string;
  filename: string | null;
  contentType: string | null;
  size: number | null;
  url: string;
}

/** X1: one emoji on a message, as its viewer sees it. */
export interface PresentedReaction {
  emoji: string;
  count: number;
  reactedByMe: boolean;
}

/** X1: who reacted with one emoji, for team members; people presented per viewer (G5, P2). */
export interface PresentedReactors {
  emoji: string;
  count: number;
  reactedByMe: boolean;
  people: PresentedPerson[];
}

/** X5: a participant's read marker (U1), for team members. */
export interface PresentedReadMarker {
  person: PresentedPerson;
  readSeq: number;
}

/** X5: a file a live message of the chat carries. */
export interface PresentedChatFile extends PresentedAttachment {
  messageId: string;
  createdAt: string | null;
}

export interface PresentedMessage {
  id: string;
  chatId: string;
  seq: number;
  parentId: string | null;
  author: PresentedPerson;
  body: string;
  mentions: PresentedPerson[];
  attachments: PresentedAttachment[];
  pinned: boolean;
  editedAt: string | null;
  deletedAt: string | null;
  createdAt: string | null;
  replyCount: number;
  /** X1: per emoji, in the order first used; a deleted message has none. */
  reactions: PresentedReaction[];
  /** Feed pages: a post's newest replies (up to 3), oldest first (G2). Empty elsewhere. */
  latestReplies: PresentedMessage[];
}

/** X4: the viewer's own state of a chat. */
export interface PresentedPersonalState {
  pinned: boolean;
  archived: boolean;
  mutedUntil: string | null;
}

/** A chat as the viewer's chat list shows it (U1, S6), with the viewer's own state of it (X4). */
export interface PresentedChatListItem extends PresentedChat, PresentedPersonalState {
  unreadCount: number;
  lastMessage: PresentedMessage | null;
}

/** G8: an earlier content of a message; carries no person. */
export interface PresentedRevision {
  number: number;
  body: string;
  attachmentIds: string[];
  replacedAt: string | null;
}

/** P2: how a removed or unlinked author (or mention) appears to everyone. */
export const formerParticipant: Readonly<PresentedPerson> = Object.freeze({
  id: null,
  name: 'Former participant',
  photoUrl: null,
  kind: null,
});

const fullName = (person: participantV1.Person) => `${person.firstName} ${person.lastName}`.trim();

/** G4: how a client's name appears to other clients under the chat's client naming. */
export function clientName(person: participantV1.Person, clientNaming: string): string {
  switch (clientNaming) {
    case 'first':
      return person.firstName;
    case 'first_initial': {
      const initial = person.lastName.trim().charAt(0);
      return initial ? `${person.firstName} ${initial}.` : person.firstName;
    }
    default:
      return fullName(person);
  }
}

const kindOf = (participant: participantV1.Participant): PersonKind =>
  participant.kind === 'client' || (participant.kind !== 'practitioner' && participant.role === 'client')
    ? 'client'
    : 'practitioner';

const findParticipant = (context: ChatContext, personId: string) =>
  context.participants.find((participant) => participant.personId === personId);

/** The viewer as a participant of the chat, or undefined when they are not one (A1). */
export function viewerIn(context: ChatContext, personId: string): Viewer | undefined {
  const participant = findParticipant(context, personId);
  return participant && { personId, kind: kindOf(participant) };
}

/** One person of a chat as this viewer may see them. */
export function presentPerson(
  viewer: Viewer,
  context: ChatContext,
  personId: string | null | undefined,
): PresentedPerson {
  const participant = personId ? findParticipant(context, personId) : undefined;
  if (!participant) return { ...formerParticipant };
  const kind = kindOf(participant);
  const person = context.people.get(participant.personId);
  const hidden = { id: null, name: participant.pseudonym, photoUrl: null, kind } satisfies PresentedPerson;
  const seesInFull =
    participant.personId === viewer.personId || viewer.kind === 'practitioner' || kind !== 'client';
  if (seesInFull) {
    // A participant the directory does not know (yet) is named by their pseudonym rather than left blank.
    if (!person) return { ...hidden, id: participant.personId };
    return { id: person.id, name: fullName(person), photoUrl: person.photoUrl ?? null, kind };
  }
  // A client looking at another client: G5 hides them entirely, else G4 decides the name.
  if (context.chat.hideClientIdentities || !person) return hidden;
  return {
    id: person.id,
    name: clientName(person, context.chat.clientNaming),
    photoUrl: person.photoUrl ?? null,
    kind,
  };
}

/**
 * Someone who has just left the chat (P2, P3), as this viewer may see them.
 * They are no longer a participant, so their pseudonym is gone with them: a
 * client of an identity-hiding group sees another client as "Former
 * participant" (G5); otherwise the viewer sees them as they would have while
 * they took part (G4). `person` is their directory entry, if any.
 */
export function presentDeparted(
  viewer: Viewer,
  context: ChatContext,
  personId: string,
  person: participantV1.Person | undefined,
): PresentedPerson {
  if (!person || person.id !== personId) return { ...formerParticipant };
  const kind: PersonKind = person.kind === 'client' ? 'client' : 'practitioner';
  const departed: participantV1.Participant = {
    chatId: context.chat.id,
    personId,
    role: kind === 'client' ? 'client' : 'team',
    via: '',
    addedBy: '',
    pseudonym: formerParticipant.name,
    kind,
  };
  const withDeparted: ChatContext = {
    ...context,
    participants: [...context.participants.filter((p) => p.personId !== personId), departed],
    people: new Map([...context.people, [personId, person]]),
  };
  return presentPerson(viewer, withDeparted, personId);
}

const isTeam = (participant: participantV1.Participant) => kindOf(participant) === 'practitioner';

/** Who is in a chat, as far as its title needs to know (S6). */
export interface ChatComposition {
  teamCount: number;
  /** The client of a direct chat. */
  clientId: string | undefined;
}

export function compositionOf(context: ChatContext): ChatComposition {
  return {
    teamCount: context.participants.filter(isTeam).length,
    clientId: context.participants.find((participant) => !isTeam(participant))?.personId,
  };
}

/** S6: a direct chat with more than one team member is a shared chat. */
export function chatKind(
  context: ChatContext,
  composition: ChatComposition = compositionOf(context),
): PresentedChat['kind'] {
  if (context.chat.kind === 'group') return 'group';
  return composition.teamCount > 1 ? 'shared' : 'direct';
}

/**
 * S6 titles. A group shows its own name and preset avatar, never a client's
 * photo. A direct chat shows the other side: practitioners see the client,
 * the client sees the owner. A shared chat adds "+N more", N being the team
 * members it is shared with beyond the owner. DESIGN.md names only the team's
 * view of a shared chat; the client sees the owner's name with the same count,
 * since their own name would tell them nothing.
 */
function titleOf(
  viewer: Viewer,
  context: ChatContext,
  kind: PresentedChat['kind'],
  composition: ChatComposition,
) {
  const { chat } = context;
  if (kind === 'group') return { title: chat.name, avatar: chat.avatar || null };
  const counterpartId = viewer.kind === 'client' ? chat.ownerId : composition.clientId;
  const counterpart = presentPerson(viewer, context, counterpartId);
  if (kind === 'direct') return { title: counterpart.name, avatar: counterpart.photoUrl };
  const sharedWith = Math.max(composition.teamCount - 1, 0);
  return { title: `${counterpart.name} +${sharedWith} more`, avatar: counterpart.photoUrl };
}

/** What other clients read as the name of a group whose name was generated from a client (S5, G5). */
export const NEUTRAL_GROUP_NAME = 'Group chat';

/**
 * S5 names a converted chat "<client's full name> (Group)". Until the owner
 * renames it, only team members and that client read it; every other client
 * reads a neutral name, whatever the chat's client naming or identity hiding
 * (G4, G5): a name is shown on every surface and outlives any setting.
 */
function nameFor(viewer: Viewer, chat: chatV1.Chat): string {
  const namedAfter = chat.namedAfterClientId;
  if (!namedAfter || viewer.kind === 'practitioner' || viewer.personId === namedAfter) return chat.name;
  return NEUTRAL_GROUP_NAME;
}

export function presentChat(
  viewer: Viewer,
  context: ChatContext,
  composition: ChatComposition = compositionOf(context),
): PresentedChat {
  const named = { ...context, chat: { ...context.chat, name: nameFor(viewer, context.chat) } };
  const { chat } = named;
  const kind = chatKind(named, composition);
  return {
    id: chat.id,
    kind,
    name: chat.name,
    ...titleOf(viewer, named, kind, composition),
    style: chat.style,
    clientNaming: chat.clientNaming,
    hideClientIdentities: chat.hideClientIdentities,
    locked: chat.locked,
    ownerId: chat.ownerId,
    programId: chat.programId ?? null,
  };
}

const iso = (date: Date | undefined) => date?.toISOString() ?? null;

export const attachmentUrl = (attachmentId: string) => `/v1/attachments/${encodeURIComponent(attachmentId)}`;

function presentAttachments(message: chatV1.Message): PresentedAttachment[] {
  const described = new Map(message.attachments.map((file) => [file.id, file]));
  return message.attachmentIds.map((id) => {
    const file = described.get(id);
    return {
      id,
      filename: file?.filename ?? null,
      contentType: file?.contentType ?? null,
      size: file?.size ?? null,
      url: attachmentUrl(id),
    };
  });
}

/**
 * A message as the viewer may see it: author and mentions through
 * presentPerson (G4, G5, P2), and the same for the latest replies of a feed post.
 */
export function presentMessage(
  viewer: Viewer,
  context: ChatContext,
  message: chatV1.Message,
): PresentedMessage {
  const deleted = message.deletedAt !== undefined;
  return {
    id: message.id,
    chatId: message.chatId,
    seq: message.seq,
    parentId: message.parentId ?? null,
    author: presentPerson(viewer, context, message.authorId),
    // A deleted message keeps its place in the chat (and its thread) but none of its content.
    body: deleted ? '' : message.body,
    mentions: deleted ? [] : message.mentions.map((personId) => presentPerson(viewer, context, personId)),
    attachments: deleted ? [] : presentAttachments(message),
    pinned: message.pinned,
    editedAt: iso(message.editedAt),
    deletedAt: iso(message.deletedAt),
    createdAt: iso(message.createdAt),
    replyCount: message.replyCount,
    reactions: deleted
      ? []
      : message.reactions.map(({ emoji, count, reactedByMe }) => ({ emoji, count, reactedByMe })),
    latestReplies: message.latestReplies.map((reply) => presentMessage(viewer, context, reply)),
  };
}

/**
 * X1: who reacted to a message, per emoji in the order first used, people in the order
 * they reacted. The chat service answers this to team members only; people go through
 * presentPerson all the same, so a departed reactor is a "Former participant" (P2).
 */
export function presentReactors(
  viewer: Viewer,
  context: ChatContext,
  reactors: readonly chatV1.Reactor[],
): PresentedReactors[] {
  const byEmoji = new Map<string, string[]>();
  for (const { emoji, personId } of reactors) byEmoji.set(emoji, [...(byEmoji.get(emoji) ?? []), personId]);
  return [...byEmoji].map(([emoji, personIds]) => ({
    emoji,
    count: personIds.length,
    reactedByMe: personIds.includes(viewer.personId),
    people: personIds.map((personId) => presentPerson(viewer, context, personId)),
  }));
}

/** X5: a participant's read marker, the person presented for the viewer. */
export function presentReadMarker(
  viewer: Viewer,
  context: ChatContext,
  marker: chatV1.ReadMarker,
): PresentedReadMarker {
  return { person: presentPerson(viewer, context, marker.personId), readSeq: marker.readSeq };
}

/** X5: a file of a chat's live message. */
export function presentChatFile(attachment: chatV1.Attachment, messageId: string): PresentedChatFile {
  return {
    id: attachment.id,
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
    url: attachmentUrl(attachment.id),
    messageId,
    createdAt: iso(attachment.createdAt),
  };
}

export function presentRevision(revision: chatV1.Revision): PresentedRevision {
  return {
    number: revision.number,
    body: revision.body,
    attachmentIds: [...revision.attachmentIds],
    replacedAt: iso(revision.replacedAt),
  };
}

/** The people a chat-list item needs from the directory: its title and its last message. */
export function peopleOfSummary(summary: chatV1.ChatSummary, viewerId: string): string[] {
  const chat = summary.chat;
  const last = summary.lastMessage;
  const ids = [viewerId, chat?.ownerId, summary.clientId, last?.authorId, ...(last?.mentions ?? [])];
  return ids.filter((id): id is string => Boolean(id));
}

/**
 * Whether presenting this list item needs the chat's real participants: only
 * a client looking at a group that hides identities, whose last message names
 * another client, since that client must appear under their per-chat pseudonym (G5).
 */
export function summaryNeedsParticipants(
  summary: chatV1.ChatSummary,
  viewer: Viewer,
  people: ReadonlyMap<string, participantV1.Person>,
): boolean {
  if (viewer.kind !== 'client' || !summary.chat?.hideClientIdentities || !summary.lastMessage) return false;
  const named = [summary.lastMessage.authorId, ...summary.lastMessage.mentions];
  return named.some((id) => id && id !== viewer.personId && people.get(id)?.kind !== 'practitioner');
}

/**
 * A context for one chat-list item built from the list's counters and one
 * directory look-up for the whole page, instead of loading every chat's
 * participants. The people it names are the chat's owner, its client, the
 * last message's author and mentions: a message keeps its author id only while
 * they take part (P2 unlinks it). Whoever the directory does not know is a
 * "Former participant".
 */
export function summaryContext(
  summary: chatV1.ChatSummary & { chat: chatV1.Chat },
  viewerId: string,
  people: ReadonlyMap<string, participantV1.Person>,
): ChatContext {
  const { chat } = summary;
  const participants = [...new Set(peopleOfSummary(summary, viewerId))].flatMap(
    (personId): participantV1.Participant[] => {
      const person = people.get(personId);
      // The viewer is a participant whatever the directory says; unknown, they see no more than a client.
      if (!person && personId !== viewerId) return [];
      const kind = person?.kind === 'practitioner' ? 'practitioner' : 'client';
      const role = personId === chat.ownerId ? 'owner' : kind === 'client' ? 'client' : 'team';
      return [{ chatId: chat.id, personId, role, via: '', addedBy: '', pseudonym: '', kind }];
    },
  );
  return { chat, participants, people };
}

export function presentChatListItem(
  viewer: Viewer,
  context: ChatContext,
  summary: chatV1.ChatSummary,
): PresentedChatListItem {
  return {
    ...presentChat(viewer, context, { teamCount: summary.teamCount, clientId: summary.clientId }),
    unreadCount: summary.unreadCount,
    lastMessage: summary.lastMessage ? presentMessage(viewer, context, summary.lastMessage) : null,
    ...presentPersonalState(summary.personalState),
  };
}

/** X4: the viewer's own state of a chat; a mute whose time has passed reads as none. */
export function presentPersonalState(
  state: chatV1.PersonalState | undefined,
  now: Date = new Date(),
): PresentedPersonalState {
  const mutedUntil = state?.mutedUntil && state.mutedUntil > now ? state.mutedUntil.toISOString() : null;
  return { pinned: state?.pinned ?? false, archived: state?.archived ?? false, mutedUntil };
}
