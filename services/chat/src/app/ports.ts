import type { Emit } from '@huddle/bus';
import type { ParticipantData, PersonData } from '@huddle/contracts';
import type { Database, Transaction } from '@huddle/db';

/** Runs a change and the events it emits in one transaction (the outbox). */
export interface UnitOfWork {
  transaction<R>(change: (tx: Transaction, emit: Emit) => Promise<R>): Promise<R>;
}

export type Reader = Database;

export interface Decision {
  allowed: boolean;
  reason: string;
  message: string;
  /** tag_restricted: the team members whose restriction excludes a client (S3). */
  personIds: string[];
}

/** The sharing-policy service's decisions and practice plans. */
export interface Policy {
  /**
   * May this practitioner bring these people into a chat (G1; also P1, S2, S5)?
   * `memberIds`: team members already in it, who must reach every client added (S3).
   */
  authorizeGroupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: string[];
    memberIds?: string[];
  }): Promise<Decision>;
  /** May this practitioner start, or return to, their 1-on-1 with this client (S1)? */
  authorizeDirectChat(request: { practiceId: string; ownerId: string; clientId: string }): Promise<Decision>;
  planOf(practiceId: string): Promise<string | undefined>;
  /** S4: whom a new 1-on-1 of this owner is shared with by default, and whom that skips. */
  planDefaultSharing(request: { practiceId: string; ownerId: string; clientId: string }): Promise<{
    teamMemberIds: string[];
    skipped: Array<{ personId: string; reason: string; message: string }>;
  }>;
}

/** The directory, for kinds, names and team roles. */
export interface Directory {
  people(practiceId: string, personIds: string[]): Promise<PersonData[]>;
}

/** The participant service: memberships of chats, authoritative for access (A1). */
export interface Participants {
  add(request: {
    practiceId: string;
    chatId: string;
    addedBy: string;
    participants: Array<{ personId: string; role?: ParticipantData['role']; via: ParticipantData['via'] }>;
  }): Promise<ParticipantData[]>;
  remove(request: {
    practiceId: string;
    chatId: string;
    personId: string;
    removedBy: string;
    messages: 'keep' | 'delete';
  }): Promise<boolean>;
}
