/**
 * Conversions between the JSON shapes of domain events and the gRPC messages
 * that carry the same facts, written once for every service and the gateway.
 */

import type { ParticipantData, PersonData } from './events';
import type {
  Participant as ParticipantProto,
  Person as PersonProto,
} from './gen/huddle/participant/v1/participant';

export function personToProto(person: PersonData): PersonProto {
  return {
    id: person.id,
    practiceId: person.practiceId,
    kind: person.kind,
    firstName: person.firstName,
    lastName: person.lastName,
    photoUrl: person.photoUrl ?? undefined,
    tags: person.tags,
    teamRole: person.teamRole ?? '',
    canManageTeamSettings: person.canManageTeamSettings,
    clientTagRestriction: person.clientTagRestriction ? { tags: person.clientTagRestriction } : undefined,
    zoomLinked: person.zoomLinked,
    email: person.email ?? undefined,
  };
}

/** Unchecked: the receiving domain validates kinds and roles. */
export function personFromProto(person: PersonProto): PersonData {
  return {
    id: person.id,
    practiceId: person.practiceId,
    kind: person.kind as PersonData['kind'],
    firstName: person.firstName,
    lastName: person.lastName,
    photoUrl: person.photoUrl ?? null,
    tags: person.tags,
    teamRole: (person.teamRole || null) as PersonData['teamRole'],
    canManageTeamSettings: person.canManageTeamSettings,
    clientTagRestriction: person.clientTagRestriction ? person.clientTagRestriction.tags : null,
    zoomLinked: person.zoomLinked,
    email: person.email ?? null,
  };
}

export function participantToProto(participant: ParticipantData): ParticipantProto {
  return { ...participant, addedAt: new Date(participant.addedAt) };
}

export function participantFromProto(participant: ParticipantProto): ParticipantData {
  return {
    ...participant,
    role: participant.role as ParticipantData['role'],
    via: participant.via as ParticipantData['via'],
    kind: participant.kind as ParticipantData['kind'],
    addedAt: (participant.addedAt ?? new Date(0)).toISOString(),
  };
}
