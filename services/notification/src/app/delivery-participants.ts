import type { ParticipantData } from '@huddle/contracts';
import type { Participants } from './ports';

/** How long one event's read stays shared: its consumers in this process come within milliseconds. */
export const SHARED_READ_MS = 2_000;

/**
 * The participants of a chat as read for one event's delivery, shared by this
 * process's consumers of that event: the inbox and the realtime fan-out of a
 * `message.created` both need them, and one `ListParticipants` serves both.
 *
 * P4 holds as when each consumer asked on its own: the read is made for one
 * event id and starts after that event reached this process, so after the change
 * it announces committed, and a removal committed before that change is seen.
 * Nothing is kept from participant events (one may lag behind a message on the
 * chat's stream): a read serves only the consumers of the event it was made
 * for, for `SHARED_READ_MS` at most, and a failed read is not kept.
 */
export class DeliveryParticipants implements Participants {
  /** By event id, oldest first (inserted as made), so expired reads are found at the front. */
  private readonly reads = new Map<
    string,
    { at: number; chatId: string; list: Promise<ParticipantData[]> }
  >();

  constructor(
    private readonly participants: Participants,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Who is in the chat now, unshared: for anything that is not an event's delivery. */
  list(chatId: string): Promise<ParticipantData[]> {
    return this.participants.list(chatId);
  }

  /** Who is in the chat for the delivery of event `eventId`, read once for all its consumers here. */
  atDelivery(eventId: string, chatId: string): Promise<ParticipantData[]> {
    const now = this.now();
    this.forgetExpired(now);
    const shared = this.reads.get(eventId);
    if (shared && shared.chatId === chatId) return shared.list;
    const list = this.participants.list(chatId);
    const read = { at: now, chatId, list };
    this.reads.set(eventId, read);
    list.catch(() => {
      if (this.reads.get(eventId) === read) this.reads.delete(eventId);
    });
    return list;
  }

  private forgetExpired(now: number) {
    for (const [eventId, read] of this.reads) {
      if (now - read.at < SHARED_READ_MS) return;
      this.reads.delete(eventId);
    }
  }
}
