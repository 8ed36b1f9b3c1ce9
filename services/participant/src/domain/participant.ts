import type { ParticipantData } from '@huddle/contracts';

export type Participant = ParticipantData;
export type ParticipantRole = Participant['role'];
export type JoinedVia = Participant['via'];

export const ROLES: readonly ParticipantRole[] = ['owner', 'team', 'client'];
export const VIAS: readonly JoinedVia[] = ['created', 'invited', 'default_sharing', 'program', 'conversion'];

/**
 * The stable per-chat name a hidden client is shown under (G5). Numbered by
 * arrival, never reused, and carrying nothing of the person.
 */
export const clientPseudonym = (number: number) => `Client ${number}`;

/** Team members are never hidden, so their "pseudonym" is only a fallback label. */
export const TEAM_PSEUDONYM = 'Team member';

/** The role a person of this kind has in a chat they did not create. */
export const roleFor = (kind: Participant['kind']): ParticipantRole =>
  kind === 'client' ? 'client' : 'team';
