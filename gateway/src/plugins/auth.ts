import { HuddleError } from '@huddle/errors';
import type { FastifyRequest } from 'fastify';
import {
  createRemoteJWKSet,
  type JWTPayload,
  type JWTVerifyGetKey,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { GatewayConfig } from '../config';
import type { App } from '../fastify-app';
import type { KnownPeople } from '../known-people';
import { idPattern } from '../schemas';

/**
 * Who is calling: a person of a practice, or a platform service acting for a practice;
 * `expiresAt` is the token's `exp` in epoch milliseconds (the stream closes then).
 */
export type Principal =
  | { kind: 'person'; practiceId: string; personId: string; expiresAt: number }
  | { kind: 'service'; practiceId: string; name: string; scopes: string[]; expiresAt: number };

/** What a route needs: a person, a service, or (the WebSocket) a person checked by the handler. */
export type AuthRequirement = 'person' | 'service' | 'socket';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthRequirement;
    /** A service route's scope; the token's practice must also be the route's `practiceId`. */
    scope?: string;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** Why a presented token was refused; kept so the rate limit still counts the caller first. */
    authFailure: HuddleError | null;
  }
}

export interface Authenticator {
  /** Verifies a bearer token; rejects with HuddleError `unauthenticated` (or `unavailable` when keys cannot be fetched). */
  verify(token: string): Promise<Principal>;
}

const ids = new RegExp(idPattern);
const unauthenticated = (detail: string) => new HuddleError('unauthenticated', detail);

function principalOf(claims: JWTPayload): Principal {
  const { sub, practice, scope, exp } = claims;
  // jose has checked `exp` is a number in the future (it is a required claim).
  const expiresAt = Number(exp) * 1000;
  if (typeof practice !== 'string' || !ids.test(practice))
    throw unauthenticated('The token has no valid practice');
  if (typeof sub !== 'string') throw unauthenticated('The token has no subject');
  if (sub.startsWith('svc:')) {
    const name = sub.slice('svc:'.length);
    if (!name) throw unauthenticated('The token names no service');
    const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
    return { kind: 'service', practiceId: practice, name, scopes, expiresAt };
  }
  if (!ids.test(sub)) throw unauthenticated('The token subject is not a valid person id');
  return { kind: 'person', practiceId: practice, personId: sub, expiresAt };
}

/** Tokens the gateway verified lately, at most this many (the oldest verified is forgotten first). */
export const VERIFIED_TOKENS_MAX = 10_000;
/** How long a verification is trusted: a key withdrawn from the JWKS stops its tokens within this. */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Principals of tokens already verified, by the whole token string (header,
 * claims and signature: only the identical token matches), until the token's
 * `exp` and at most VERIFIED_TOKEN_TTL_MS. A person's browser sends the same token with every request, so most
 * requests skip the signature check: it was most of what a request refused by
 * the fair limits cost (issue 11, docs/reliability.md). Refused tokens are never
 * kept. Per process, in memory.
 */
export class VerifiedTokens {
  private readonly principals = new Map<string, { principal: Principal; until: number }>();

  constructor(private readonly max = VERIFIED_TOKENS_MAX) {}

  get(token: string, at: number): Principal | undefined {
    const entry = this.principals.get(token);
    if (entry && at >= entry.until) {
      this.principals.delete(token);
      return undefined;
    }
    return entry?.principal;
  }

  add(token: string, principal: Principal, at: number): void {
    if (this.principals.size >= this.max) {
      const oldest = this.principals.keys().next().value;
      if (oldest !== undefined) this.principals.delete(oldest);
    }
    this.principals.set(token, {
      principal,
      until: Math.min(principal.expiresAt, at + VERIFIED_TOKEN_TTL_MS),
    });
  }

  get size(): number {
    return this.principals.size;
  }
}

