import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayConfig } from '../../src/config';
import type { App } from '../../src/fastify-app';
import { RecentLoad } from '../../src/limits/recent-load';
import { TokenBuckets } from '../../src/limits/token-buckets';
import type { Principal } from '../../src/plugins/auth';
import { installFairness } from '../../src/plugins/fairness';
import { installProblemHandlers } from '../../src/plugins/problems';
import { personToken, testApp, testConfig, token } from './support';

let app: App | undefined;
afterEach(() => app?.close());

const limits = (changes: Partial<GatewayConfig['rateLimit']>): Readonly<GatewayConfig> => ({
  ...testConfig,
  rateLimit: { ...testConfig.rateLimit, ...changes },
});
const bearer = async (personId: string) => ({ authorization: `Bearer ${await personToken(personId)}` });

describe('token buckets', () => {
  it('hold the burst when new, refill at the rate, and say how long until a cost is there', () => {
    // 60 a minute: one a second, ten seconds deep.
    const buckets = new TokenBuckets(60, 10);
    expect(buckets.burst).toBe(10);
    expect(buckets.waitMs('a', 9, 0)).toBe(0);
    buckets.take('a', 9, 0);
    expect(buckets.waitMs('a', 9, 0)).toBe(8_000);
    expect(buckets.waitMs('a', 9, 8_000)).toBe(0);
    // A cost above the burst is charged as the burst, so it is possible at all.
    expect(buckets.waitMs('b', 50, 0)).toBe(0);
    // Other keys are untouched.
    expect(buckets.available('c', 0)).toBe(10);
  });

  it('forget keys that have refilled, so memory follows the active callers', () => {
    const buckets = new TokenBuckets(60, 10);
    for (let key = 0; key < 100; key += 1) buckets.take(`k${key}`, 1, 0);
    expect(buckets.size).toBe(100);
    buckets.take('late', 1, 20_000);
    expect(buckets.size).toBe(1);
  });
});

describe('recent load', () => {
  it('puts the heaviest key above its fair share and a light one below, and decays', () => {
    const load = new RecentLoad(2_000);
    for (let i = 0; i < 50; i += 1) load.add('heavy', 9, 0);
    load.add('light', 1, 0);
    expect(load.aboveFairShare('heavy', 0)).toBe(true);
    expect(load.aboveFairShare('light', 0)).toBe(false);
    expect(load.aboveFairShare('never-seen', 0)).toBe(false);
    expect(load.of('heavy', 2_000)).toBeCloseTo(225);
  });
});

