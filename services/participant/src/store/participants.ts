import type { Executor } from '@huddle/db';
import { and, asc, eq, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { ParticipantRepository } from '../app/ports';
import type { Participant } from '../domain/participant';
import { participants, people, pseudonymCounters } from './schema';

const teamMember = alias(participants, 'team_member');
const client = alias(participants, 'client');
const teamPerson = alias(people, 'team_person');
const clientPerson = alias(people, 'client_person');

type Row = typeof participants.$inferSelect;

const toParticipant = (row: Row): Participant => ({
  chatId: row.chatId,
  personId: row.personId,
  role: row.role,
  via: row.via,
  kind: row.kind,
  addedBy: row.addedBy,
  addedAt: row.addedAt.toISOString(),
  pseudonym: row.pseudonym,
});

export const participantsStore: ParticipantRepository = {
  async getActive(db: Executor, chatId: string, personId: string): Promise<Participant | undefined> {
    const [row] = await db
      .select()
      .from(participants)
      .where(
        and(
          eq(participants.chatId, chatId),
          eq(participants.personId, personId),
          isNull(participants.removedAt),
        ),
      );
    return row && toParticipant(row);
  },

  async listActive(db: Executor, chatId: string): Promise<Participant[]> {
    const rows = await db
      .select()
      .from(participants)
      .where(and(eq(participants.chatId, chatId), isNull(participants.removedAt)))
      .orderBy(asc(participants.addedAt), asc(participants.personId));
    return rows.map(toParticipant);
  },

  /**
   * Makes a person an active participant. Returns the membership only when it
   * was not active before (a new or renewed membership); an active one is left as it is.
   */
  async activate(
    db: Executor,
    entry: Omit<Participant, 'addedAt'> & { practiceId: string },
  ): Promise<Participant | undefined> {
    const [row] = await db
      .insert(participants)
      .values({ ...entry, addedAt: new Date() })
      .onConflictDoUpdate({
        target: [participants.chatId, participants.personId],
        set: {
          role: entry.role,
          via: entry.via,
          addedBy: entry.addedBy,
          addedAt: new Date(),
          removedAt: null,
        },
        // Only a removed membership is renewed; its pseudonym stays.
        setWhere: sql`${participants.removedAt} is not null`,
      })
      .returning();
    return row && toParticipant(row);
  },

  /** Ends an active membership; false when there was none. */
  async deactivate(db: Executor, chatId: string, personId: string): Promise<boolean> {
    const ended = await db
      .update(participants)
      .set({ removedAt: new Date() })
      .where(
        and(
          eq(participants.chatId, chatId),
          eq(participants.personId, personId),
          isNull(participants.removedAt),
        ),
      )
      .returning({ personId: participants.personId });
    return ended.length > 0;
  },

  /**
   * S3: each active team membership that default sharing gave (no explicit
   * invitation) beside an active client of the same chat, where `personId` is
   * either side, with the team member's restriction and the client's tags.
   */
  async defaultSharedBesideClients(db: Executor, practiceId: string, personId: string) {
    return db
      .select({
        chatId: teamMember.chatId,
        personId: teamMember.personId,
        restriction: teamPerson.clientTagRestriction,
        clientTags: clientPerson.tags,
      })
      .from(teamMember)
      .innerJoin(
        client,
        and(eq(client.chatId, teamMember.chatId), eq(client.kind, 'client'), isNull(client.removedAt)),
      )
      .innerJoin(
        teamPerson,
        and(eq(teamPerson.practiceId, teamMember.practiceId), eq(teamPerson.id, teamMember.personId)),
      )
      .innerJoin(
        clientPerson,
        and(eq(clientPerson.practiceId, client.practiceId), eq(clientPerson.id, client.personId)),
      )
      .where(
        and(
          eq(teamMember.practiceId, practiceId),
          eq(teamMember.via, 'default_sharing'),
          isNull(teamMember.removedAt),
          or(eq(teamMember.personId, personId), eq(client.personId, personId)),
        ),
      );
  },

  /** Reserves the next `count` client numbers of a chat; returns the first. */
  async reserveClientNumbers(db: Executor, chatId: string, count: number): Promise<number> {
    const [row] = await db
      .insert(pseudonymCounters)
      .values({ chatId, clientsSeen: count })
      .onConflictDoUpdate({
        target: pseudonymCounters.chatId,
        set: { clientsSeen: sql`${pseudonymCounters.clientsSeen} + ${count}` },
      })
      .returning({ clientsSeen: pseudonymCounters.clientsSeen });
    return (row?.clientsSeen ?? count) - count + 1;
  },
};