/** HS256 with a shared secret, keys from a JWKS URL, or both (the token's `alg` chooses). */
export function createAuthenticator(
  auth: GatewayConfig['auth'],
  now: () => number = Date.now,
): Authenticator {
  // Imported once: given the raw bytes, jose imports a WebCrypto key on every verify, a cost every
  // request pays (refused ones too: a caller hammering past its budget is verified each time).
  const secret = auth.jwtSecret
    ? crypto.subtle.importKey(
        'raw',
        new TextEncoder().encode(auth.jwtSecret),
        { name: 'HMAC', hash: 'SHA-256' },
        false,
        ['verify'],
      )
    : undefined;
  const jwks = auth.jwksUrl ? createRemoteJWKSet(new URL(auth.jwksUrl)) : undefined;
  const keyFor: JWTVerifyGetKey = (header, token) => {
    if (header.alg === 'HS256') {
      if (secret) return secret;
      throw unauthenticated('HS256 tokens are not accepted');
    }
    if (jwks) return jwks(header, token);
    throw unauthenticated('Only HS256 tokens are accepted');
  };
  const verified = new VerifiedTokens();
  return {
    async verify(token) {
      const known = verified.get(token, now());
      if (known) return known;
      try {
        const { payload } = await jwtVerify(token, keyFor, {
          issuer: auth.issuer,
          audience: auth.audience,
          requiredClaims: ['sub', 'exp', 'practice'],
        });
        const principal = principalOf(payload);
        verified.add(token, principal, now());
        return principal;
      } catch (error) {
        if (error instanceof HuddleError) throw error;
        if (error instanceof joseErrors.JWTExpired) throw unauthenticated('The token has expired');
        if (error instanceof joseErrors.JWKSTimeout) {
          throw new HuddleError('unavailable', 'Signing keys cannot be fetched; try again shortly');
        }
        throw unauthenticated('The token is not valid');
      }
    },
  };
}

function tokenOf(request: FastifyRequest, requirement: AuthRequirement): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, token] = header.split(' ');
    return scheme?.toLowerCase() === 'bearer' && token ? token : '';
  }
  // Browsers cannot set headers on a WebSocket, so the stream also takes the token in its URL.
  if (requirement === 'socket') {
    const query = request.query as { access_token?: unknown } | undefined;
    if (typeof query?.access_token === 'string') return query.access_token;
  }
  return undefined;
}

export const unknownPerson = () => unauthenticated("The token's subject is not a person of its practice");

/**
 * Identifies the caller on every route that needs one (onRequest, before the
 * rate limit keys on them) and refuses them before validation (preValidation),
 * so an unauthenticated request learns nothing about the route's schema. A
 * validly signed token is not enough for a person route: its subject must be a
 * person in the directory of its practice (asked after the rate limit).
 */
export function installAuth(app: App, authenticator: Authenticator, people: KnownPeople) {
  app.decorateRequest('principal', null);
  app.decorateRequest('authFailure', null);
  app.addHook('onRequest', async (request) => {
    const requirement = request.routeOptions.config.auth;
    if (!requirement) return;
    const token = tokenOf(request, requirement);
    if (token === undefined) {
      request.authFailure = unauthenticated('A bearer token is required');
      return;
    }
    try {
      request.principal = await authenticator.verify(token);
    } catch (error) {
      if (!(error instanceof HuddleError) || error.code !== 'unauthenticated') throw error;
      request.authFailure = error;
    }
  });
  app.addHook('preValidation', async (request) => {
    const requirement = request.routeOptions.config.auth;
    if (requirement !== 'person' && requirement !== 'service') return;
    const { principal } = request;
    if (!principal) throw request.authFailure ?? unauthenticated('A bearer token is required');
    if (principal.kind !== requirement) {
      throw new HuddleError('forbidden', `This route needs a ${requirement} token`);
    }
    if (principal.kind === 'person') {
      if (!(await people.isKnown(principal))) throw unknownPerson();
    } else {
      const { scope } = request.routeOptions.config;
      if (scope && !principal.scopes.includes(scope)) {
        throw new HuddleError('forbidden', `The token lacks the ${scope} scope`);
      }
      const { practiceId } = request.params as { practiceId?: string };
      if (practiceId !== undefined && practiceId !== principal.practiceId) {
        throw new HuddleError('forbidden', 'The token is for another practice');
      }
    }
  });
}

/** The person calling a `person` route. */
export function personOf(request: FastifyRequest) {
  const { principal } = request;
  if (principal?.kind !== 'person') throw unauthenticated('A person token is required');
  return principal;
}