// Building the app takes seconds on a busy machine.
describe('cost-aware limits', { timeout: 30_000 }, () => {
  // The clock stands still, so no bucket refills between a test's requests.
  beforeEach(() => vi.useFakeTimers({ toFake: ['Date'] }));
  afterEach(() => vi.useRealTimers());

  it('a caller over their budget gets 429 rate_limited with Retry-After; another person is not touched', async () => {
    // 150 units a minute, 25 deep: one 200-message page (21 units) fits, a second does not.
    ({ app } = await testApp({}, limits({ callerPerMinute: 150 })));
    const url = '/v1/chats/chat1/messages?limit=200';
    expect((await app.inject({ method: 'GET', url, headers: await bearer('dana') })).statusCode).toBe(200);
    const refused = await app.inject({ method: 'GET', url, headers: await bearer('dana') });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(refused.headers['retry-after'])).toBe(7);
    expect(refused.json()).toMatchObject({
      code: 'rate_limited',
      status: 429,
      details: { limit: 'caller_budget', retryAfterSeconds: 7, cost: 21 },
    });
    // The same caller's small reads still fit: four units are left.
    expect(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('dana') })).statusCode,
    ).toBe(200);
    expect((await app.inject({ method: 'GET', url, headers: await bearer('eli') })).statusCode).not.toBe(429);
    // Probes, scrapes and documents are never charged.
    for (let i = 0; i < 20; i += 1) {
      expect(
        (await app.inject({ method: 'GET', url: '/healthz', headers: await bearer('dana') })).statusCode,
      ).toBe(200);
    }
  });

  it('a page costs by its size: seven 20-message pages fit in the budget of one 200-message page', async () => {
    // 126 units a minute, 21 deep: a 200-message page costs 21, a 20-message page 3.
    ({ app } = await testApp({}, limits({ callerPerMinute: 126 })));
    const headers = await bearer('dana');
    const page = (limit: number) =>
      app!.inject({ method: 'GET', url: `/v1/chats/chat1/messages?limit=${limit}`, headers });
    for (let i = 0; i < 7; i += 1) expect((await page(20)).statusCode).toBe(200);
    expect((await page(20)).statusCode).toBe(429);
  });

  it('an upload costs by its size', async () => {
    // 20 units deep: one 3 MiB upload (1 + 12 units) fits, a second does not.
    ({ app } = await testApp({}, limits({ callerPerMinute: 120 })));
    const headers = { ...(await bearer('dana')), 'content-type': 'multipart/form-data; boundary=x' };
    const upload = () =>
      app!.inject({
        method: 'POST',
        url: '/v1/attachments',
        headers,
        payload: Buffer.alloc(3 * 1024 * 1024, 1),
      });
    // Charged, then read (and refused: it is no multipart body).
    expect((await upload()).statusCode).toBe(400);
    const refused = await upload();
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ details: { limit: 'caller_budget', cost: 13 } });
  });

  it("a practice's callers share its budget; another practice's caller is not touched", async () => {
    ({ app } = await testApp({}, limits({ callerPerMinute: 600, practicePerMinute: 60 })));
    const url = '/v1/chats/chat1/messages?limit=200';
    expect((await app.inject({ method: 'GET', url, headers: await bearer('dana') })).statusCode).toBe(200);
    const refused = await app.inject({ method: 'GET', url, headers: await bearer('eli') });
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ details: { limit: 'practice_budget' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = `Bearer ${await token({ sub: 'dana', practice: 'p2' })}`;
    // Not 429: the other practice's budget is its own (the fake directory ignores the practice).
    expect((await app.inject({ method: 'GET', url, headers: { authorization: elsewhere } })).statusCode).toBe(
      200,
    );
  });

  /** Holds every message page's answer until `release` is called. */
  function holdPages(setup: Awaited<ReturnType<typeof testApp>>) {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const listMessages = setup.services.chat.listMessages.getMockImplementation()!;
    setup.services.chat.listMessages.mockImplementation(async (request) => {
      await held;
      return listMessages(request);
    });
    return () => release();
  }

  it("a practice holds at most PRACTICE_MAX_IN_FLIGHT requests at once; other practices' slots stay free", async () => {
    const setup = await testApp({}, limits({ practiceMaxInFlight: 2 }));
    app = setup.app;
    const release = holdPages(setup);
    const url = '/v1/chats/chat1/messages';
    const slow = [
      app.inject({ method: 'GET', url, headers: await bearer('dana') }),
      app.inject({ method: 'GET', url, headers: await bearer('eli') }),
    ];
    await vi.waitFor(() => expect(setup.services.chat.listMessages).toHaveBeenCalledTimes(2));
    const third = await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('olivia') });
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('1');
    expect(third.json()).toMatchObject({ details: { limit: 'practice_in_flight' } });
    const elsewhere = `Bearer ${await token({ sub: 'dana', practice: 'p2' })}`;
    expect(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: elsewhere } })).statusCode,
    ).toBe(200);
    release();
    for (const response of await Promise.all(slow)) expect(response.statusCode).toBe(200);
    // The slots are given back when the answers are sent.
    expect(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('dana') })).statusCode,
    ).toBe(200);
  });

  it("one caller holds at most half of their practice's slots: a slow client cannot shut the others out", async () => {
    const setup = await testApp({}, limits({ practiceMaxInFlight: 4 }));
    app = setup.app;
    const release = holdPages(setup);
    const url = '/v1/chats/chat1/messages';
    const slow = [
      app.inject({ method: 'GET', url, headers: await bearer('dana') }),
      app.inject({ method: 'GET', url, headers: await bearer('dana') }),
    ];
    await vi.waitFor(() => expect(setup.services.chat.listMessages).toHaveBeenCalledTimes(2));
    const more = await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('dana') });
    expect(more.statusCode).toBe(429);
    expect(more.headers['retry-after']).toBe('1');
    expect(more.json()).toMatchObject({ code: 'rate_limited', details: { limit: 'caller_in_flight' } });
    // The rest of the practice still gets in.
    expect(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('eli') })).statusCode,
    ).toBe(200);
    release();
    for (const response of await Promise.all(slow)) expect(response.statusCode).toBe(200);
    expect(
      (await app.inject({ method: 'GET', url: '/v1/me', headers: await bearer('dana') })).statusCode,
    ).toBe(200);
  });
});

describe('load shedding', () => {
  /** Fairness alone on a bare app: the caller is named by headers, pressure is switched by the test. */
  async function shedding() {
    let pressure = false;
    const bare = Fastify() as unknown as App;
    installProblemHandlers(bare);
    bare.decorateRequest('principal', null);
    bare.addHook('onRequest', async (request) => {
      const practiceId = String(request.headers['x-practice']);
      request.principal = { kind: 'person', practiceId, personId: 'someone', expiresAt: 0 } as Principal;
    });
    installFairness(bare, testConfig.rateLimit, { underPressure: () => pressure, unknownBodyBytes: 0 });
    bare.get('/v1/work', async () => ({ done: true }));
    return { app: bare, press: (on: boolean) => (pressure = on) };
  }

  it('sheds the practice causing the load with 503 and Retry-After, not a light practice', async () => {
    const system = await shedding();
    app = system.app;
    const as = (practice: string) =>
      system.app.inject({ url: '/v1/work', headers: { 'x-practice': practice } });
    for (let i = 0; i < 30; i += 1) expect((await as('heavy')).statusCode).toBe(200);
    system.press(true);
    const shed = await as('heavy');
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('5');
    expect(shed.json()).toMatchObject({ code: 'unavailable' });
    for (let i = 0; i < 5; i += 1) expect((await as('light')).statusCode).toBe(200);
    system.press(false);
    expect((await as('heavy')).statusCode).toBe(200);
  });

  it('sheds everyone alike when one practice alone is asking', async () => {
    const system = await shedding();
    app = system.app;
    system.press(true);
    expect((await system.app.inject({ url: '/v1/work', headers: { 'x-practice': 'only' } })).statusCode).toBe(
      503,
    );
  });
});
