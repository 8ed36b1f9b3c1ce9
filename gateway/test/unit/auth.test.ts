import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import {
  createAuthenticator,
  type Principal,
  VERIFIED_TOKEN_TTL_MS,
  VerifiedTokens,
} from '../../src/plugins/auth';
import { personToken, serviceCalls, serviceToken, testApp, testConfig, token } from './support';

let app: App;
let services: Awaited<ReturnType<typeof testApp>>['services'];

beforeEach(async () => {
  ({ app, services } = await testApp());
});
afterEach(() => app.close());

const practiceBody = { name: 'Healthy Habits', plan: 'plus' };
const putPractice = (authorization?: string, practiceId = 'p1') =>
  app.inject({
    method: 'PUT',
    url: `/v1/practices/${practiceId}`,
    headers: authorization ? { authorization } : {},
    payload: practiceBody,
  });

function expectProblem(response: Awaited<ReturnType<App['inject']>>, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.json()).toMatchObject({ status, code });
}

describe('authentication', () => {
  it('a missing token is 401 unauthenticated', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/v1/me' }), 401, 'unauthenticated');
    expect(serviceCalls(services)).toBe(0);
  });

  it('a token signed with another secret is 401 unauthenticated', async () => {
    const forged = await token({ sub: 'dana' }, { key: 'another-secret-that-is-32-bytes-long!!' });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${forged}` },
    });
    expectProblem(response, 401, 'unauthenticated');
    expect(serviceCalls(services)).toBe(0);
  });

  it('an expired token is 401 unauthenticated and says it expired', async () => {
    const expired = await token({ sub: 'dana' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${expired}` },
    });
    expectProblem(response, 401, 'unauthenticated');
    expect(response.json().detail).toMatch(/expired/);
  });

  it('a token without a practice claim is 401 unauthenticated', async () => {
    const noPractice = await token({ sub: 'dana', practice: undefined });
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${noPractice}` },
    });
    expectProblem(response, 401, 'unauthenticated');
  });

  it('a garbage or non-bearer authorization header is 401 unauthenticated', async () => {
    for (const authorization of ['Bearer not.a.jwt', 'Basic ZGFuYTpwdw==', 'Bearer']) {
      expectProblem(
        await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization } }),
        401,
        'unauthenticated',
      );
    }
  });

  it('an unauthenticated request is refused before its body is validated', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/chats', payload: { bogus: true } });
    expectProblem(response, 401, 'unauthenticated');
  });

  it('a valid person token reaches the route', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${await personToken('dana')}` },
    });
    expect(response.statusCode).toBe(200);
    expect(services.participant.getPerson).toHaveBeenCalledWith({ practiceId: 'p1', personId: 'dana' });
  });
});

describe('authorization of service routes', () => {
  it('a directory write without the directory:write scope is 403 forbidden', async () => {
    expectProblem(await putPractice(`Bearer ${await serviceToken('programs:write')}`), 403, 'forbidden');
    expect(serviceCalls(services)).toBe(0);
  });

  it("a directory write for another practice than the token's is 403 forbidden", async () => {
    expectProblem(await putPractice(`Bearer ${await serviceToken()}`, 'p2'), 403, 'forbidden');
    expect(serviceCalls(services)).toBe(0);
  });

  it('a person token on a service route is 403 forbidden', async () => {
    expectProblem(await putPractice(`Bearer ${await personToken('olivia')}`), 403, 'forbidden');
  });

  it('a service token on a person route is 403 forbidden', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/me',
      headers: { authorization: `Bearer ${await serviceToken()}` },
    });
    expectProblem(response, 403, 'forbidden');
  });

  it('a service token with the scope and practice reaches the route', async () => {
    const response = await putPractice(`Bearer ${await serviceToken('programs:write directory:write')}`);
    expect(response.statusCode).toBe(201);
  });
});

describe('verified tokens (a token verified once is not verified again until it expires)', () => {
  const dana = (expiresAt: number): Principal => ({
    kind: 'person',
    practiceId: 'p1',
    personId: 'dana',
    expiresAt,
  });

  it('keep a principal by the whole token until its exp, at most a minute, and never past the bound', () => {
    const verified = new VerifiedTokens(2);
    verified.add('t1', dana(10_000), 0);
    expect(verified.get('t1', 9_999)).toMatchObject({ personId: 'dana' });
    expect(verified.get('t1', 10_000)).toBeUndefined();
    expect(verified.size).toBe(0);
    // A long-lived token is verified again after VERIFIED_TOKEN_TTL_MS (a withdrawn key stops it).
    verified.add('t2', dana(10 * VERIFIED_TOKEN_TTL_MS), 0);
    expect(verified.get('t2', VERIFIED_TOKEN_TTL_MS - 1)).toBeDefined();
    expect(verified.get('t2', VERIFIED_TOKEN_TTL_MS)).toBeUndefined();
    // At most `max` kept: the oldest goes first.
    for (const name of ['a', 'b', 'c']) verified.add(name, dana(10_000), 0);
    expect(verified.size).toBe(2);
    expect(verified.get('a', 0)).toBeUndefined();
    expect(verified.get('c', 0)).toBeDefined();
  });

  it('an authenticator answers a token it verified from memory, and a tampered copy is still refused', async () => {
    const authenticator = createAuthenticator(testConfig.auth);
    const good = await personToken('dana');
    expect(await authenticator.verify(good)).toMatchObject({ personId: 'dana', practiceId: 'p1' });
    expect(await authenticator.verify(good)).toMatchObject({ personId: 'dana' });
    const [header, claims, signature] = good.split('.');
    const tampered = `${header}.${claims}.${signature!.slice(0, -2)}${signature!.endsWith('AA') ? 'BA' : 'AA'}`;
    await expect(authenticator.verify(tampered)).rejects.toMatchObject({ code: 'unauthenticated' });
    const forged = await token({ sub: 'dana' }, { key: 'another-secret-that-is-32-bytes-long!!' });
    await expect(authenticator.verify(forged)).rejects.toMatchObject({ code: 'unauthenticated' });
  });
});
