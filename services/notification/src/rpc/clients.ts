import { participantFromProto, participantV1, realtimeSubject } from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Participants, RealtimeChannel } from '../app/ports';

export function remoteParticipants(address: string): Participants & { close(): void } {
  const participant = connect(participantV1.ParticipantServiceService, address);
  return {
    list: async (chatId) =>
      (await participant.listParticipants({ chatId })).participants.map(participantFromProto),
    close: () => participant.close(),
  };
}

/** Core NATS, not JetStream: realtime is best effort; a reconnecting socket refetches. */
export function natsRealtime(nc: NatsConnection): RealtimeChannel {
  return {
    deliver: (practiceId, personId, event) =>
      nc.publish(realtimeSubject(practiceId, personId), JSON.stringify(event)),
  };
}
