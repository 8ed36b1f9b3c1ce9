import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Several gateways side by side (DESIGN.md section 3, Realtime): each person's
 * events travel on their own NATS subject, so whichever gateway holds their
 * sockets delivers them, and no gateway needs to know of the others.
 */
describe('realtime across gateway instances', () => {
  let system: System;
  let second: string;
  const practice = 'p-gw';

  beforeAll(async () => {
    system = await startSystem('gateways');
    second = await system.addGateway();
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    await directory('PUT', `/v1/practices/${practice}`, { name: 'Two Gateways', plan: 'team' });
    for (const [id, kind, firstName] of [
      ['dana', 'practitioner', 'Dana'],
      ['cleo', 'client', 'Cleo'],
      ['omar', 'client', 'Omar'],
    ] as const) {
      await directory('PUT', `/v1/practices/${practice}/people/${id}`, { kind, firstName, lastName: 'Test' });
    }
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('a post made through one gateway reaches participants’ sockets on both, and nobody else’s', async () => {
    const dana = api(system.url, await system.personToken(practice, 'dana'));
    const chat = (
      await dana('POST', '/v1/chats', { name: 'Split', style: 'direct', participantIds: ['cleo'] })
    ).body;
    const cleoOnSecond = await openStream(second, await system.personToken(practice, 'cleo'));
    const danaOnFirst = await openStream(system.url, await system.personToken(practice, 'dana'));
    const danaOnSecond = await openStream(second, await system.personToken(practice, 'dana'));
    const omarOnSecond = await openStream(second, await system.personToken(practice, 'omar'));
    const sockets = [cleoOnSecond, danaOnFirst, danaOnSecond, omarOnSecond];
    try {
      await Promise.all(sockets.map((socket) => socket.next((event) => event.type === 'stream.ready')));
      const posted = (await dana('POST', `/v1/chats/${chat.id}/messages`, { body: 'across gateways' })).body;
      const isIt = (event: { type: string; data: any }) =>
        event.type === 'message.created' && event.data.id === posted.id;
      const received = await Promise.all(
        [cleoOnSecond, danaOnFirst, danaOnSecond].map((socket) => socket.next(isIt)),
      );
      for (const event of received)
        expect(event.data).toMatchObject({ body: 'across gateways', author: { name: 'Dana Test' } });
      await sleep(300);
      // Each socket got it once; Omar, not in the chat, got nothing of it.
      for (const socket of [cleoOnSecond, danaOnFirst, danaOnSecond])
        expect(socket.events.filter(isIt)).toHaveLength(1);
      expect(omarOnSecond.events.filter((event) => event.chatId === chat.id)).toEqual([]);
    } finally {
      for (const socket of sockets) socket.close();
    }
  });
});
