import type {
  AuditRecordData,
  auditV1,
  chatV1,
  notificationV1,
  participantV1,
  RealtimeEvent,
  sharingPolicyV1,
} from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import { SignJWT } from 'jose';
import { vi } from 'vitest';
import { buildApp, type GatewayDeps } from '../../src/app';
import type { AuditRecorder } from '../../src/audit/port';
import { type GatewayConfig, loadConfig } from '../../src/config';
import type { ChatsOf } from '../../src/realtime/hub';
import type { CatchUp, RealtimeFeed, RealtimeLog } from '../../src/realtime/port';

export const secret = 'unit-test-secret-that-is-at-least-32-bytes';
export const practiceId = 'p1';

export const testConfig: Readonly<GatewayConfig> = loadConfig({
  AUTH_JWT_SECRET: secret,
  LOG_LEVEL: 'silent',
  // Tests drive behaviour, not budgets (fairness.test.ts sets the limits it tests).
  RATE_LIMIT_PER_MINUTE: '1000000',
  RATE_LIMIT_PRACTICE_PER_MINUTE: '1000000',
  PRACTICE_MAX_IN_FLIGHT: '10000',
  // A test worker compiling schemas stalls its event loop; shedding is tested on its own.
  MAX_EVENT_LOOP_DELAY_MS: '0',
  MAX_EVENT_LOOP_UTILIZATION: '0',
});

