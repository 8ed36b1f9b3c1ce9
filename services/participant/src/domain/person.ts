import { characterCount, type PersonData } from '@huddle/contracts';
import { invalid } from '@huddle/errors';

export type Person = PersonData;

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const KINDS = ['practitioner', 'client'] as const;
const TEAM_ROLES = ['owner', 'admin', 'member'] as const;
const MAX_TAGS = 50;

export const isId = (value: string) => ID.test(value);

/**
 * Checks and normalizes a person from the platform (DESIGN.md section 1).
 * Practitioner-only attributes are cleared for clients and the other way round,
 * so the directory never holds a contradiction.
 */
export function normalizePerson(input: Person): Person {
  const problems: Record<string, string> = {};
  if (!isId(input.id)) problems.id = 'must be 1-64 letters, digits, _ or -';
  if (!isId(input.practiceId)) problems.practiceId = 'must be 1-64 letters, digits, _ or -';
  if (!KINDS.includes(input.kind)) problems.kind = 'must be practitioner or client';
  const firstName = input.firstName.trim();
  const lastName = input.lastName.trim();
  if (firstName.length < 1 || characterCount(firstName) > 100)
    problems.firstName = 'must be 1-100 characters';
  if (lastName.length < 1 || characterCount(lastName) > 100) problems.lastName = 'must be 1-100 characters';
  if (input.photoUrl !== null && !/^https?:\/\/\S{1,2040}$/.test(input.photoUrl)) {
    problems.photoUrl = 'must be an http(s) URL';
  }
  const email = input.email?.trim() || null;
  // A plausible address, no more: the mail server is the judge of the rest.
  if (email !== null && (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))) {
    problems.email = 'must be an email address';
  }
  const practitioner = input.kind === 'practitioner';
  const tags = practitioner ? [] : uniqueTags(input.tags, 'tags', problems);
  const restriction =
    practitioner && input.clientTagRestriction !== null
      ? uniqueTags(input.clientTagRestriction, 'clientTagRestriction', problems)
      : null;
  const teamRole = practitioner ? (input.teamRole ?? 'member') : null;
  if (teamRole !== null && !TEAM_ROLES.includes(teamRole))
    problems.teamRole = 'must be owner, admin or member';
  if (Object.keys(problems).length > 0) throw invalid('The person is not valid', { fields: problems });
  return {
    id: input.id,
    practiceId: input.practiceId,
    kind: input.kind,
    firstName,
    lastName,
    photoUrl: input.photoUrl,
    tags,
    teamRole,
    // Owners can always manage team settings (DESIGN.md section 1).
    canManageTeamSettings: practitioner && (teamRole === 'owner' || input.canManageTeamSettings),
    clientTagRestriction: restriction,
    zoomLinked: practitioner && input.zoomLinked,
    email,
  };
}

function uniqueTags(tags: string[], field: string, problems: Record<string, string>): string[] {
  const unique = [...new Set(tags.map((tag) => tag.trim()))];
  if (unique.length > MAX_TAGS || unique.some((tag) => tag.length < 1 || characterCount(tag) > 50)) {
    problems[field] = `at most ${MAX_TAGS} tags of 1-50 characters`;
  }
  return unique;
}
