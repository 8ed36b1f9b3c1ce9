import type { ConsumerSpec } from '@huddle/bus';
import type { EventEnvelope } from '@huddle/contracts';
import {
  CHAT_REALTIME_EVENTS,
  type ChatRealtimeEvent,
  chatOf,
  PARTICIPANT_REALTIME_EVENTS,
  type RealtimeFanOut,
} from '../app/fan-out';
import type { Inbox } from '../app/inbox';

/**
 * N1: new messages and new memberships become notifications; X2: so does a
 * scheduled message that failed; X4: mutes are kept for them.
 */
export function inboxConsumers(inbox: Inbox) {
  return [
    {
      name: 'notification-inbox-messages',
      from: 'chat',
      types: ['chat.v1.message.created'],
      // Chats are independent: their messages are turned into notifications side by side.
      orderKey: (event) => event.data.message.chatId,
      apply: (tx, event, emit) => inbox.messageCreated(tx, event, emit),
    } satisfies ConsumerSpec<'chat.v1.message.created'>,
    {
      name: 'notification-inbox-scheduled',
      from: 'chat',
      types: ['chat.v1.scheduled_message.failed'],
      apply: (tx, event, emit) => inbox.scheduledMessageFailed(tx, event, emit),
    } satisfies ConsumerSpec<'chat.v1.scheduled_message.failed'>,
    {
      name: 'notification-inbox-memberships',
      from: 'participant',
      types: ['participant.v1.participant.added'],
      apply: (tx, event, emit) => inbox.participantAdded(tx, event, emit),
    } satisfies ConsumerSpec<'participant.v1.participant.added'>,
    {
      name: 'notification-inbox-mutes',
      from: 'chat',
      types: ['chat.v1.personal_state.updated'],
      apply: (tx, event) => inbox.personalStateUpdated(tx, event),
    } satisfies ConsumerSpec<'chat.v1.personal_state.updated'>,
  ];
}

/**
 * Realtime is for what happens from now on: these consumers start at new
 * events. A socket that reconnects catches up from the realtime log, or
 * refetches over REST when it was away too long. Delivery is at least once
 * (the log keeps one copy per event and person, and sockets drop an event id
 * they already got), so no inbox transaction per event; each chat's events,
 * and each person's notifications, stay in order, and the rest go side by side.
 */
export function realtimeConsumers(fanOut: RealtimeFanOut) {
  return [
    {
      name: 'notification-realtime-chat',
      from: 'chat',
      types: CHAT_REALTIME_EVENTS,
      start: 'new',
      orderKey: (event) => chatOf(event as ChatRealtimeEvent).chatId,
      deliver: (event) => fanOut.chatEvent(event as ChatRealtimeEvent),
    } satisfies ConsumerSpec<(typeof CHAT_REALTIME_EVENTS)[number]>,
    {
      name: 'notification-realtime-participants',
      from: 'participant',
      types: PARTICIPANT_REALTIME_EVENTS,
      start: 'new',
      orderKey: (event) => chatOf(event).chatId,
      deliver: (event) => fanOut.chatEvent(event),
    } satisfies ConsumerSpec<(typeof PARTICIPANT_REALTIME_EVENTS)[number]>,
    {
      name: 'notification-realtime-inbox',
      from: 'notification',
      types: ['notification.v1.notifications.created'],
      start: 'new',
      orderKey: (event) => event.data.chatId,
      deliver: (event: EventEnvelope<'notification.v1.notifications.created'>) =>
        fanOut.notificationsCreated(event),
    } satisfies ConsumerSpec<'notification.v1.notifications.created'>,
    {
      name: 'notification-realtime-personal-state',
      from: 'chat',
      types: ['chat.v1.personal_state.updated'],
      start: 'new',
      orderKey: (event) => event.data.personId,
      deliver: (event) => fanOut.personalStateUpdated(event),
    } satisfies ConsumerSpec<'chat.v1.personal_state.updated'>,
  ];
}
