import { participantFromProto, participantV1, personFromProto, sharingPolicyV1 } from '@huddle/contracts';
import { HuddleError } from '@huddle/errors';
import { connect } from '@huddle/grpc';
import type { Directory, Participants, Policy } from '../app/ports';

const noDecision = { allowed: false, reason: 'forbidden', message: 'No decision', personIds: [] };

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
    remove: async (request) => (await participant.removeParticipant(request)).removed,
  };

  const directory: Directory = {
    people: async (practiceId, personIds) =>
      (await participant.getPeople({ practiceId, personIds })).people.map(personFromProto),
  };

  const policy: Policy = {
    authorizeGroupCreation: async (request) =>
      (await sharingPolicy.authorizeGroupCreation({ memberIds: [], ...request })).decision ?? noDecision,
    authorizeDirectChat: async (request) =>
      (await sharingPolicy.authorizeDirectChat(request)).decision ?? noDecision,
    planDefaultSharing: (request) => sharingPolicy.planDefaultSharing(request),
    planOf: async (practiceId) => {
      try {
        return (await sharingPolicy.getPractice({ practiceId })).practice?.plan;
      } catch (error) {
        if (error instanceof HuddleError && error.code === 'not_found') return undefined;
        throw error;
      }
    },
  };

  return {
    participants,
    policy,
    directory,
    close: () => {
      participant.close();
      sharingPolicy.close();
    },
  };
}
