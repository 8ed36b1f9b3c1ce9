import { characterCount, type PracticeData } from '@huddle/contracts';
import { invalid } from '@huddle/errors';

export type Practice = PracticeData;
export type Plan = Practice['plan'];

export const PLANS: readonly Plan[] = ['starter', 'professional', 'plus', 'team'];

const ID = /^[A-Za-z0-9_-]{1,64}$/;

const isId = (value: string) => ID.test(value);

/** Checks and normalizes a practice from the platform (DESIGN.md section 1). */
export function normalizePractice(input: Practice): Practice {
  const problems: Record<string, string> = {};
  if (!isId(input.id)) problems.id = 'must be 1-64 letters, digits, _ or -';
  const name = input.name.trim();
  if (name.length < 1 || characterCount(name) > 200) problems.name = 'must be 1-200 characters';
  if (!PLANS.includes(input.plan)) problems.plan = `must be one of ${PLANS.join(', ')}`;
  if (Object.keys(problems).length > 0) throw invalid('The practice is not valid', { fields: problems });
  return { id: input.id, name, plan: input.plan };
}

/** Chat sharing (S1-S6) needs one of these plans. */
export const allowsSharing = (plan: Plan) => plan === 'plus' || plan === 'team';
