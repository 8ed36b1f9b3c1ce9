import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http';
import { type System, startSystem } from '../support/system';

/** A local server implementing Zoom's `POST /users/me/meetings` as its REST API documents it. */
function fakeZoom() {
  const calls: Array<{ authorization: string | undefined; body: any }> = [];
  const server: Server = createServer(async (request: IncomingMessage, response) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    if (request.method !== 'POST' || request.url !== '/v2/users/me/meetings') {
      response.writeHead(404).end();
      return;
    }
    calls.push({ authorization: request.headers.authorization, body: JSON.parse(raw) });
    if (request.headers.authorization !== 'Bearer zoom-token-dana') {
      response
        .writeHead(401, { 'content-type': 'application/json' })
        .end('{"code":124,"message":"Invalid access token."}');
      return;
    }
    response
      .writeHead(201, { 'content-type': 'application/json' })
      .end(
        JSON.stringify({ id: 85746065432, type: 1, join_url: 'https://zoom.example/j/85746065432?pwd=abc' }),
      );
  });
  return { server, calls };
}

describe('M1: instant meetings', () => {
  let system: System;
  const zoom = fakeZoom();
  const practice = 'p-meet';
  let dana: ReturnType<typeof api>;
  let eli: ReturnType<typeof api>;
  let cleo: ReturnType<typeof api>;

  beforeAll(async () => {
    await new Promise<void>((resolve) => zoom.server.listen(0, '127.0.0.1', resolve));
    const zoomUrl = `http://127.0.0.1:${(zoom.server.address() as AddressInfo).port}/v2`;
    system = await startSystem('meetings', {
      chat: { ZOOM_API_URL: zoomUrl, MEETINGS_BASE_URL: 'https://video.example/rooms' },
    });
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    await directory('PUT', `/v1/practices/${practice}`, { name: 'Meet Clinic', plan: 'team' });
    await directory('PUT', `/v1/practices/${practice}/people/dana`, {
      kind: 'practitioner',
      firstName: 'Dana',
      lastName: 'Reyes',
      teamRole: 'owner',
      zoomLinked: true,
    });
    await directory('PUT', `/v1/practices/${practice}/people/eli`, {
      kind: 'practitioner',
      firstName: 'Eli',
      lastName: 'Stone',
    });
    await directory('PUT', `/v1/practices/${practice}/people/cleo`, {
      kind: 'client',
      firstName: 'Cleo',
      lastName: 'Park',
    });
    dana = api(system.url, await system.personToken(practice, 'dana'));
    eli = api(system.url, await system.personToken(practice, 'eli'));
    cleo = api(system.url, await system.personToken(practice, 'cleo'));
  });

  afterAll(async () => {
    await system?.stop();
    zoom.server.close();
  });

  it('M1: built-in video from a 1-on-1 posts an unguessable join link to the chat', async () => {
    const direct = await dana('POST', '/v1/chats/direct', { clientId: 'cleo' });
    expect([200, 201]).toContain(direct.status);
    const chatId = direct.body.id;
    const first = await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'builtin' });
    const second = await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'builtin' });
    expect(first.status).toBe(201);
    expect(first.body.joinUrl).toMatch(/^https:\/\/video\.example\/rooms\/[A-Za-z0-9_-]{22}$/);
    expect(second.body.joinUrl).not.toBe(first.body.joinUrl);
    expect(first.body.message.body).toContain(first.body.joinUrl);
    const seen = await cleo('GET', `/v1/chats/${chatId}/messages`);
    expect(seen.body.items.map((m: { body: string }) => m.body).join('\n')).toContain(first.body.joinUrl);
  });

  it('M1: a client cannot start a meeting; a non-participant gets 404', async () => {
    const direct = await dana('POST', '/v1/chats/direct', { clientId: 'cleo' });
    expect((await cleo('POST', `/v1/chats/${direct.body.id}/meetings`, { provider: 'builtin' })).status).toBe(
      403,
    );
    expect((await eli('POST', `/v1/chats/${direct.body.id}/meetings`, { provider: 'builtin' })).status).toBe(
      404,
    );
  });

  it('M1: group chats start Zoom meetings only, with Zoom linked, through Zoom’s API as the practitioner', async () => {
    const group = await dana('POST', '/v1/chats', {
      name: 'Yoga',
      style: 'feed',
      participantIds: ['eli', 'cleo'],
    });
    const chatId = group.body.id;
    const builtin = await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'builtin' });
    expect(builtin.status).toBe(400);
    expect(builtin.body.code).toBe('validation_failed');

    // Linked in the directory but no credentials yet.
    expect((await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'zoom' })).status).toBe(403);
    expect(
      (await dana('PUT', '/v1/practitioners/dana/zoom-link', { accessToken: 'zoom-token-dana' })).body,
    ).toEqual({
      linked: true,
    });
    expect((await eli('PUT', '/v1/practitioners/dana/zoom-link', { accessToken: 'x' })).status).toBe(403);

    const meeting = await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'zoom' });
    expect(meeting.status).toBe(201);
    expect(meeting.body).toMatchObject({
      provider: 'zoom',
      joinUrl: 'https://zoom.example/j/85746065432?pwd=abc',
    });
    expect(zoom.calls.at(-1)).toMatchObject({
      authorization: 'Bearer zoom-token-dana',
      body: { type: 1, topic: 'Huddle meeting' },
    });
    const feed = await cleo('GET', `/v1/chats/${chatId}/messages`);
    expect(feed.body.items[0].body).toContain('https://zoom.example/j/85746065432');

    // Eli has no Zoom linked: refused without calling Zoom.
    const callsBefore = zoom.calls.length;
    expect((await eli('POST', `/v1/chats/${chatId}/meetings`, { provider: 'zoom' })).status).toBe(403);
    expect(zoom.calls.length).toBe(callsBefore);
  });

  it('M1: Zoom gets a neutral topic, never the group’s name (a health focus) or anyone’s name', async () => {
    await dana('PUT', '/v1/practitioners/dana/zoom-link', { accessToken: 'zoom-token-dana' });
    const group = await dana('POST', '/v1/chats', {
      name: 'Eating disorder recovery',
      style: 'feed',
      participantIds: ['cleo'],
    });
    const direct = await dana('POST', '/v1/chats/direct', { clientId: 'cleo' });
    for (const chatId of [group.body.id, direct.body.id]) {
      const callsBefore = zoom.calls.length;
      expect((await dana('POST', `/v1/chats/${chatId}/meetings`, { provider: 'zoom' })).status).toBe(201);
      expect(zoom.calls.length).toBe(callsBefore + 1);
      expect(zoom.calls.at(-1)!.body.topic).toBe('Huddle meeting');
      expect(JSON.stringify(zoom.calls.at(-1)!.body)).not.toMatch(/Eating|recovery|Cleo|Park|Dana|Reyes/);
    }
  });

  it('M1: only practitioners link Zoom: a client is refused with 403 and nothing is kept', async () => {
    const refused = await cleo('PUT', '/v1/practitioners/cleo/zoom-link', { accessToken: 'zoom-token-cleo' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('forbidden');
    expect((await cleo('PUT', '/v1/practitioners/cleo/zoom-link', { accessToken: '' })).status).toBe(403);
  });

  it('M1: Zoom refusing the token is a clear 403, and a bad provider is a 400', async () => {
    await dana('PUT', '/v1/practitioners/dana/zoom-link', { accessToken: 'expired-token' });
    const group = await dana('POST', '/v1/chats', { name: 'Run club', style: 'direct' });
    const refused = await dana('POST', `/v1/chats/${group.body.id}/meetings`, { provider: 'zoom' });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/link Zoom again/);
    const bad = await dana('POST', `/v1/chats/${group.body.id}/meetings`, { provider: 'skype' });
    expect(bad.status).toBe(400);
    await dana('PUT', '/v1/practitioners/dana/zoom-link', { accessToken: 'zoom-token-dana' });
  });

  it('M1: the linked token alone decides, whatever the directory’s zoomLinked says', async () => {
    // Eli is zoomLinked: false in the directory.
    const group = await eli('POST', '/v1/chats', {
      name: 'Stretch',
      style: 'feed',
      participantIds: ['cleo'],
    });
    const unlinked = await eli('POST', `/v1/chats/${group.body.id}/meetings`, { provider: 'zoom' });
    expect(unlinked.status).toBe(403);
    expect(unlinked.body.detail).toMatch(/zoom-link/);

    expect(
      (await eli('PUT', '/v1/practitioners/eli/zoom-link', { accessToken: 'zoom-token-eli' })).body,
    ).toEqual({ linked: true });
    const callsBefore = zoom.calls.length;
    await eli('POST', `/v1/chats/${group.body.id}/meetings`, { provider: 'zoom' });
    // Asked of Zoom with Eli's token (which this fake Zoom does not accept).
    expect(zoom.calls.slice(callsBefore)).toMatchObject([{ authorization: 'Bearer zoom-token-eli' }]);
    await eli('PUT', '/v1/practitioners/eli/zoom-link', { accessToken: '' });
  });
});
