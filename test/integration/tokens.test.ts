import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 8, item 8, through the real system (DESIGN.md section 4, Authentication):
 * a token is good until its `exp`, on sockets too, and only for a person the
 * practice's directory knows.
 */
describe('tokens', () => {
  let system: System;
  const practice = 'p-tok';
  const other = 'p-tok-other';
  const sockets: Socket[] = [];

  beforeAll(async () => {
    system = await startSystem('tokens');
    for (const id of [practice, other]) {
      const directory = api(system.url, await system.serviceToken(id, 'directory:write'));
      expect((await directory('PUT', `/v1/practices/${id}`, { name: 'Tokens', plan: 'team' })).status).toBe(
        201,
      );
    }
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    const people = {
      olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
      dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    };
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    // Zed is a person of the other practice only.
    const otherDirectory = api(system.url, await system.serviceToken(other, 'directory:write'));
    const zed = { kind: 'practitioner', firstName: 'Zed', lastName: 'Zane', teamRole: 'owner' };
    expect((await otherDirectory('PUT', `/v1/practices/${other}/people/zed`, zed)).status).toBe(201);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await system?.stop();
  });

  async function stream(token: string) {
    const socket = await openStream(system.url, token);
    sockets.push(socket);
    await socket.next((event) => event.type === 'stream.ready');
    return socket;
  }

  /** Milliseconds since the epoch at which the token expires. */
  const expiryOf = (token: string) => Number(decodeJwt(token).exp) * 1000;

  async function upload(token: string) {
    const form = new FormData();
    form.append('file', new Blob(['%PDF-1.4 plan'], { type: 'application/pdf' }), 'plan.pdf');
    const response = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as { code?: string } };
  }

  it('A1: a validly signed token whose subject is no person of its practice is refused everywhere (401, socket 4401)', async () => {
    // "ghost" is in no directory; Zed is, but of another practice than the token names.
    for (const token of [
      await system.personToken(practice, 'ghost'),
      await system.personToken(practice, 'zed'),
    ]) {
      const uploaded = await upload(token);
      expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(401);
      expect(uploaded.body.code).toBe('unauthenticated');
      const caller = api(system.url, token);
      const subject = decodeJwt(token).sub;
      const zoom = await caller('PUT', `/v1/practitioners/${subject}/zoom-link`, {
        accessToken: 'zoom-token',
      });
      expect(zoom.status, JSON.stringify(zoom.body)).toBe(401);
      for (const path of ['/v1/me', '/v1/chats', '/v1/notifications']) {
        const reply = await caller('GET', path);
        expect(reply.status, path).toBe(401);
        expect(reply.body.code).toBe('unauthenticated');
      }
      expect((await caller('POST', '/v1/chats', { name: 'Ghosts', style: 'feed' })).status).toBe(401);
      const socket = await openStream(system.url, token);
      sockets.push(socket);
      expect(await socket.closed).toMatchObject({ code: 4401 });
      expect(socket.events.map((event) => event.type)).not.toContain('stream.ready');
    }
    // A known person of the same practice gets through, and service tokens are separate.
    expect((await upload(await system.personToken(practice, 'dana'))).status).toBe(201);
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${practice}`, { name: 'Tokens', plan: 'team' })).status,
    ).toBe(200);
  });

  it('§4 exp: a socket is closed with 4401 when its token expires', async () => {
    const token = await system.personToken(practice, 'dana', { expiresIn: 3 });
    const socket = await stream(token);
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 4401, reason: 'The token has expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiryOf(token));
  });

  it('§4 exp: a client that sends a newer token of the same person on its socket keeps it past the first expiry, with events', async () => {
    const olivia = api(system.url, await system.personToken(practice, 'olivia'));
    const created = await olivia('POST', '/v1/chats', {
      name: 'Renewals',
      style: 'feed',
      participantIds: ['dana'],
    });
    expect(created.status).toBe(201);
    const chatId: string = created.body.id;

    const first = await system.personToken(practice, 'dana', { expiresIn: 3 });
    const socket = await stream(first);
    const renewed = await system.personToken(practice, 'dana', { expiresIn: '1h' });
    socket.send({ type: 'auth', token: renewed });
    const acknowledged = await socket.next((event) => event.type === 'stream.authenticated');
    expect(acknowledged).toEqual({
      id: expect.stringMatching(/^eph_/),
      type: 'stream.authenticated',
      chatId: null,
      data: { expiresAt: new Date(expiryOf(renewed)).toISOString() },
    });

    // Past the first token's expiry (a deadline, not a guess), the socket is open and delivers.
    await sleep(Math.max(0, expiryOf(first) - Date.now()) + 500);
    const posted = await olivia('POST', `/v1/chats/${chatId}/messages`, { body: 'Still here?' });
    expect(posted.status).toBe(201);
    const delivered = await socket.next(
      (event) => event.type === 'message.created' && event.data.id === posted.body.id,
    );
    expect(delivered.data.body).toBe('Still here?');
    const state = await Promise.race([socket.closed, sleep(0).then(() => 'open')]);
    expect(state).toBe('open');
  });

  it("§4 exp: a token of another person or practice, a service's, or a bad one sent on the socket closes it (4401)", async () => {
    for (const replacement of [
      await system.personToken(practice, 'olivia'),
      await system.personToken(other, 'dana'),
      await system.serviceToken(practice, 'directory:write'),
      'not-a-token',
    ]) {
      const socket = await stream(await system.personToken(practice, 'dana'));
      socket.send({ type: 'auth', token: replacement });
      expect((await socket.closed).code).toBe(4401);
      expect(socket.events.map((event) => event.type)).not.toContain('stream.authenticated');
    }
  });
});
