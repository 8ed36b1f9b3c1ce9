import type { Emit } from '@huddle/bus';
import type { ParticipantData } from '@huddle/contracts';
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
}

/** The sharing-policy service's decisions. */
export interface Policy {
  authorizeGroupCreation(request: {
    practiceId: string;
    creatorId: string;
    participantIds: string[];
  }): Promise<Decision>;
}

/** The participant service: memberships of chats, authoritative for access (A1). */
export interface Participants {
  add(request: {
    practiceId: string;
    chatId: string;
    addedBy: string;
    participants: Array<{ personId: string; role?: ParticipantData['role']; via: ParticipantData['via'] }>;
  }): Promise<ParticipantData[]>;
}
