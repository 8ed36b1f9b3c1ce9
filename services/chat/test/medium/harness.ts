import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outbox, outbox } from '@huddle/bus';
import type { EventEnvelope, EventType, ParticipantData, PersonData } from '@huddle/contracts';
import { type DatabaseHandle, openDatabase } from '@huddle/db';
import { createLogger } from '@huddle/logging';
import { freshDatabase } from '@huddle/testing';
import { asc, eq } from 'drizzle-orm';
import { Attachments } from '../../src/app/attachments';
import { Chats } from '../../src/app/chats';
import { Messages } from '../../src/app/messages';
import { ChatParticipants } from '../../src/app/participants';
import type { Directory, Participants, Policy } from '../../src/app/ports';
import { filesystemStore } from '../../src/store/files';
import { chatStore } from '../../src/store/repositories';

const migrationsFolder = fileURLToPath(new URL('../../src/store/migrations', import.meta.url));

export const PRACTICE = 'p1';

/**
 * The chat service's use-cases on their real store and outbox, on a fresh
 * PostgreSQL database: everything but the gateway, gRPC and the other
 * services. Those are in-memory fakes of the ports in app/ports.ts: the
 * directory knows the people `person()` adds, the policy allows everything,
 * and the participant service accepts every add and remove.
 */
export interface ChatHarness {
  chats: Chats;
  messages: Messages;
  attachments: Attachments;
  /** The outbox, as the use-cases' unit of work. */
  work: Outbox;
  participants: ChatParticipants;
  db: DatabaseHandle;
  /** Adds a person of the practice to the fake directory (a practitioner's team role: `member` unless said); answers their id. */
  person(id: string, kind: PersonData['kind'], teamRole?: PersonData['teamRole']): string;
  /** The fake directory, for use-cases a test builds itself. */
  directory: Directory;
  /** Where the attachments' bytes are kept. */
  filesDirectory: string;
  /**
   * Runs before the fake participant service answers a remove, while the
   * chat's removal transaction holds the chat row (P4 races).
   */
  beforeRemove: (() => Promise<void>) | undefined;
  /** The events of one type the use-cases recorded, oldest first. */
  events<T extends EventType>(type: T): Promise<Array<EventEnvelope<T>>>;
  close(): Promise<void>;
}

export async function chatHarness(label: string): Promise<ChatHarness> {
  const database = await freshDatabase(`chat_medium_${label}`);
  const logger = createLogger({ service: 'chat', level: 'silent' });
  const db = await openDatabase({ url: database.url, dataDir: '', migrationsFolder, poolSize: 4, logger });
  const files = await mkdtemp(join(tmpdir(), 'huddle-chat-medium-'));
  const people = new Map<string, PersonData>();

  const directory: Directory = {
    people: async (practiceId, ids) =>
      ids.flatMap((id) => {
        const person = people.get(id);
        return person && person.practiceId === practiceId ? [person] : [];
      }),
  };
  const policy: Policy = {
    authorizeGroupCreation: async () => ({ allowed: true, reason: '', message: '', personIds: [] }),
    authorizeDirectChat: async () => ({ allowed: true, reason: '', message: '', personIds: [] }),
    planOf: async () => 'team',
    planDefaultSharing: async () => ({ teamMemberIds: [], skipped: [] }),
  };
  const harness: ChatHarness = {
    beforeRemove: undefined,
  } as ChatHarness;
  const remoteParticipants: Participants = {
    add: async (request) =>
      request.participants.map(({ personId, role, via }): ParticipantData => {
        const kind = people.get(personId)?.kind ?? 'client';
        return {
          chatId: request.chatId,
          personId,
          role: role ?? (kind === 'practitioner' ? 'team' : 'client'),
          via,
          addedBy: request.addedBy,
          addedAt: new Date().toISOString(),
          pseudonym: '',
          kind,
        };
      }),
    remove: async () => {
      await harness.beforeRemove?.();
      return true;
    },
  };

  // The relay is never started: events stay in the outbox table, where `events` reads them.
  const work = new Outbox(db.db, {} as ConstructorParameters<typeof Outbox>[1], logger);
  const attachments = new Attachments(db.db, chatStore, filesystemStore(files), 1_000_000);
  const chats = new Chats(db.db, work, chatStore, policy, remoteParticipants);
  const messages = new Messages(db.db, work, chatStore, chats, attachments);
  const participants = new ChatParticipants(work, chatStore, chats, remoteParticipants, directory, policy);

  return Object.assign(harness, {
    chats,
    messages,
    attachments,
    work,
    participants,
    db,
    directory,
    filesDirectory: files,
    person(id: string, kind: PersonData['kind'], teamRole?: PersonData['teamRole']) {
      people.set(id, {
        id,
        practiceId: PRACTICE,
        kind,
        firstName: id,
        lastName: 'Test',
        photoUrl: null,
        tags: [],
        teamRole: kind === 'practitioner' ? (teamRole ?? 'member') : null,
        canManageTeamSettings: false,
        clientTagRestriction: null,
        zoomLinked: false,
      });
      return id;
    },
    async events<T extends EventType>(type: T) {
      const rows = await db.db
        .select({ envelope: outbox.envelope })
        .from(outbox)
        .where(eq(outbox.type, type))
        .orderBy(asc(outbox.position));
      return rows.map((row) => row.envelope as EventEnvelope<T>);
    },
    async close() {
      await db.close();
      await Promise.all([database.drop(), rm(files, { recursive: true, force: true })]);
    },
  });
}

/** A feed group of `ownerId` with these people in it. */
export function feedGroup(
  harness: ChatHarness,
  ownerId: string,
  participantIds: string[],
  settings: { hideClientIdentities?: boolean } = {},
) {
  return harness.chats.createGroup({
    practiceId: PRACTICE,
    creatorId: ownerId,
    name: 'Group',
    avatar: '',
    style: 'feed',
    clientNaming: 'full',
    hideClientIdentities: settings.hideClientIdentities ?? false,
    participantIds,
  });
}

/** A post's request, with what a test varies. */
export function post(
  chatId: string,
  authorId: string,
  body: string,
  extra: { parentId?: string; mentions?: string[]; idempotencyKey?: string } = {},
) {
  return {
    chatId,
    practiceId: PRACTICE,
    authorId,
    message: { body, parentId: extra.parentId ?? null, mentions: extra.mentions ?? [], attachmentIds: [] },
    idempotencyKey: extra.idempotencyKey ?? null,
  };
}
