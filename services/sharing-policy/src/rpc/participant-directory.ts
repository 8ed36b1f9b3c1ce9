import type { participantV1 } from '@huddle/contracts';
import { personFromProto } from '@huddle/contracts';
import type { Remote } from '@huddle/grpc';
import type { PeopleSource } from '../app/ports';
import { accessOf } from '../domain/person';

type ParticipantRpc = Pick<Remote<typeof participantV1.ParticipantServiceService>, 'getPeople'>;

/** The participant service's directory, asked for people the projection has not seen yet. */
export const participantDirectory = (participant: ParticipantRpc): PeopleSource => ({
  getPeople: async (practiceId, personIds) => {
    const { people } = await participant.getPeople({ practiceId, personIds: [...personIds] });
    return people.map((person) => accessOf(personFromProto(person)));
  },
});
