import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/fastify-app';
import { personToken, serviceCalls, serviceToken, testApp } from './support';

/**
 * Auth, tags and security are set once per route group (plugins/route-group.ts),
 * not per route: every documented route must still carry them, and every route
 * documented as bearer-secured must refuse a caller without a token.
 */
describe('route groups', () => {
  let app: App;
  let services: Awaited<ReturnType<typeof testApp>>['services'];
  let operations: Array<{ method: string; path: string; tags?: string[]; security?: unknown }>;

  beforeAll(async () => {
    ({ app, services } = await testApp());
    const document = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    operations = Object.entries(
      document.paths as Record<string, Record<string, { tags?: string[]; security?: unknown }>>,
    ).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ method, path, ...operation })),
    );
  });
  afterAll(() => app.close());

  it('every documented route has its group’s tag; only the operations probes are public', () => {
    expect(operations.length).toBeGreaterThan(30);
    for (const operation of operations) {
      expect(operation.tags, `${operation.method} ${operation.path}`).toHaveLength(1);
      const expected = operation.tags?.[0] === 'operations' ? undefined : [{ bearer: [] }];
      expect(operation.security, `${operation.method} ${operation.path}`).toEqual(expected);
    }
  });

  it('A1: every bearer-secured REST route refuses a request without a token (401), before any service call', async () => {
    const secured = operations.filter((operation) => operation.security && operation.path !== '/v1/stream');
    for (const { method, path } of secured) {
      const url = path.replace(/\{[^}]+\}/g, 'x1');
      const response = await app.inject({ method: method.toUpperCase() as 'GET', url, payload: {} });
      expect(response.statusCode, `${method} ${path}`).toBe(401);
    }
    expect(serviceCalls(services)).toBe(0);
  });

  it('a person token is refused on the service groups (directory, programs) and a service token on person groups', async () => {
    const person = `Bearer ${await personToken('dana')}`;
    const service = `Bearer ${await serviceToken()}`;
    for (const { method, path, tags } of operations) {
      if (!tags || path === '/v1/stream' || tags[0] === 'operations') continue;
      const serviceGroup = tags[0] === 'directory' || tags[0] === 'programs';
      const response = await app.inject({
        method: method.toUpperCase() as 'GET',
        url: path.replace(/\{[^}]+\}/g, 'p1'),
        headers: { authorization: serviceGroup ? person : service },
        payload: {},
      });
      expect(response.statusCode, `${method} ${path}`).toBe(403);
    }
  });
});
