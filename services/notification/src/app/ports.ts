import type { ParticipantData, RealtimeEvent } from '@huddle/contracts';
import type { Database } from '@huddle/db';

export type Reader = Database;

/** The participant service: who is in a chat right now. */
export interface Participants {
  list(chatId: string): Promise<ParticipantData[]>;
}

/** Realtime delivery to one person's sockets, wherever their gateway is. */
export interface RealtimeChannel {
  deliver(practiceId: string, personId: string, event: RealtimeEvent): void;
}
