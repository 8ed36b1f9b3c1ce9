import type { EventEnvelope } from '@huddle/contracts';
import type { Participants, RealtimeChannel } from './ports';

/**
 * Delivers a new message to the sockets of the chat's current participants,
 * and only theirs. Asks the participant service at delivery time, so someone
 * removed a moment ago gets nothing (P4). The gateway presents it per viewer.
 */
export class RealtimeFanOut {
  constructor(
    private readonly participants: Participants,
    private readonly channel: RealtimeChannel,
  ) {}

  async messageCreated(event: EventEnvelope<'chat.v1.message.created'>): Promise<void> {
    const { practiceId, message } = event.data;
    const recipients = await this.participants.list(message.chatId);
    for (const participant of recipients) {
      this.channel.deliver(practiceId, participant.personId, {
        id: event.id,
        type: 'message.created',
        practiceId,
        chatId: message.chatId,
        data: message,
      });
    }
  }
}
