import { type Bus, traceHeaders } from '@huddle/bus';
import {
  participantFromProto,
  participantV1,
  type RealtimeEvent,
  realtimeChatLogSubject,
  realtimeChatSubject,
  realtimeLogSubject,
  realtimeSubject,
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
 * Live delivery is core NATS (low latency, best effort). Each event is first
 * written to the realtime log (JetStream, `REALTIME`), so a socket that
 * reconnects can catch up from the last event id it saw. Logging first means
 * an event sent live before a gateway subscribed is already in the log when
 * that gateway reads it: catch-up leaves no gap. A chat's event is logged and
 * sent once for the chat, a person's own event once for the person; the
 * message id is per event and subject, so a redelivered event is logged once
 * and not sent live again.
 * Both carry the event's trace in their headers, so the gateway's socket write
 * continues it.
 */
export function natsRealtime({ nc, js }: Pick<Bus, 'nc' | 'js'>): RealtimeChannel {
  const send = (logSubject: string, liveSubject: string, key: string, event: RealtimeEvent) =>
    // The subjects name a person or a chat: they stay out of the span.
    inSpan(
      'realtime publish',
      {
        kind: SpanKind.PRODUCER,
        attributes: { 'messaging.system': 'nats', 'huddle.realtime.type': event.type },
      },
      async () => {
        const payload = JSON.stringify(event);
        const headers = traceHeaders();
        const logged = await js.publish(logSubject, payload, { msgID: `${event.id}:${key}`, headers });
        // Already in the log: an earlier attempt (whose ack was lost to a kill or a NATS restart) logged
        // it and sent it live; sending it again would repeat it on sockets that resumed since.
        if (logged.duplicate) return;
        nc.publish(liveSubject, payload, { headers });
      },
    );
  return {
    deliver: (practiceId, personId, event) =>
      send(realtimeLogSubject(practiceId, personId), realtimeSubject(practiceId, personId), personId, event),
    deliverToChat: (practiceId, chatId, event) =>
      send(
        realtimeChatLogSubject(practiceId, chatId),
        realtimeChatSubject(practiceId, chatId),
        `chat:${chatId}`,
        event,
      ),
  };
}
