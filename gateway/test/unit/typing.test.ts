import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createChatContextLoader } from '../../src/presenter/chat-context';
import { TypingIndicators } from '../../src/realtime/typing';
import { parseClientFrame } from '../../src/routes/stream';
import { fakeRealtime, fakeServices, groupParticipants, personToken, practiceId, testApp } from './support';

function setup() {
  const { services, state } = fakeServices();
  const realtime = fakeRealtime();
  let clock = 1_000_000;
  const typing = new TypingIndicators(
    services.chat,
    createChatContextLoader(services.participant, { ttlMs: 0 }),
    realtime.feed,
    { now: () => clock },
  );
  const tick = (ms: number) => {
    clock += ms;
  };
  return { typing, realtime, services, state, tick };
}

const dana = { practiceId, personId: 'dana' };

describe('typing indicators', () => {
  it('reach the chat’s other participants, not the typist, and are ephemeral', async () => {
    const { typing, realtime } = setup();
    expect(await typing.typing(dana, 'chat1')).toBe(true);
    // Once on the chat's subject, naming the others as its recipients.
    expect(realtime.feed.published.map((p) => p.chatId)).toEqual(['chat1']);
    expect(realtime.feed.published[0]?.event).toMatchObject({
      recipients: ['olivia', 'terry', 'eli'],
      id: expect.stringMatching(/^eph_/),
      type: 'typing',
      practiceId,
      chatId: 'chat1',
      data: { personId: 'dana' },
    });
  });

  it('are rate limited to one per chat per person every 2 s; excess is ignored', async () => {
    const { typing, realtime, tick } = setup();
    expect(await typing.typing(dana, 'chat1')).toBe(true);
    tick(1_999);
    expect(await typing.typing(dana, 'chat1')).toBe(false);
    expect(realtime.feed.published).toHaveLength(1);
    tick(1);
    expect(await typing.typing(dana, 'chat1')).toBe(true);
    expect(realtime.feed.published).toHaveLength(2);
  });

  it('A1: a non-participant’s typing goes nowhere, and the membership answer is cached briefly', async () => {
    const { typing, realtime, services, tick } = setup();
    const stranger = { practiceId, personId: 'stranger' };
    expect(await typing.typing(stranger, 'chat1')).toBe(false);
    tick(2_000);
    expect(await typing.typing(stranger, 'chat1')).toBe(false);
    expect(services.chat.getChat).toHaveBeenCalledTimes(1);
    expect(realtime.feed.published).toEqual([]);
  });

  it('P4: once the membership answer expires, a removed participant types to no one', async () => {
    const { typing, realtime, state, tick } = setup();
    expect(await typing.typing(dana, 'chat1')).toBe(true);
    state.participants = groupParticipants.filter((p) => p.personId !== 'dana');
    tick(5_000);
    expect(await typing.typing(dana, 'chat1')).toBe(false);
    expect(realtime.feed.published).toHaveLength(1);
  });
});

describe('client frames', () => {
  it('only {type: "typing", chatId} and {type: "auth", token} are understood', () => {
    expect(parseClientFrame('{"type":"typing","chatId":"chat1"}', false)).toEqual({
      type: 'typing',
      chatId: 'chat1',
    });
    expect(parseClientFrame('{"type":"auth","token":"a.b.c"}', false)).toEqual({
      type: 'auth',
      token: 'a.b.c',
    });
    for (const bad of [
      '',
      'null',
      '[]',
      '{"type":"typing"}',
      '{"type":"typing","chatId":"../x"}',
      '{"type":"x"}',
      '{"type":"auth"}',
      '{"type":"auth","token":""}',
      '{"type":"auth","token":7}',
      JSON.stringify({ type: 'auth', token: 'x'.repeat(8193) }),
    ]) {
      expect(parseClientFrame(bad, false), bad).toBeNull();
    }
    expect(parseClientFrame('{"type":"typing","chatId":"chat1"}', true)).toBeNull();
  });

  describe('over the socket', () => {
    let close: () => Promise<void> = async () => {};
    afterEach(() => close());

    async function connect() {
      const setup = await testApp();
      await setup.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (setup.app.server.address() as AddressInfo).port;
      const socket = new WebSocket(
        `ws://127.0.0.1:${port}/v1/stream?access_token=${await personToken('dana')}`,
      );
      close = async () => {
        socket.terminate();
        await setup.app.close();
      };
      await new Promise<void>((resolve) =>
        socket.on('message', (data) => {
          if (JSON.parse(String(data)).type === 'stream.ready') resolve();
        }),
      );
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      return { setup, socket, closed };
    }

    it('a typing frame is published to the others; malformed frames are ignored', async () => {
      const { setup, socket } = await connect();
      socket.send('not json');
      socket.send(JSON.stringify({ type: 'typing', chatId: 'chat1' }));
      await vi.waitFor(() => expect(setup.realtime.feed.published).toHaveLength(1));
      expect(socket.readyState).toBe(WebSocket.OPEN);
    });

    it('closes with 1003 on repeated malformed frames, and the gateway stays up', async () => {
      const { setup, socket, closed } = await connect();
      for (let index = 0; index < 25; index += 1) socket.send(`{"type":"shout","n":${index}}`);
      expect(await closed).toBe(1003);
      const health = await setup.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(200);
    });
  });
});
