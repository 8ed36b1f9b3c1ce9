import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Person ids are given by the platform and unique only within a practice: the
 * same id in another practice is another person, who must find nothing (A1).
 */
describe('A1 across practices: the same person id in another practice reaches nothing', () => {
  let system: System;
  let chatId: string;
  let messageId: string;

  beforeAll(async () => {
    system = await startSystem('tenancy');
    for (const practice of ['north', 'south']) {
      const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
      await directory('PUT', `/v1/practices/${practice}`, { name: practice, plan: 'team' });
      await directory('PUT', `/v1/practices/${practice}/people/dana`, {
        kind: 'practitioner',
        firstName: 'Dana',
        lastName: practice,
        teamRole: 'owner',
      });
      await directory('PUT', `/v1/practices/${practice}/people/cleo`, {
        kind: 'client',
        firstName: 'Cleo',
        lastName: practice,
      });
    }
    const northDana = api(system.url, await system.personToken('north', 'dana'));
    chatId = (
      await northDana('POST', '/v1/chats', { name: 'North only', style: 'feed', participantIds: ['cleo'] })
    ).body.id;
    messageId = (await northDana('POST', `/v1/chats/${chatId}/messages`, { body: 'north secret' })).body.id;
  });

  afterAll(async () => {
    await system?.stop();
  });

  it('every chat route answers 404 not_found to the namesake in another practice, and changes nothing', async () => {
    const southDana = api(system.url, await system.personToken('south', 'dana'));
    const attempts: Array<[string, string, unknown?]> = [
      ['GET', `/v1/chats/${chatId}`],
      ['GET', `/v1/chats/${chatId}/messages`],
      ['GET', `/v1/chats/${chatId}/participants`],
      ['POST', `/v1/chats/${chatId}/messages`, { body: 'hello from the south' }],
      ['PATCH', `/v1/chats/${chatId}`, { name: 'taken over' }],
      ['PATCH', `/v1/chats/${chatId}/messages/${messageId}`, { body: 'edited' }],
      ['DELETE', `/v1/chats/${chatId}/messages/${messageId}`],
      ['PUT', `/v1/chats/${chatId}/pins/${messageId}`],
      ['PUT', `/v1/chats/${chatId}/read`, { seq: 1 }],
      ['POST', `/v1/chats/${chatId}/participants`, { personIds: ['cleo'] }],
      ['DELETE', `/v1/chats/${chatId}/participants/cleo?messages=delete`],
    ];
    for (const [method, path, body] of attempts) {
      const reply = await southDana(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.code).toBe('not_found');
    }
    const northCleo = api(system.url, await system.personToken('north', 'cleo'));
    const page = await northCleo('GET', `/v1/chats/${chatId}/messages`);
    expect(page.body.items.map((m: { body: string }) => m.body)).toEqual(['north secret']);
    expect((await northCleo('GET', `/v1/chats/${chatId}`)).body.name).toBe('North only');
    expect((await southDana('GET', '/v1/chats')).body.items).toEqual([]);
  });

  it('realtime: the namesake’s socket gets nothing of the other practice’s chat', async () => {
    const southCleo = await openStream(system.url, await system.personToken('south', 'cleo'));
    try {
      await southCleo.next((event) => event.type === 'stream.ready');
      const northDana = api(system.url, await system.personToken('north', 'dana'));
      await northDana('POST', `/v1/chats/${chatId}/messages`, { body: 'north only, again' });
      await sleep(500);
      expect(southCleo.events.filter((event) => event.chatId === chatId)).toEqual([]);
    } finally {
      southCleo.close();
    }
  });
});
