import { HuddleError } from '@huddle/errors';
import type { FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config';
import type { App } from '../fastify-app';
import { requestCost } from '../limits/cost';
import { RecentLoad } from '../limits/recent-load';
import { TokenBuckets } from '../limits/token-buckets';
import { UNAVAILABLE_RETRY_AFTER_SECONDS } from './problems';

/** Which budget or cap refused a request: `details.limit` of the 429. */
export type LimitName = 'caller_budget' | 'practice_budget' | 'caller_in_flight' | 'practice_in_flight';

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
  caller_in_flight: 'You have too many requests in progress',
  practice_in_flight: 'Your practice has too many requests in progress',
};

/** Counts of requests in progress, by payer. */
class InFlight {
  private readonly counts = new Map<string, number>();
  of = (key: string) => this.counts.get(key) ?? 0;
  add = (key: string) => this.counts.set(key, this.of(key) + 1);
  remove(key: string) {
    const left = this.of(key) - 1;
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
  }
}

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
 * here, so one practice never takes every slot, and one caller at most half
 * of those, so one slow client (a download read slowly, a body sent slowly)
 * cannot shut the rest of their practice out; refused: 429 `rate_limited`
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
  const inFlight = new InFlight();
  const callerMaxInFlight = Math.ceil(limits.practiceMaxInFlight / 2);
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
    let refusal: HuddleError | undefined;
    if (holdsSlot && inFlight.of(caller) >= callerMaxInFlight) {
      refusal = limited('caller_in_flight', 1, cost);
    } else if (holdsSlot && inFlight.of(practice) >= limits.practiceMaxInFlight) {
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
    inFlight.add(practice);
    inFlight.add(caller);
    // 'close' comes once however the exchange ends: answered, failed, or the client gone.
    reply.raw.once('close', () => {
      inFlight.remove(practice);
      inFlight.remove(caller);
    });
  });
}
