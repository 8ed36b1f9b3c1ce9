import { HuddleError } from '@huddle/errors';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config';
import type { App } from '../fastify-app';
import { requestCost } from '../limits/cost';
import { RecentLoad } from '../limits/recent-load';
import { TokenBuckets } from '../limits/token-buckets';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './problems';

/** Which budget or cap refused a request: `details.limit` of the 429. */
export type LimitName = 'caller_budget' | 'practice_budget' | 'practice_in_flight';

/** Whom a request is charged to: the person or service, and their practice (the IP for a caller without a valid token). */
function payerOf(request: FastifyRequest): { caller: string; practice: string } {
  const { principal } = request;
  if (!principal) return { caller: `ip:${request.ip}`, practice: `ip:${request.ip}` };
  const who = principal.kind === 'person' ? principal.personId : `svc:${principal.name}`;
  return { caller: `${principal.practiceId}:${who}`, practice: principal.practiceId };
}

const refusals: Record<LimitName, string> = {
  caller_budget: 'You have spent your request budget',
  practice_budget: 'Your practice has spent its request budget',
  practice_in_flight: 'Your practice has too many requests in progress',
};

function limited(limit: LimitName, retryAfterSeconds: number, cost: number): HuddleError {
  return new HuddleError('rate_limited', `${refusals[limit]}; retry in ${retryAfterSeconds} s`, {
    limit,
    retryAfterSeconds,
    cost,
  });
}

/**
 * Fair limits (issue 11), after authentication so each request is charged to
 * who sent it. A request costs more the more it asks for (limits/cost.ts) and
 * is charged against its caller's budget and its practice's budget (token
 * buckets); a practice holds at most `practiceMaxInFlight` requests at once
 * here, so one practice never takes every slot; refused: 429 `rate_limited`
 * with `Retry-After` and `details.limit` naming the budget. Under pressure
 * (event-loop delay or utilization past the configured bounds) the gateway
 * sheds with 503 only the practices asking at least their fair share of the
 * recent load, never a light one. Budgets, counts and load live in this
 * process (each gateway keeps its own).
 */
export function installFairness(
  app: App,
  limits: Readonly<GatewayConfig['rateLimit']>,
  options: { underPressure: () => boolean; unknownBodyBytes: number; now?: () => number },
) {
  const now = options.now ?? Date.now;
  const callers = new TokenBuckets(limits.callerPerMinute, limits.burstSeconds);
  const practices = new TokenBuckets(limits.practicePerMinute, limits.burstSeconds);
  const inFlight = new Map<string, number>();
  const load = new RecentLoad();

  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.cost === false) return;
    const { caller, practice } = payerOf(request);
    const cost = requestCost(request, options.unknownBodyBytes);
    const at = now();
    if (options.underPressure() && load.aboveFairShare(practice, at)) {
      load.add(practice, 1, at);
      reply.header('retry-after', UNAVAILABLE_RETRY_AFTER_SECONDS);
      throw new HuddleError('unavailable', 'The gateway is overloaded; try again shortly', {
        retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
      });
    }
    // The WebSocket holds its connection for hours: it has its own cap per person (the hub), not an in-flight slot.
    const holdsSlot = request.routeOptions.config.auth !== 'socket';
    const held = inFlight.get(practice) ?? 0;
    let refusal: HuddleError | undefined;
    if (holdsSlot && held >= limits.practiceMaxInFlight) {
      refusal = limited('practice_in_flight', 1, cost);
    } else {
      const callerWait = callers.waitMs(caller, cost, at);
      const practiceWait = practices.waitMs(practice, cost, at);
      if (callerWait > 0 || practiceWait > 0) {
        const seconds = Math.ceil(Math.max(callerWait, practiceWait) / 1000);
        refusal = limited(callerWait >= practiceWait ? 'caller_budget' : 'practice_budget', seconds, cost);
      }
    }
    if (refusal) {
      // A refusal is cheap but not free: it counts a little toward the practice's recent load.
      load.add(practice, 1, at);
      reply.header('retry-after', (refusal.details as { retryAfterSeconds: number }).retryAfterSeconds);
      throw refusal;
    }
    callers.take(caller, cost, at);
    practices.take(practice, cost, at);
    load.add(practice, cost, at);
    if (!holdsSlot) return;
    inFlight.set(practice, held + 1);
    // 'close' comes once however the exchange ends: answered, failed, or the client gone.
    reply.raw.once('close', () => {
      const left = (inFlight.get(practice) ?? 1) - 1;
      if (left > 0) inFlight.set(practice, left);
      else inFlight.delete(practice);
    });
  });
}
