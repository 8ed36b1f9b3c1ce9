import { randomUUID } from 'node:crypto';
import type { Emit as Emitter } from '@huddle/bus';
import type { EventEnvelope, NotificationData } from '@huddle/contracts';
import type { Transaction } from '@huddle/db';
import { invalid, notFound } from '@huddle/errors';
import { pageLimit, splitPage, timeCursor } from '@huddle/paging';
import { LEVELS, type Level, levelAt, recipientsOf } from '../domain/notify';
import type { DeliveryParticipants } from './delivery-participants';
import type { Outbound } from './outbound';
import type { NotificationStore, Reader, StoredNotification } from './ports';

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;
const MAX_MARK = 500;

const toNotification = (stored: StoredNotification): NotificationData => ({
  id: stored.id,
  type: stored.type,
  chatId: stored.chatId,
  messageId: stored.messageId,
  createdAt: stored.createdAt.toISOString(),
  readAt: stored.readAt ? stored.readAt.toISOString() : null,
  actorId: stored.actorId,
});

/** In-app notification inboxes and per-chat levels (N1). */
export class Inbox {
  constructor(
    private readonly db: Reader,
    private readonly store: Pick<NotificationStore, 'notifications'>,
    /** Read at delivery, shared with the realtime fan-out of the same event. */
    private readonly participants: DeliveryParticipants,
    /** Webhooks and email, queued in the same transaction as the notifications. */
    private readonly outbound?: Pick<Outbound, 'notificationsCreated'>,
  ) {}

  /**
   * N1/G9: every current participant but the author, per their level; a
   * mention always notifies. Asks the participant service once the event has
   * arrived, so someone removed before the message was posted is not notified (P4).
   */
  async messageCreated(tx: Transaction, event: EventEnvelope<'chat.v1.message.created'>, emit: Emitter) {
    const { practiceId, message } = event.data;
    const current = (await this.participants.atDelivery(event.id, message.chatId)).map((p) => p.personId);
    const { levels, mutes } = await this.store.notifications.levelsAndMutes(tx, message.chatId);
    const postedAt = new Date(message.createdAt);
    const recipients = recipientsOf(message, current, (personId) =>
      levelAt(levels.get(personId) ?? 'all', mutes.get(personId) ?? null, postedAt),
    );
    await this.deliver(
      tx,
      practiceId,
      recipients.map((r) => ({ ...r, chatId: message.chatId, messageId: message.id })),
      emit,
      message.body,
    );
  }

  /** Someone added to a chat hears of it, unless they added themselves (a creator, say). */
  async participantAdded(
    tx: Transaction,
    event: EventEnvelope<'participant.v1.participant.added'>,
    emit: Emitter,
  ) {
    const { practiceId, participant } = event.data;
    if (participant.addedBy === participant.personId) return;
    await this.deliver(
      tx,
      practiceId,
      [
        {
          personId: participant.personId,
          type: 'added',
          chatId: participant.chatId,
          messageId: null,
          actorId: participant.addedBy,
        },
      ],
      emit,
    );
  }

  /** X4: the chat service's mute of a participant, kept for the fan-out of new messages. */
  async personalStateUpdated(tx: Transaction, event: EventEnvelope<'chat.v1.personal_state.updated'>) {
    const { chatId, personId, mutedUntil, version } = event.data;
    await this.store.notifications.setMute(tx, {
      chatId,
      personId,
      mutedUntil: mutedUntil ? new Date(mutedUntil) : null,
      version,
    });
  }

  /**
   * X2: the author of a scheduled message the post rules refused at its time hears of it.
   * The item names the chat only; the reason is on the scheduled message, for its author.
   */
  async scheduledMessageFailed(
    tx: Transaction,
    event: EventEnvelope<'chat.v1.scheduled_message.failed'>,
    emit: Emitter,
  ) {
    const { practiceId, chatId, authorId } = event.data;
    await this.deliver(
      tx,
      practiceId,
      [{ personId: authorId, type: 'scheduled_message_failed', chatId, messageId: null }],
      emit,
    );
  }

  async list(request: {
    practiceId: string;
    personId: string;
    unreadOnly: boolean;
    cursor: string;
    limit: number;
  }) {
    const limit = pageLimit(request.limit, DEFAULT_PAGE, MAX_PAGE);
    const before = request.cursor ? timeCursor.decode(request.cursor) : null;
    const rows = await this.store.notifications.page(this.db, request.practiceId, request.personId, {
      unreadOnly: request.unreadOnly,
      before,
      limit: limit + 1,
    });
    const { page, more } = splitPage(rows, limit);
    const last = page.at(-1);
    return {
      notifications: page.map(toNotification),
      nextCursor: more && last ? timeCursor.encode(last.createdAt, last.id) : '',
      unreadCount: await this.store.notifications.unreadCount(this.db, request.practiceId, request.personId),
    };
  }

  async markRead(request: { practiceId: string; personId: string; ids: string[]; all: boolean }) {
    if (!request.all && request.ids.length === 0) throw invalid('Give the ids to mark read, or all');
    if (request.ids.length > MAX_MARK) throw invalid(`At most ${MAX_MARK} ids at once`);
    const marked = await this.store.notifications.markRead(
      this.db,
      request.practiceId,
      request.personId,
      request.all ? null : [...new Set(request.ids)],
    );
    return {
      marked,
      unreadCount: await this.store.notifications.unreadCount(this.db, request.practiceId, request.personId),
    };
  }

  /** N1: a participant's level for one chat. */
  async setLevel(request: { chatId: string; personId: string; level: string }): Promise<Level> {
    if (!LEVELS.includes(request.level as Level)) throw invalid('level must be all, mentions or none');
    const current = await this.participants.list(request.chatId);
    if (!current.some((p) => p.personId === request.personId)) throw notFound('Chat');
    await this.store.notifications.setLevel(
      this.db,
      request.chatId,
      request.personId,
      request.level as Level,
    );
    return request.level as Level;
  }

  private async deliver(
    tx: Transaction,
    practiceId: string,
    items: Array<{
      personId: string;
      type: NotificationData['type'];
      chatId: string;
      messageId: string | null;
      actorId?: string;
    }>,
    emit: Emitter,
    /** The message text: handed to the outbound channels, never stored with the notification. */
    content: string | null = null,
  ) {
    const rows = await this.store.notifications.insert(
      tx,
      items.map((item) => ({ id: randomUUID(), practiceId, ...item })),
    );
    const [first] = rows;
    // One event for the whole change: its chat is the same for every item.
    if (first)
      await emit('notification.v1.notifications.created', {
        practiceId,
        chatId: first.chatId,
        notifications: rows.map((row) => ({ personId: row.personId, notification: toNotification(row) })),
      });
    await this.outbound?.notificationsCreated(
      tx,
      practiceId,
      rows.map((row) => ({ personId: row.personId, notification: toNotification(row) })),
      content,
    );
  }
}