export async function token(
  claims: { sub?: string; practice?: string; scope?: string },
  { key = secret, expiresIn = '5m' }: { key?: string; expiresIn?: string | number } = {},
) {
  return new SignJWT({ practice: practiceId, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(key));
}

export const personToken = (personId: string) => token({ sub: personId });
export const serviceToken = (scope = 'directory:write', practice = practiceId) =>
  token({ sub: 'svc:platform', scope, practice });

export function person(
  id: string,
  kind: 'practitioner' | 'client',
  firstName: string,
  lastName: string,
  photoUrl?: string,
): participantV1.Person {
  return {
    id,
    practiceId,
    kind,
    firstName,
    lastName,
    photoUrl,
    tags: [],
    teamRole: kind === 'practitioner' ? 'member' : '',
    canManageTeamSettings: false,
    clientTagRestriction: undefined,
    zoomLinked: false,
  };
}

export function participant(
  chatId: string,
  personId: string,
  role: 'owner' | 'team' | 'client',
  pseudonym: string,
): participantV1.Participant {
  return {
    chatId,
    personId,
    role,
    via: role === 'owner' ? 'created' : 'invited',
    addedBy: 'olivia',
    pseudonym,
    kind: role === 'client' ? 'client' : 'practitioner',
  };
}

export function chat(overrides: Partial<chatV1.Chat> = {}): chatV1.Chat {
  return {
    id: 'chat1',
    practiceId,
    kind: 'group',
    name: 'Morning walkers',
    avatar: 'sunrise',
    style: 'feed',
    clientNaming: 'full',
    hideClientIdentities: false,
    locked: false,
    ownerId: 'olivia',
    ...overrides,
  };
}

export function message(overrides: Partial<chatV1.Message> = {}): chatV1.Message {
  return {
    id: 'm1',
    chatId: 'chat1',
    seq: 1,
    authorId: 'dana',
    body: 'Hello all',
    mentions: [],
    attachmentIds: [],
    attachments: [],
    latestReplies: [],
    reactions: [],
    pinned: false,
    createdAt: new Date('2025-01-02T03:04:05.000Z'),
    replyCount: 0,
    ...overrides,
  };
}

/** Olivia (owner) and Terry (team) are practitioners; Dana and Eli are clients. */
export const people = {
  olivia: person('olivia', 'practitioner', 'Olivia', 'Owens', 'https://img.example/olivia.png'),
  terry: person('terry', 'practitioner', 'Terry', 'Team', 'https://img.example/terry.png'),
  dana: person('dana', 'client', 'Dana', 'Smith', 'https://img.example/dana.png'),
  eli: person('eli', 'client', 'Eli', 'Jones', 'https://img.example/eli.png'),
};

/** People of the practice in no chat of the fakes: Sam, a practitioner. */
export const stranger = person('stranger', 'practitioner', 'Sam', 'Stranger');
const directory: Record<string, participantV1.Person> = { ...people, stranger };

export const groupParticipants = [
  participant('chat1', 'olivia', 'owner', 'Member 1'),
  participant('chat1', 'terry', 'team', 'Member 2'),
  participant('chat1', 'dana', 'client', 'Member 3'),
  participant('chat1', 'eli', 'client', 'Member 4'),
];

const notFound = (what: string) => new HuddleError('not_found', `${what} not found`);

/**
 * In-memory stand-ins for the three gRPC services: one group chat whose
 * participants are `groupParticipants`. Each RPC is a spy so tests can assert
 * that bad requests never reach a service.
 */
export function fakeServices() {
  const state = { chat: chat(), participants: [...groupParticipants], messages: [message()] };
  const isParticipant = (personId: string) => state.participants.some((p) => p.personId === personId);
  const services = {
    chat: {
      createGroup: vi.fn(async (request: chatV1.CreateGroupRequest) => ({
        chat: chat({
          id: 'chat2',
          name: request.name,
          avatar: request.avatar,
          style: request.style,
          ownerId: request.creatorId,
        }),
      })),
      getChat: vi.fn(async ({ chatId, viewerId }: chatV1.GetChatRequest) => {
        if (chatId !== state.chat.id || !isParticipant(viewerId)) throw notFound('Chat');
        return { chat: state.chat };
      }),
      postMessage: vi.fn(async (request: chatV1.PostMessageRequest) => {
        if (!isParticipant(request.authorId)) throw notFound('Chat');
        return {
          message: message({
            id: 'm2',
            seq: 2,
            authorId: request.authorId,
            body: request.body,
            mentions: request.mentions,
            attachmentIds: request.attachmentIds,
            parentId: request.parentId,
          }),
          created: request.idempotencyKey !== 'seen-before',
          chat: state.chat,
        };
      }),
      listMessages: vi.fn(async ({ viewerId }: chatV1.ListMessagesRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { messages: state.messages, nextCursor: '', pinned: [] as chatV1.Message[] };
      }),
      updateChat: vi.fn(async ({ chatId, actorId, ...changes }: chatV1.UpdateChatRequest) => {
        if (chatId !== state.chat.id || !isParticipant(actorId)) throw notFound('Chat');
        if (actorId !== state.chat.ownerId) throw new HuddleError('not_chat_owner', 'Only the owner');
        const defined = Object.fromEntries(
          Object.entries(changes).filter(([, value]) => value !== undefined),
        );
        state.chat = { ...state.chat, ...defined };
        return { chat: state.chat };
      }),
      listChatIds: vi.fn(async () => ({ chatIds: [state.chat.id], leftChatIds: [] })),
      listChats: vi.fn(async ({ personId }: chatV1.ListChatsRequest) => ({
        chats: isParticipant(personId)
          ? [
              {
                chat: state.chat,
                unreadCount: 2,
                readSeq: 0,
                lastMessage: state.messages.at(-1),
                teamCount: 2,
                clientCount: 2,
                clientId: undefined,
              } as chatV1.ChatSummary,
            ]
          : [],
        nextCursor: '',
      })),
      listReplies: vi.fn(async ({ viewerId }: chatV1.ListRepliesRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { messages: [message({ id: 'r1', seq: 3, parentId: 'm1', authorId: 'eli' })], nextCursor: '' };
      }),
      editMessage: vi.fn(async (request: chatV1.EditMessageRequest) => {
        if (!isParticipant(request.editorId)) throw notFound('Chat');
        return {
          message: message({
            id: request.messageId,
            authorId: request.editorId,
            body: request.body,
            attachmentIds: request.attachmentIds,
            editedAt: new Date('2025-01-03T00:00:00.000Z'),
          }),
        };
      }),
      listRevisions: vi.fn(async ({ viewerId }: chatV1.ListRevisionsRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return {
          revisions: [
            { number: 1, body: 'First', attachmentIds: [], replacedAt: new Date('2025-01-03T00:00:00.000Z') },
          ],
        };
      }),
      deleteMessage: vi.fn(async ({ actorId, messageId }: chatV1.DeleteMessageRequest) => {
        if (!isParticipant(actorId)) throw notFound('Chat');
        return { message: message({ id: messageId, deletedAt: new Date('2025-01-04T00:00:00.000Z') }) };
      }),
      pinMessage: vi.fn(async ({ actorId, messageId }: chatV1.PinMessageRequest) => {
        if (!isParticipant(actorId)) throw notFound('Chat');
        return { message: message({ id: messageId, pinned: true }) };
      }),
      unpinMessage: vi.fn(async ({ actorId, messageId }: chatV1.UnpinMessageRequest) => {
        if (!isParticipant(actorId)) throw notFound('Chat');
        return { message: message({ id: messageId, pinned: false }) };
      }),
      markRead: vi.fn(async ({ personId, seq, unread }: chatV1.MarkReadRequest) => {
        if (!isParticipant(personId)) throw notFound('Chat');
        return unread ? { readSeq: 1, unreadCount: 1 } : { readSeq: seq, unreadCount: 0 };
      }),
      uploadAttachment: vi.fn(async (request: chatV1.UploadAttachmentRequest) => ({
        attachment: {
          id: 'a1',
          filename: request.filename,
          contentType: request.contentType,
          size: request.data.byteLength,
          createdAt: new Date('2025-01-05T00:00:00.000Z'),
        },
      })),
      getAttachment: vi.fn(async ({ attachmentId, viewerId }: chatV1.GetAttachmentRequest) => {
        if (attachmentId !== 'a1' || !isParticipant(viewerId)) throw notFound('Attachment');
        return {
          attachment: {
            id: 'a1',
            filename: 'plan "v2"\u00e9.pdf',
            contentType: 'application/pdf',
            size: 4,
            createdAt: new Date('2025-01-05T00:00:00.000Z'),
          },
          data: Buffer.from('%PDF'),
        };
      }),
      startDirectChat: vi.fn(async ({ ownerId, clientId }: chatV1.StartDirectChatRequest) => ({
        chat: chat({ id: 'direct1', kind: 'direct', name: '', avatar: '', style: 'direct', ownerId }),
        created: clientId !== 'eli',
        sharedWithIds: clientId !== 'eli' ? ['terry'] : [],
        skipped:
          clientId !== 'eli'
            ? [
                {
                  personId: 'pam',
                  reason: 'tag_restricted',
                  message: 'Their client tag restriction excludes this client',
                },
              ]
            : [],
      })),
      addParticipants: vi.fn(async ({ chatId, actorId, personIds }: chatV1.AddParticipantsRequest) => {
        if (chatId !== state.chat.id || !isParticipant(actorId)) throw notFound('Chat');
        if (people[actorId as keyof typeof people]?.kind === 'client') {
          throw new HuddleError('forbidden', 'Clients cannot add people to a chat');
        }
        const addedIds = personIds.filter((id) => !isParticipant(id));
        for (const id of addedIds) {
          const kind = people[id as keyof typeof people]?.kind;
          state.participants.push(
            participant(chatId, id, kind === 'client' ? 'client' : 'team', `Member ${id}`),
          );
        }
        return { chat: state.chat, addedIds };
      }),
      removeParticipant: vi.fn(async ({ chatId, actorId, personId }: chatV1.RemoveParticipantRequest) => {
        if (chatId !== state.chat.id || !isParticipant(actorId)) throw notFound('Chat');
        if (personId === state.chat.ownerId) throw new HuddleError('owner_cannot_leave', 'The owner stays');
        if (!isParticipant(personId)) throw notFound('Participant');
        state.participants = state.participants.filter((member) => member.personId !== personId);
        return { removed: true };
      }),
      upsertProgramChat: vi.fn(async (request: chatV1.UpsertProgramChatRequest) => ({
        chat: chat({
          id: 'program1',
          name: request.name,
          ownerId: request.ownerId,
          programId: request.programId,
          locked: request.locked ?? false,
        }),
        created: request.programId !== 'existing',
      })),
      setEnrollment: vi.fn(async (request: chatV1.SetEnrollmentRequest) => ({
        chat: chat({ id: 'program1', programId: request.programId }),
        changed: request.clientId !== 'eli',
      })),
      startMeeting: vi.fn(async (request: chatV1.StartMeetingRequest) => ({
        provider: request.provider,
        joinUrl: 'https://meet.example/r/room1',
        message: undefined as chatV1.Message | undefined,
      })),
      linkZoom: vi.fn(async (request: chatV1.LinkZoomRequest) => ({ linked: request.accessToken !== '' })),
      addReaction: vi.fn(async ({ actorId, emoji }: chatV1.AddReactionRequest) => {
        if (!isParticipant(actorId)) throw notFound('Chat');
        return { message: message({ reactions: [{ emoji, count: 1, reactedByMe: true }] }), changed: true };
      }),
      removeReaction: vi.fn(async ({ actorId }: chatV1.RemoveReactionRequest) => {
        if (!isParticipant(actorId)) throw notFound('Chat');
        return { message: message(), changed: true };
      }),
      listReactions: vi.fn(async ({ viewerId }: chatV1.ListReactionsRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { reactors: [] };
      }),
      listReadMarkers: vi.fn(async ({ viewerId }: chatV1.ListReadMarkersRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { markers: [], nextCursor: '' };
      }),
      listChatFiles: vi.fn(async ({ viewerId }: chatV1.ListChatFilesRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { files: [], nextCursor: '' };
      }),
      setPersonalState: vi.fn(async ({ personId, pinned, archived }: chatV1.SetPersonalStateRequest) => {
        if (!isParticipant(personId)) throw notFound('Chat');
        return { personalState: { pinned: pinned ?? false, archived: archived ?? false } };
      }),
      getMessages: vi.fn(async ({ viewerId }: chatV1.GetMessagesRequest) => {
        if (!isParticipant(viewerId)) throw notFound('Chat');
        return { messages: [] };
      }),
      searchMessages: vi.fn(async () => ({ hits: [], chats: [], nextCursor: '' })),
      scheduleMessage: vi.fn(async () => ({ scheduled: undefined })),
      listScheduledMessages: vi.fn(async () => ({ scheduled: [], nextCursor: '' })),
      editScheduledMessage: vi.fn(async () => ({ scheduled: undefined })),
      cancelScheduledMessage: vi.fn(async () => ({})),
      getRetention: vi.fn(async () => ({ retention: undefined })),
      setRetention: vi.fn(async () => ({ retention: undefined })),
      getLegalHold: vi.fn(async () => ({ legalHold: undefined })),
      setLegalHold: vi.fn(async () => ({ legalHold: undefined })),
      startChatExport: vi.fn(async (): Promise<chatV1.StartChatExportResponse> => {
        throw new HuddleError('forbidden', 'Only the practice owner exports chats');
      }),
      getChatExport: vi.fn(async (): Promise<chatV1.GetChatExportResponse> => {
        throw notFound('Export');
      }),
      readChatExportFile: vi.fn(async (): Promise<chatV1.ReadChatExportFileResponse> => {
        throw notFound('Export');
      }),
    },
    participant: {
      upsertPerson: vi.fn(async ({ person }: participantV1.UpsertPersonRequest) => ({
        person: person && { ...person, updatedAt: new Date() },
        created: true,
      })),
      getPerson: vi.fn(async ({ personId }: participantV1.GetPersonRequest) => {
        const found = directory[personId];
        if (!found) throw notFound('Person');
        return { person: found };
      }),
      getPeople: vi.fn(async ({ personIds }: participantV1.GetPeopleRequest) => ({
        people: personIds.flatMap((id) => directory[id] ?? []),
      })),
      listParticipants: vi.fn(async () => ({ participants: state.participants })),
    },
    notification: {
      listNotifications: vi.fn(async (request: notificationV1.ListNotificationsRequest) => ({
        notifications: [
          {
            id: 'n1',
            type: 'mention',
            chatId: 'chat1',
            messageId: 'm1',
            createdAt: new Date('2025-01-02T03:04:05.000Z'),
            readAt: undefined,
          },
        ],
        nextCursor: request.cursor ? '' : 'next',
        unreadCount: 1,
      })),
      markNotificationsRead: vi.fn(async (request: notificationV1.MarkNotificationsReadRequest) => ({
        marked: request.all ? 1 : request.ids.length,
        unreadCount: 0,
      })),
      setNotificationLevel: vi.fn(async (request: notificationV1.SetNotificationLevelRequest) => {
        if (!isParticipant(request.personId)) throw notFound('Chat');
        return { level: request.level };
      }),
      getPracticeChannels: vi.fn(async (request: notificationV1.GetPracticeChannelsRequest) => ({
        channels: {
          practiceId: request.practiceId,
          webhookSecretSet: false,
          emailEnabled: false,
          includeContent: false,
        },
      })),
      setPracticeChannels: vi.fn(async (request: notificationV1.SetPracticeChannelsRequest) => ({
        channels: {
          practiceId: request.practiceId,
          webhookUrl: request.webhookUrl,
          webhookSecretSet: Boolean(request.webhookUrl),
          emailEnabled: request.emailEnabled,
          includeContent: request.includeContent,
        },
      })),
    },
    audit: {
      listAuditEvents: vi.fn(async (_request: auditV1.ListAuditEventsRequest) => ({
        events: [] as auditV1.AuditEvent[],
        nextCursor: '',
      })),
    },
    sharingPolicy: {
      upsertPractice: vi.fn(
        async ({ practice }: { practice?: { id: string; name: string; plan: string } }) => ({
          practice: practice && { ...practice, updatedAt: new Date() },
          created: practice?.name !== 'Existing',
        }),
      ),
      getDefaultSharing: vi.fn(async ({ practitionerId }: sharingPolicyV1.GetDefaultSharingRequest) => ({
        defaultSharing: {
          practitionerId,
          teamMemberIds: [] as string[],
          updatedAt: undefined as Date | undefined,
        },
      })),
      setDefaultSharing: vi.fn(async (request: sharingPolicyV1.SetDefaultSharingRequest) => {
        if (request.actorId !== request.practitionerId && request.actorId !== 'olivia') {
          throw new HuddleError('forbidden', 'Not theirs to change');
        }
        return {
          defaultSharing: {
            practitionerId: request.practitionerId,
            teamMemberIds: request.teamMemberIds,
            updatedAt: new Date('2025-01-06T00:00:00.000Z'),
          },
        };
      }),
    },
  };
  return { services, state };
}

/** Events a person receives on their own subject; every other event comes on its chat's. */
const ownEvents = new Set(['notification.created', 'personal_state.updated']);

/** A realtime feed the test drives by hand. */
export function fakeRealtime() {
  const handlers = new Map<string, (event: RealtimeEvent) => void>();
  const chatHandlers = new Map<string, (event: RealtimeEvent) => void>();
  const gapHandlers: Array<() => void> = [];
  const feed: RealtimeFeed & {
    subscriptions: number;
    unsubscriptions: number;
    published: Array<{ chatId: string; event: RealtimeEvent & { recipients: string[] } }>;
  } = {
    subscriptions: 0,
    unsubscriptions: 0,
    published: [],
    subscribe(practice, personId, handler) {
      feed.subscriptions += 1;
      const key = `${practice}/${personId}`;
      handlers.set(key, handler);
      return () => {
        feed.unsubscriptions += 1;
        handlers.delete(key);
      };
    },
    subscribeChat(practice, chatId, handler) {
      const key = `${practice}/${chatId}`;
      chatHandlers.set(key, handler);
      return () => {
        chatHandlers.delete(key);
      };
    },
    flush: async () => {},
    publish(_practice, chatId, event) {
      feed.published.push({ chatId, event });
    },
    onGap(handler) {
      gapHandlers.push(handler);
    },
  };
  /** Sends an event for one person: their own on their subject, a chat's on the chat's naming them. */
  const publish = (personId: string, event: RealtimeEvent) =>
    ownEvents.has(event.type)
      ? handlers.get(`${practiceId}/${personId}`)?.(event)
      : chatHandlers.get(`${practiceId}/${event.chatId}`)?.({ ...event, recipients: [personId] });
  /** The realtime log: what `since` and `joined` answer; by default no id is found. */
  const log: RealtimeLog & {
    since: ReturnType<typeof vi.fn<RealtimeLog['since']>>;
    joined: ReturnType<typeof vi.fn<RealtimeLog['joined']>>;
  } = {
    since: vi.fn<RealtimeLog['since']>(async (): Promise<CatchUp> => ({ found: false })),
    joined: vi.fn<RealtimeLog['joined']>(async (): Promise<CatchUp> => ({ found: false })),
  };
  /** The chats each person takes part in, as the chat service answers. */
  const chatsOf = vi.fn<ChatsOf>(async () => ({ chatIds: ['chat1'], leftChatIds: [] }));
  /** As the broker connection coming back would: live events may have been missed. */
  const gap = () => {
    for (const handler of gapHandlers) handler();
  };
  return { feed, publish, handlers, chatHandlers, log, chatsOf, gap };
}

/** An audit recorder keeping what audited routes recorded (C1). */
export function fakeAudit() {
  const records: AuditRecordData[] = [];
  const recorder: AuditRecorder & { records: AuditRecordData[] } = {
    records,
    record: (data) => void records.push(data),
    flush: async () => {},
  };
  return recorder;
}

export async function testApp(overrides: Partial<GatewayDeps> = {}, config = testConfig) {
  const { services, state } = fakeServices();
  const realtime = fakeRealtime();
  const readiness = vi.fn(async () => ({ ready: true, checks: { chat: true, nats: true } }));
  const audit = fakeAudit();
  const app = await buildApp(config, {
    services,
    realtime: realtime.feed,
    realtimeLog: realtime.log,
    readiness,
    audit,
    ...overrides,
  });
  return { app, services, state, realtime, readiness, audit };
}

/**
 * Every service call, to prove a refused request reached none of them. Looking
 * the caller up in the directory (`getPerson`, the auth check that a person
 * token names a known person) comes before validation and is not counted.
 */
export function serviceCalls(services: ReturnType<typeof fakeServices>['services']) {
  return Object.values(services)
    .flatMap((service) => Object.values(service))
    .filter((fn) => fn !== services.participant.getPerson)
    .reduce((total, fn) => total + fn.mock.calls.length, 0);
}
