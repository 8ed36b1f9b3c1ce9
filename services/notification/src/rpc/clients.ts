import { type Bus, traceHeaders } from '@huddle/bus';
import { participantFromProto, participantV1, realtimeLogSubject, realtimeSubject } from '@huddle/contracts';
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
 * written to the person's realtime log (JetStream, `REALTIME`), so a socket
 * that reconnects can catch up from the last event id it saw. Logging first
 * means an event sent live before a gateway subscribed is already in the log
 * when that gateway reads it: catch-up leaves no gap. The message id is per
 * event and person, so a redelivered event is logged once. Both carry the
 * event's trace in their headers, so the gateway's socket write continues it.
 */
export function natsRealtime({ nc, js }: Pick<Bus, 'nc' | 'js'>): RealtimeChannel {
  return {
    deliver: (practiceId, personId, event) =>
      // The subject names the person: it stays out of the span.
      inSpan(
        'realtime publish',
        {
          kind: SpanKind.PRODUCER,
          attributes: { 'messaging.system': 'nats', 'huddle.realtime.type': event.type },
        },
        async () => {
          const payload = JSON.stringify(event);
          const headers = traceHeaders();
          await js.publish(realtimeLogSubject(practiceId, personId), payload, {
            msgID: `${event.id}:${personId}`,
            headers,
          });
          nc.publish(realtimeSubject(practiceId, personId), payload, { headers });
        },
      ),
  };
}
