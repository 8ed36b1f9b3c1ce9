import type { participantV1 } from '@huddle/contracts';
import { type ChatContext, type PresentedPerson, presentPerson, type Viewer } from './index';

/** A membership as a viewer may see it: the person through presentPerson (G4, G5), and how they came. */
export interface PresentedParticipant extends PresentedPerson {
  role: 'owner' | 'team' | 'client';
  /**
   * created | invited | default_sharing | program | conversion; null, like
   * `addedAt`, for someone the viewer may not know (G5): how and when another
   * hidden client came would single them out (the 1-on-1 a group grew from).
   */
  via: string | null;
  addedAt: string | null;
  /**
   * Who added them, for team members only, and only while that is a current
   * participant or a service (`svc:<name>`): a former participant stays unnamed (P2).
   */
  addedBy: string | null;
}

const roles: ReadonlySet<string> = new Set(['owner', 'team', 'client']);

function addedByFor(viewer: Viewer, context: ChatContext, addedBy: string): string | null {
  if (viewer.kind !== 'practitioner' || !addedBy) return null;
  if (addedBy.startsWith('svc:')) return addedBy;
  return context.participants.some((member) => member.personId === addedBy) ? addedBy : null;
}

/**
 * One participant for this viewer. A client in an identity-hiding group sees
 * other clients by pseudonym only (G5): no id, no photo, no adder, nor how or when they came.
 */
export function presentParticipant(
  viewer: Viewer,
  context: ChatContext,
  participant: participantV1.Participant,
): PresentedParticipant {
  const person = presentPerson(viewer, context, participant.personId);
  const role = roles.has(participant.role)
    ? (participant.role as PresentedParticipant['role'])
    : person.kind === 'client'
      ? 'client'
      : 'team';
  const known = person.id !== null;
  return {
    ...person,
    role,
    via: known ? participant.via : null,
    addedAt: known ? (participant.addedAt?.toISOString() ?? null) : null,
    addedBy: addedByFor(viewer, context, participant.addedBy),
  };
}

/** A chat's participants for this viewer: the owner first, then in the order they joined. */
export function presentParticipants(viewer: Viewer, context: ChatContext): PresentedParticipant[] {
  const rank = (member: participantV1.Participant) => (member.role === 'owner' ? 0 : 1);
  const joined = (member: participantV1.Participant) => member.addedAt?.getTime() ?? 0;
  return [...context.participants]
    .sort((a, b) => rank(a) - rank(b) || joined(a) - joined(b))
    .map((member) => presentParticipant(viewer, context, member));
}
