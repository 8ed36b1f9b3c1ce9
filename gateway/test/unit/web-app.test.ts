import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { person, secret, testApp } from './support';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'web-app-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Huddle</title>');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// No load shedding: unit tests share a busy machine.
const configWith = (env: Record<string, string>) =>
  loadConfig({
    AUTH_JWT_SECRET: secret,
    MAX_EVENT_LOOP_DELAY_MS: '0',
    MAX_EVENT_LOOP_UTILIZATION: '0',
    ...env,
  });

describe('the web app plugin', () => {
  it('serves the built app at /app with a content security policy, outside the API document', async () => {
    const { app } = await testApp({}, configWith({ WEB_APP_DIR: dir }));
    expect((await app.inject({ url: '/app' })).headers.location).toBe('/app/');
    const page = await app.inject({ url: '/app/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<title>Huddle</title>');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const paths = Object.keys((app.swagger() as { paths: object }).paths);
    expect(paths.filter((path) => path.startsWith('/app') || path.startsWith('/dev'))).toEqual([]);
  });

  it('has no development sign-in unless DEV_SIGN_IN is on', async () => {
    const { app } = await testApp({}, configWith({ WEB_APP_DIR: dir }));
    expect((await app.inject({ url: '/dev/people' })).statusCode).toBe(404);
    const signIn = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: { personId: 'maya' } });
    expect(signIn.statusCode).toBe(404);
  });

  it('lists the seeded demo people and signs a token for one of them only', async () => {
    const { app, services } = await testApp({}, configWith({ DEV_SIGN_IN: 'true' }));
    // Only Maya has been seeded into the demo practice's directory.
    services.participant.getPeople.mockImplementation(async ({ personIds }) => ({
      people: personIds.includes('maya')
        ? [{ ...person('maya', 'practitioner', 'Maya', 'Patel'), practiceId: 'demo' }]
        : [],
    }));
    const list = await app.inject({ url: '/dev/people' });
    expect(list.json().people).toEqual([
      { id: 'maya', name: 'Maya Patel', kind: 'practitioner', about: 'Practice owner' },
    ]);

    const signIn = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: { personId: 'maya' } });
    expect(signIn.statusCode).toBe(200);
    const { payload } = await jwtVerify(signIn.json().token, new TextEncoder().encode(secret));
    expect(payload).toMatchObject({ sub: 'maya', practice: 'demo' });

    const stranger = await app.inject({ method: 'POST', url: '/dev/sign-in', payload: { personId: 'omar' } });
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().code).toBe('not_found');
  });
});
