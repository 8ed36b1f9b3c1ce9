import type { Bus } from '@huddle/bus';
import { participantFromProto, participantV1, realtimeLogSubject, realtimeSubject } from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import type { Participants, RealtimeChannel } from '../app/ports';

export function remoteParticipants(address: string): Participants & { close(): void } {
  const participant = connect(participantV1.ParticipantServiceService, address);
  return {
    list: async (chatId) =>
      (await participant.listParticipants({ chatId })).participants.map(participantFromProto),
    close: () => participant.close(),
  };
}

/**
 * Live delivery is core NATS (low latency, best effort). Each event is first
 * written to the person's realtime log (JetStream, `REALTIME`), so a socket
 * that reconnects can catch up from the last event id it saw. Logging first
 * means an event sent live before a gateway subscribed is already in the log
 * when that gateway reads it: catch-up leaves no gap. The message id is per
 * event and person, so a redelivered event is logged once.
 */
export function natsRealtime({ nc, js }: Pick<Bus, 'nc' | 'js'>): RealtimeChannel {
  return {
    deliver: async (practiceId, personId, event) => {
      const payload = JSON.stringify(event);
      await js.publish(realtimeLogSubject(practiceId, personId), payload, {
        msgID: `${event.id}:${personId}`,
      });
      nc.publish(realtimeSubject(practiceId, personId), payload);
    },
  };
}
