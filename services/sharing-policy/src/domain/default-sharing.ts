import { allow, type Decision, deny } from './decision';
import { canReach, type PersonAccess } from './person';
import { allowsSharing, type Plan } from './practice';

export const MAX_DEFAULT_SHARING = 100;

/**
 * S4: a practitioner's default sharing list is read and set by the
 * practitioner, the practice owner, or members who can manage team settings,
 * on anyone's behalf.
 */
export function decideDefaultSharingAccess(
  actor: PersonAccess | undefined,
  practitionerId: string,
): Decision {
  if (actor?.kind !== 'practitioner') {
    return deny('forbidden', 'Only team members manage default direct-chat sharing');
  }
  if (actor.id === practitionerId || actor.teamRole === 'owner' || actor.canManageTeamSettings) return allow;
  return deny(
    'forbidden',
    "Only the practitioner, the practice owner or a team-settings manager changes a practitioner's default sharing",
  );
}

/**
 * S4: the list holds other team members of the practice. Problems are
 * reported by count, like every decision here.
 */
export function checkDefaultSharingList(
  practitionerId: string,
  teamMemberIds: readonly string[],
  people: ReadonlyMap<string, PersonAccess>,
): Decision {
  const ids = [...new Set(teamMemberIds)];
  if (ids.includes(practitionerId)) {
    return deny('validation_failed', 'A practitioner is not in their own default sharing list');
  }
  const notTeam = ids.filter((id) => people.get(id)?.kind !== 'practitioner').length;
  if (notTeam > 0)
    return deny('validation_failed', `${notTeam} of these are not team members of this practice`);
  return allow;
}

export interface SkippedTeamMember {
  personId: string;
  reason: 'tag_restricted' | 'plan_required' | 'not_found';
  message: string;
}

export interface DefaultSharingPlan {
  teamMemberIds: string[];
  skipped: SkippedTeamMember[];
}

/**
 * S4: whom a new 1-on-1 chat is shared with. Default sharing is not an
 * explicit invitation (S3), so a team member whose tag restriction excludes
 * the client is skipped, and so is everyone when the plan has no sharing (S2)
 * or a member left the team since the list was set. Each skip says why.
 */
export function planDefaultSharing(request: {
  /** `undefined` when the practice is not known yet: no sharing plan can be assumed. */
  plan: Plan | undefined;
  client: PersonAccess;
  teamMemberIds: readonly string[];
  people: ReadonlyMap<string, PersonAccess>;
}): DefaultSharingPlan {
  const plan: DefaultSharingPlan = { teamMemberIds: [], skipped: [] };
  const sharing = request.plan !== undefined && allowsSharing(request.plan);
  for (const personId of request.teamMemberIds) {
    const member = request.people.get(personId);
    if (!sharing) {
      plan.skipped.push({
        personId,
        reason: 'plan_required',
        message: 'Chat sharing needs the plus or team plan',
      });
    } else if (member?.kind !== 'practitioner') {
      plan.skipped.push({
        personId,
        reason: 'not_found',
        message: 'No longer a team member of this practice',
      });
    } else if (!canReach(member, request.client)) {
      plan.skipped.push({
        personId,
        reason: 'tag_restricted',
        message: 'Their client tag restriction excludes this client',
      });
    } else {
      plan.teamMemberIds.push(personId);
    }
  }
  return plan;
}
