import type { ParticipantData, RealtimeEvent } from '@huddle/contracts';
import type { Database } from '@huddle/db';

export type Reader = Database;

/** The participant service: who is in a chat right now. */
export interface Participants {
  list(chatId: string): Promise<ParticipantData[]>;
}

/** Realtime delivery to one person's sockets, wherever their gateway is. */
export interface RealtimeChannel {
  /** Resolves once the event is logged for catch-up and sent live; rejects when it could not be logged. */
  deliver(practiceId: string, personId: string, event: RealtimeEvent): Promise<void>;
}
