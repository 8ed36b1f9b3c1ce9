import { participantToProto, participantV1, personFromProto, personToProto } from '@huddle/contracts';
import { invalid } from '@huddle/errors';
import { host } from '@huddle/grpc';
import type { Directory } from '../app/directory';
import type { Memberships, NewParticipant } from '../app/memberships';

export function participantRpc(directory: Directory, memberships: Memberships) {
  return host(participantV1.ParticipantServiceService, {
    upsertPerson: async ({ person }) => {
      if (!person) throw invalid('person is required');
      const result = await directory.upsertPerson(personFromProto(person));
      return { person: personToProto(result.person), created: result.created };
    },
    getPerson: async ({ practiceId, personId }) => ({
      person: personToProto(await directory.getPerson(practiceId, personId)),
    }),
    getPeople: async ({ practiceId, personIds }) => ({
      people: (await directory.getPeople(practiceId, personIds)).map(personToProto),
    }),
    addParticipants: async ({ practiceId, chatId, addedBy, participants }) => ({
      participants: (
        await memberships.add({
          practiceId,
          chatId,
          addedBy,
          participants: participants.map(
            (entry) => ({ ...entry, role: entry.role || undefined }) as NewParticipant,
          ),
        })
      ).map(participantToProto),
    }),
    getParticipant: async ({ chatId, personId }) => ({
      participant: participantToProto(await memberships.get(chatId, personId)),
    }),
    removeParticipant: async (request) => ({ removed: await memberships.remove(request) }),
    listParticipants: async ({ chatId }) => ({
      participants: (await memberships.list(chatId)).map(participantToProto),
    }),
  });
}
