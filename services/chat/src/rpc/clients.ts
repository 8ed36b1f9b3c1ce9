import { participantFromProto, participantV1, sharingPolicyV1 } from '@huddle/contracts';
import { connect } from '@huddle/grpc';
import type { Participants, Policy } from '../app/ports';

/** The ports of the chat service, over gRPC to the services that own the data. */
export function remotePorts(addresses: { participant: string; sharingPolicy: string }) {
  const participant = connect(participantV1.ParticipantServiceService, addresses.participant);
  const sharingPolicy = connect(sharingPolicyV1.SharingPolicyServiceService, addresses.sharingPolicy);

  const participants: Participants = {
    add: async (request) =>
      (
        await participant.addParticipants({
          ...request,
          participants: request.participants.map((entry) => ({ ...entry, role: entry.role ?? '' })),
        })
      ).participants.map(participantFromProto),
  };

  const policy: Policy = {
    authorizeGroupCreation: async (request) => {
      const { decision } = await sharingPolicy.authorizeGroupCreation(request);
      return decision ?? { allowed: false, reason: 'forbidden', message: 'No decision' };
    },
  };

  return {
    participants,
    policy,
    close: () => {
      participant.close();
      sharingPolicy.close();
    },
  };
}
