import type { EventEnvelope, EventType, RealtimeEvent } from '@huddle/contracts';
import { realtimeTypeOf } from '../domain/notify';
import type { DeliveryParticipants } from './delivery-participants';
import type { RealtimeChannel } from './ports';

/** The events realtime carries to a chat's participants. */
export const CHAT_REALTIME_EVENTS = [
  'chat.v1.chat.updated',
  'chat.v1.chat.converted',
  'chat.v1.message.created',
  'chat.v1.message.updated',
  'chat.v1.message.deleted',
  'chat.v1.message.pinned',
  'chat.v1.message.unpinned',
  'chat.v1.reaction.added',
  'chat.v1.reaction.removed',
  'chat.v1.read_marker.moved',
] as const satisfies readonly EventType[];

export type ChatRealtimeEvent = EventEnvelope<(typeof CHAT_REALTIME_EVENTS)[number]>;

/** Membership changes, told to the chat's (remaining) participants. */
export const PARTICIPANT_REALTIME_EVENTS = [
  'participant.v1.participant.added',
  'participant.v1.participant.removed',
] as const satisfies readonly EventType[];

type ParticipantEvent = EventEnvelope<(typeof PARTICIPANT_REALTIME_EVENTS)[number]>;

/** The chat an event is about and its practice, wherever the event's data keeps them. */
export function chatOf({ data }: ChatRealtimeEvent | ParticipantEvent): {
  chatId: string;
  practiceId: string;
} {
  if ('chat' in data) return { chatId: data.chat.id, practiceId: data.chat.practiceId };
  if ('chatId' in data) return { chatId: data.chatId, practiceId: data.practiceId };
  if ('participant' in data) return { chatId: data.participant.chatId, practiceId: data.practiceId };
  return { chatId: data.message.chatId, practiceId: data.practiceId };
}

/**
 * P4: a person's own notice that they are no longer in a chat (removed, P2, or left, P3). It
 * names the chat and whose notice it is, for the gateway to show it to that person alone, and
 * nothing else: not who removed them, not how their messages went, nothing of the chat.
 */
export function chatLeft(id: string, practiceId: string, chatId: string, personId: string): RealtimeEvent {
  return { id, type: 'chat.left', practiceId, chatId, data: { chatId, personId } };
}

/**
 * Delivers chat events to the sockets of the chat's current participants, and
 * only theirs: each event goes out once for the chat, naming its recipients,
 * and the gateways present it to those recipients' sockets alone. Asks the
 * participant service at delivery time, so someone removed a moment ago is
 * not a recipient (P4). Read receipts go to team members only (U1). The
 * gateway presents each event for its viewer (G4/G5). Someone just added
 * also hears of it on their own subject, so their gateway starts following
 * the chat; someone removed (or leaving) hears only `chat.left` there, so
 * their apps drop the chat at once.
 */
export class RealtimeFanOut {
  constructor(
    /** Read at delivery, shared with the inbox's consumer of the same event. */
    private readonly participants: DeliveryParticipants,
    private readonly channel: RealtimeChannel,
  ) {}

  async chatEvent(event: ChatRealtimeEvent | ParticipantEvent): Promise<void> {
    const { chatId, practiceId } = chatOf(event);
    const teamOnly = event.type === 'chat.v1.read_marker.moved';
    const recipients = (await this.participants.atDelivery(event.id, chatId))
      .filter((participant) => !teamOnly || participant.kind === 'practitioner')
      .map((participant) => participant.personId);
    const realtime = { id: event.id, type: realtimeTypeOf(event.type), practiceId, chatId, data: event.data };
    // P4: the removed (or leaving, P3) person hears only that they are out: the chat's id, on their
    // own subject, while they still are (one added back since hears of that next). Logged before the
    // others hear of the removal, so a catch-up that finds the removal finds this notice too.
    if (event.type === 'participant.v1.participant.removed') {
      const { personId } = (event as EventEnvelope<'participant.v1.participant.removed'>).data;
      if (!recipients.includes(personId))
        await this.channel.deliver(practiceId, personId, chatLeft(event.id, practiceId, chatId, personId));
    }
    if (recipients.length > 0)
      await this.channel.deliverToChat(practiceId, chatId, { ...realtime, recipients });
    // After the chat's log has it: the added person's gateway follows the chat on this event
    // and reads the chat's log from it, so it must be there already or what follows is lost.
    if (event.type === 'participant.v1.participant.added') {
      const { personId } = (event as EventEnvelope<'participant.v1.participant.added'>).data.participant;
      if (recipients.includes(personId)) await this.channel.deliver(practiceId, personId, realtime);
    }
  }

  /** X4: a person's own chat state reaches their sockets only. */
  personalStateUpdated(event: EventEnvelope<'chat.v1.personal_state.updated'>): Promise<void> {
    const { practiceId, chatId, personId } = event.data;
    return this.channel.deliver(practiceId, personId, {
      id: event.id,
      type: realtimeTypeOf(event.type),
      practiceId,
      chatId,
      data: event.data,
    });
  }

  /**
   * New notifications reach their people's sockets, each person's own only:
   * once on the chat's subject, naming the notified as recipients, each
   * notification keyed by its person (`byPerson`) for the gateway to present
   * to that person alone. An `added` notification goes to its person's own
   * subject instead: their gateway may not follow the chat yet.
   */
  async notificationsCreated(event: EventEnvelope<'notification.v1.notifications.created'>): Promise<void> {
    const { practiceId, chatId, notifications } = event.data;
    const realtime = { id: event.id, type: 'notification.created', practiceId, chatId };
    const added = notifications.filter(({ notification }) => notification.type === 'added');
    const others = notifications.filter(({ notification }) => notification.type !== 'added');
    await Promise.all(
      added.map(({ personId, notification }) =>
        this.channel.deliver(practiceId, personId, { ...realtime, data: notification }),
      ),
    );
    if (others.length === 0) return;
    await this.channel.deliverToChat(practiceId, chatId, {
      ...realtime,
      data: {
        byPerson: Object.fromEntries(others.map(({ personId, notification }) => [personId, notification])),
      },
      recipients: others.map(({ personId }) => personId),
    });
  }
}
