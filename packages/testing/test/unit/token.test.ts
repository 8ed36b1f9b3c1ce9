import { decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../src';

const secret = 'a-test-secret-of-at-least-32-bytes!!';
const key = new TextEncoder().encode(secret);

describe('mintToken', () => {
  it('signs the claims the gateway reads with HS256', async () => {
    const token = await mintToken({
      secret,
      sub: 'svc:programs',
      practice: 'practice-1',
      scope: 'directory:write programs:write',
      expiresIn: '12h',
    });

    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    expect(payload).toMatchObject({
      sub: 'svc:programs',
      practice: 'practice-1',
      scope: 'directory:write programs:write',
    });
    expect(payload.exp! - payload.iat!).toBe(12 * 3600);
  });

  it('expires in an hour by default, leaves scope out when unset and reads numbers as seconds', async () => {
    const person = await jwtVerify(await mintToken({ secret, sub: 'dana', practice: 'p' }), key);
    expect(person.payload.exp! - person.payload.iat!).toBe(3600);
    expect(person.payload).not.toHaveProperty('scope');

    const short = await jwtVerify(
      await mintToken({ secret, sub: 'dana', practice: 'p', expiresIn: 90 }),
      key,
    );
    expect(short.payload.exp! - short.payload.iat!).toBe(90);
  });
});
