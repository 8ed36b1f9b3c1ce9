import { type Bus, traceHeaders } from '@huddle/bus';
import {
  participantFromProto,
  participantV1,
  type RealtimeEvent,
  realtimeChatLogSubject,
  realtimeLogSubject,
} from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import { inSpan, SpanKind } from '@huddle/telemetry';
import type { People } from '../app/outbound-ports';
import type { Participants, RealtimeChannel } from '../app/ports';

export function remoteParticipants(address: string): Participants & { close(): void } {
  const participant = connect(participantV1.ParticipantServiceService, address);
  return {
    list: async (chatId) =>
      (await participant.listParticipants({ chatId })).participants.map(participantFromProto),
    close: () => participant.close(),
  };
}

/** People's email addresses from the participant service's directory. */
export function remotePeople(address: string): People & { close(): void } {
  const participant = connect(participantV1.ParticipantServiceService, address);
  return {
    emails: async (practiceId, personIds) => {
      const { people } = await participant.getPeople({ practiceId, personIds });
      return new Map(people.filter((person) => person.email).map((person) => [person.id, person.email!]));
    },
    close: () => participant.close(),
  };
}

/**
 * Each realtime event is written to the realtime log (JetStream, `REALTIME`),
 * and that is all: the gateways read the log as it is written, so an event
 * goes live in the log's order, once, and never before it is logged. A chat's
 * event is logged once for the chat, a person's own event once for the person;
 * the message id is per event and subject, so a redelivered event (its ack
 * lost to a kill or a NATS restart) is logged once. The event's trace goes in
 * the headers, so the gateway's socket write continues it.
 */
export function natsRealtime({ js }: Pick<Bus, 'js'>): RealtimeChannel {
  const send = async (subject: string, key: string, event: RealtimeEvent) => {
    // The subjects name a person or a chat: they stay out of the span.
    await inSpan(
      'realtime publish',
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'huddle.realtime.type': event.type },
      },
      () =>
        js.publish(subject, JSON.stringify(event), { msgID: `${event.id}:${key}`, headers: traceHeaders() }),
    );
  };
  return {
    deliver: (practiceId, personId, event) => send(realtimeLogSubject(practiceId, personId), personId, event),
    deliverToChat: (practiceId, chatId, event) =>
      send(realtimeChatLogSubject(practiceId, chatId), `chat:${chatId}`, event),
  };
}
