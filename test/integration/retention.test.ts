import type { EventEnvelope } from '@huddle/contracts';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * C3 through the real system: the practice owner sets the practice's retention period and
 * puts chats under legal hold; anyone else of the practice is refused (403, or 404 for a
 * chat they are not in, A1), another practice does not exist (404), bad periods are 400.
 * What the job deletes is proved on a real database in services/chat/test/medium/retention.test.ts.
 */
describe('C3 retention and legal hold endpoints', () => {
  let system: System;
  const practice = 'p-retention';
  const other = 'p-retention-other';
  const people = {
    pam: { kind: 'practitioner', firstName: 'Pam', lastName: 'Owner', teamRole: 'owner' },
    olga: { kind: 'practitioner', firstName: 'Olga', lastName: 'Lead', teamRole: 'admin' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const retention = `/v1/practices/${practice}/retention`;
  let chatId: string;
  let nats: NatsConnection;

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  beforeAll(async () => {
    // The retention job runs every second here, so a run is seen within the test.
    system = await startSystem('retention', { chat: { RETENTION_INTERVAL_MS: '1000' } });
    nats = await connect({ servers: system.natsUrl });
    for (const [id, name] of [
      [practice, 'C3'],
      [other, 'Elsewhere'],
    ] as const) {
      const directory = api(system.url, await system.serviceToken(id, 'directory:write'));
      expect((await directory('PUT', `/v1/practices/${id}`, { name, plan: 'team' })).status).toBe(201);
    }
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    const elsewhere = api(system.url, await system.serviceToken(other, 'directory:write'));
    const xavier = { kind: 'practitioner', firstName: 'Xavier', lastName: 'Else', teamRole: 'owner' };
    expect((await elsewhere('PUT', `/v1/practices/${other}/people/xavier`, xavier)).status).toBe(201);
    const created = await (await as('olga'))('POST', '/v1/chats', {
      name: 'Held',
      style: 'feed',
      participantIds: ['dana'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    // The membership projection is written with the chat; wait for dana to read it anyway.
    for (
      let attempt = 0;
      (await (await as('dana'))('GET', `/v1/chats/${chatId}`)).status !== 200;
      attempt++
    ) {
      if (attempt > 100) throw new Error('dana never became a member');
      await sleep(100);
    }
  });
  afterAll(async () => {
    await nats?.close();
    await system?.stop();
  });

  it('C3: the practice owner reads and sets the period: none, or 30 to 3650 days', async () => {
    const pam = await as('pam');
    const initial = await pam('GET', retention);
    expect(initial.status).toBe(200);
    expect(initial.body).toEqual({ practiceId: practice, period: 'none', updatedBy: null, updatedAt: null });

    const set = await pam('PUT', retention, { period: { days: 30 } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body).toMatchObject({ practiceId: practice, period: { days: 30 }, updatedBy: 'pam' });
    expect(Date.parse(set.body.updatedAt)).not.toBeNaN();
    expect((await pam('PUT', retention, { period: { days: 3650 } })).body.period).toEqual({ days: 3650 });
    expect((await pam('GET', retention)).body.period).toEqual({ days: 3650 });
    expect((await pam('PUT', retention, { period: 'none' })).body.period).toBe('none');
    expect((await pam('PUT', retention, { period: { days: 365 } })).body.period).toEqual({ days: 365 });
  });

  it('C3: out-of-range or malformed periods are 400 validation_failed and change nothing', async () => {
    const pam = await as('pam');
    await pam('PUT', retention, { period: { days: 90 } });
    for (const body of [
      { period: { days: 29 } },
      { period: { days: 3651 } },
      { period: { days: 30.5 } },
      { period: 'forever' },
      { period: { days: 30, months: 1 } },
      {},
    ]) {
      expectProblem(await pam('PUT', retention, body), 400, 'validation_failed');
    }
    expect((await pam('GET', retention)).body.period).toEqual({ days: 90 });
  });

  it('C3: anyone else of the practice is 403 forbidden; another practice is 404', async () => {
    for (const who of ['olga', 'terry', 'dana'] as Name[]) {
      const caller = await as(who);
      expectProblem(await caller('GET', retention), 403, 'forbidden');
      expectProblem(await caller('PUT', retention, { period: { days: 30 } }), 403, 'forbidden');
    }
    const pam = await as('pam');
    expectProblem(await pam('GET', `/v1/practices/${other}/retention`), 404, 'not_found');
    expectProblem(await pam('PUT', `/v1/practices/${other}/retention`, { period: 'none' }), 404, 'not_found');
    const xavier = api(system.url, await system.personToken(other, 'xavier'));
    expectProblem(await xavier('PUT', retention, { period: 'none' }), 404, 'not_found');
    expectProblem(await api(system.url, '')('GET', retention), 401, 'unauthenticated');
    expect((await pam('GET', retention)).body.period).toEqual({ days: 90 });
  });

  it('C3: the practice owner, in the chat or not, puts it under legal hold and lifts it', async () => {
    const pam = await as('pam');
    const path = `/v1/chats/${chatId}/legal-hold`;
    expect((await pam('GET', path)).body).toEqual({
      chatId,
      held: false,
      reason: '',
      updatedBy: null,
      updatedAt: null,
    });
    const held = await pam('PUT', path, { held: true, reason: 'Records request 42' });
    expect(held.status, JSON.stringify(held.body)).toBe(200);
    expect(held.body).toMatchObject({ chatId, held: true, reason: 'Records request 42', updatedBy: 'pam' });
    expect((await pam('GET', path)).body).toMatchObject({ held: true, reason: 'Records request 42' });

    // A participant who is not the practice owner: 403; not in it: 404 (A1); another practice: 404.
    const olga = await as('olga');
    expectProblem(await olga('PUT', path, { held: false }), 403, 'forbidden');
    expectProblem(await olga('GET', path), 403, 'forbidden');
    expectProblem(await (await as('dana'))('PUT', path, { held: false }), 403, 'forbidden');
    expectProblem(await (await as('terry'))('PUT', path, { held: false }), 404, 'not_found');
    expectProblem(await (await as('terry'))('GET', path), 404, 'not_found');
    const xavier = api(system.url, await system.personToken(other, 'xavier'));
    expectProblem(await xavier('PUT', path, { held: false }), 404, 'not_found');
    expectProblem(await pam('PUT', '/v1/chats/no-such-chat/legal-hold', { held: true }), 404, 'not_found');
    // Bad input changes nothing.
    expectProblem(await pam('PUT', path, { held: false, reason: 'x'.repeat(501) }), 400, 'validation_failed');
    expectProblem(await pam('PUT', path, { held: 'yes' }), 400, 'validation_failed');
    expect((await pam('GET', path)).body.held).toBe(true);

    const lifted = await pam('PUT', path, { held: false });
    expect(lifted.body).toMatchObject({ chatId, held: false, reason: '', updatedBy: 'pam' });
  });

  it('C3: the running chat service applies the period and publishes each run, by count, for the audit (C1)', async () => {
    const runs = nats.subscribe('chat.v1.retention.applied');
    const pam = await as('pam');
    const olga = await as('olga');
    const kept = await olga('POST', `/v1/chats/${chatId}/messages`, { body: 'Posted just now' });
    expect(kept.status).toBe(201);
    expect((await pam('PUT', retention, { period: { days: 30 } })).status).toBe(200);
    let applied: EventEnvelope<'chat.v1.retention.applied'> | undefined;
    for await (const message of runs) {
      const event = message.json<EventEnvelope<'chat.v1.retention.applied'>>();
      // Runs under the period an earlier test left may come first.
      if (event.data.practiceId === practice && event.data.days === 30) {
        applied = event;
        break;
      }
    }
    runs.unsubscribe();
    expect(applied?.data).toMatchObject({ practiceId: practice, days: 30, messages: 0, files: 0 });
    const cutoff = Date.parse(applied!.data.cutoff);
    expect(Date.parse(applied!.data.startedAt) - cutoff).toBe(30 * 24 * 60 * 60 * 1000);
    // Nothing younger than the period went.
    const page = await olga('GET', `/v1/chats/${chatId}/messages`);
    expect(page.body.items.map((m: { id: string }) => m.id)).toContain(kept.body.id);
  });

  it('C3: the operations are in the OpenAPI document with their bodies and answers', async () => {
    const document = (await api(system.url, '')('GET', '/openapi.json')).body;
    expect(Object.keys(document.paths['/v1/practices/{practiceId}/retention'])).toEqual(['get', 'put']);
    expect(Object.keys(document.paths['/v1/chats/{chatId}/legal-hold'])).toEqual(['get', 'put']);
  });
});
