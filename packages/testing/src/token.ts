import { SignJWT } from 'jose';

export interface TokenClaims {
  /** HS256 secret the gateway verifies with (AUTH_JWT_SECRET). */
  secret: string;
  /** A person id, or `svc:<name>` for a service. */
  sub: string;
  practice: string;
  /** Space-separated scopes, e.g. `directory:write programs:write`. */
  scope?: string;
  /** A duration such as `15m` or `12h`, or a number of seconds; one hour when unset. */
  expiresIn?: string | number;
}

/** Signs a bearer token with the claims the gateway reads (DESIGN.md §4). */
export async function mintToken({
  secret,
  sub,
  practice,
  scope,
  expiresIn = '1h',
}: TokenClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  // jose reads a number as an absolute time; ours is a duration.
  const expiresAt = typeof expiresIn === 'number' ? now + expiresIn : expiresIn;
  return new SignJWT({ practice, ...(scope ? { scope } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}
