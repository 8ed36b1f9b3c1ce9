import type { ParticipantData } from '@huddle/contracts';
import { type Executor, prepared } from '@huddle/db';
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Member, MemberRepository } from '../app/ports';
import type { PersonalStateChange } from '../domain/personal-state';
import { chatMembers, participantChanges } from './schema';

const columns = {
  chatId: chatMembers.chatId,
  personId: chatMembers.personId,
  role: chatMembers.role,
  kind: chatMembers.kind,
  readSeq: chatMembers.readSeq,
  markedUnread: chatMembers.markedUnread,
};

const active = (chatId: string) => and(eq(chatMembers.chatId, chatId), isNull(chatMembers.removedAt));

/** Every request about a chat asks for the caller's membership (A1): prepared once. */
const activeMember = prepared('chat_member_active', (db) =>
  db
    .select(columns)
    .from(chatMembers)
    .where(
      and(
        eq(chatMembers.chatId, sql.placeholder('chatId')),
        isNull(chatMembers.removedAt),
        eq(chatMembers.personId, sql.placeholder('personId')),
      ),
    ),
);

export const membersStore: MemberRepository = {
  /**
   * Records an active membership; idempotent, and a renewed one starts with a fresh read marker.
   * C2: a membership that was not active before is logged as a participant change, once.
   */
  async join(
    db: Executor,
    practiceId: string,
    participant: Pick<ParticipantData, 'chatId' | 'personId' | 'role' | 'kind' | 'via' | 'addedBy'>,
  ) {
    const { chatId, personId, role, kind } = participant;
    const [before] = await db
      .select({ removedAt: chatMembers.removedAt })
      .from(chatMembers)
      .where(and(eq(chatMembers.chatId, chatId), eq(chatMembers.personId, personId)))
      .for('update');
    await db
      .insert(chatMembers)
      .values({ chatId, personId, role, kind, practiceId, joinedAt: new Date(), removedAt: null })
      .onConflictDoUpdate({
        target: [chatMembers.chatId, chatMembers.personId],
        set: { role, kind, removedAt: null },
      });
    if (before && before.removedAt === null) return;
    await db.insert(participantChanges).values({
      chatId,
      personId,
      change: 'added',
      role,
      via: participant.via,
      changedBy: participant.addedBy,
    });
  },

  /**
   * Ends a membership as of `at`; a membership renewed after `at` stays. C2: an active membership
   * ended is logged as a participant change, with who ended it and what became of the messages.
   */
  async leave(
    db: Executor,
    chatId: string,
    personId: string,
    at: Date,
    change: { by: string; messages: 'keep' | 'delete' },
  ): Promise<void> {
    const ended = await db
      .update(chatMembers)
      .set({ removedAt: at })
      .where(and(active(chatId), eq(chatMembers.personId, personId), lte(chatMembers.joinedAt, at)))
      .returning({ role: chatMembers.role });
    if (ended.length === 0) return;
    await db.insert(participantChanges).values({
      chatId,
      personId,
      change: 'removed',
      role: ended[0]!.role,
      changedBy: change.by,
      messages: change.messages,
      at,
    });
  },

  async find(db: Executor, chatId: string, personId: string): Promise<Member | undefined> {
    const [row] = await activeMember(db).execute({ chatId, personId });
    return row;
  },

  async list(db: Executor, chatId: string): Promise<Member[]> {
    return db.select(columns).from(chatMembers).where(active(chatId));
  },

  async chatIdsOf(db: Executor, practiceId: string, personId: string, leftSince: Date) {
    const rows = await db
      .select({ chatId: chatMembers.chatId, removedAt: chatMembers.removedAt })
      .from(chatMembers)
      .where(
        and(
          eq(chatMembers.practiceId, practiceId),
          eq(chatMembers.personId, personId),
          or(isNull(chatMembers.removedAt), gt(chatMembers.removedAt, leftSince)),
        ),
      );
    return {
      active: rows.filter((row) => row.removedAt === null).map((row) => row.chatId),
      left: rows.filter((row) => row.removedAt !== null).map((row) => row.chatId),
    };
  },

  /** X5: the read markers of a chat's active participants, by person id, keyset-paged. */
  async readMarkers(db: Executor, chatId: string, options: { afterPersonId: string | null; limit: number }) {
    return db
      .select({ personId: chatMembers.personId, readSeq: chatMembers.readSeq })
      .from(chatMembers)
      .where(
        and(
          active(chatId),
          options.afterPersonId !== null ? gt(chatMembers.personId, options.afterPersonId) : undefined,
        ),
      )
      .orderBy(asc(chatMembers.personId))
      .limit(options.limit);
  },

  /** Read markers only move forward, so requests arriving out of order cannot un-read a chat. */
  async markRead(db: Executor, chatId: string, personId: string, seq: number) {
    const [row] = await db
      .update(chatMembers)
      .set({ readSeq: sql`greatest(${chatMembers.readSeq}, ${seq})`, markedUnread: false })
      .where(and(active(chatId), eq(chatMembers.personId, personId)))
      .returning({ readSeq: chatMembers.readSeq });
    return row?.readSeq;
  },

  /**
   * X4: changes a member's own chat state and counts the change (`stateVersion`), under the
   * row's lock, so the events of concurrent changes can be told apart by order.
   */
  async setPersonalState(db: Executor, chatId: string, personId: string, change: PersonalStateChange) {
    const [row] = await db
      .update(chatMembers)
      .set({ ...change, stateVersion: sql`${chatMembers.stateVersion} + 1` })
      .where(and(active(chatId), eq(chatMembers.personId, personId)))
      .returning({
        pinned: chatMembers.pinned,
        archived: chatMembers.archived,
        mutedUntil: chatMembers.mutedUntil,
        stateVersion: chatMembers.stateVersion,
      });
    return row;
  },

  async markUnread(db: Executor, chatId: string, personId: string) {
    await db
      .update(chatMembers)
      .set({ markedUnread: true })
      .where(and(active(chatId), eq(chatMembers.personId, personId)));
  },

  /** Team and client counts, and the client of each direct chat, for chat titles (S6). */
  async composition(db: Executor, chatIds: string[]) {
    if (chatIds.length === 0)
      return new Map<string, { teamCount: number; clientCount: number; clientId: string | null }>();
    const rows = await db
      .select({
        chatId: chatMembers.chatId,
        teamCount: sql<number>`(count(*) filter (where ${chatMembers.kind} = 'practitioner'))::int`,
        clientCount: sql<number>`(count(*) filter (where ${chatMembers.kind} = 'client'))::int`,
        clientId: sql<
          string | null
        >`min(${chatMembers.personId}) filter (where ${chatMembers.kind} = 'client')`,
      })
      .from(chatMembers)
      .where(and(inArray(chatMembers.chatId, chatIds), isNull(chatMembers.removedAt)))
      .groupBy(chatMembers.chatId);
    return new Map(rows.map((row) => [row.chatId, row]));
  },
};
