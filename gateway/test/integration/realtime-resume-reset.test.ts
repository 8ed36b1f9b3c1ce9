import { type Bus, connectBus, ensureRealtimeLog } from '@huddle/bus';
import { type RealtimeEvent, realtimeChatLogSubject } from '@huddle/contracts';
import { createLogger } from '@huddle/logging';
import { type NatsServer, startNatsServer } from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SocketEvent, StreamHub, type StreamSocket } from '../../src/realtime/hub';
import { natsRealtimeLog } from '../../src/realtime/nats';
import type { RealtimeFeed } from '../../src/realtime/port';

const logger = createLogger({ service: 'realtime-resume-reset-test', level: 'silent' });
const practiceId = 'practice1';
const chatId = 'chat1';
const person = { practiceId, personId: 'dana' };

const message = (id: string): RealtimeEvent => ({
  id,
  type: 'message.created',
  practiceId,
  chatId,
  data: {},
  recipients: ['dana', 'eli'],
});

/**
 * Issue 11, the full faults run: a resume after the NATS restart replayed some
 * missed events, then ended in `stream.reset`; the socket stayed live and got
 * the late live copies of the replayed events a second time.
 */
describe('a resume that ends in stream.reset on a real NATS JetStream', () => {
  let nats: NatsServer;
  let bus: Bus;

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectBus({ url: nats.url, name: 'realtime-resume-reset-test', logger });
    await ensureRealtimeLog(bus.jsm);
  });

  afterAll(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  /** As the notification service logs each event (one copy per event id). */
  const logged = (event: RealtimeEvent) =>
    bus.js.publish(realtimeChatLogSubject(practiceId, chatId), JSON.stringify(event), {
      msgID: `${event.id}:chat:${chatId}`,
    });
  /**
   * The live side of the feed, held back by the test: the gateway's reading of the log can lag
   * behind a catch-up's (it was away, or busy), so a replayed event's live copy may come after it.
   */
  const chatHandlers = new Set<(event: RealtimeEvent) => void>();
  const lagging: RealtimeFeed = {
    subscribe: () => () => {},
    subscribeChat: (_practice, _chat, handler) => {
      chatHandlers.add(handler);
      return () => chatHandlers.delete(handler);
    },
    flush: async () => {},
    publish: () => {},
    onGap: () => {},
  };
  const live = (event: RealtimeEvent) => {
    for (const handler of chatHandlers) handler(event);
  };

  it('sends each replayed event once though its live copy comes after the reset', async () => {
    // A service the presenter needs is away while the catch-up presents e3.
    let away = true;
    const present = async (_: unknown, event: RealtimeEvent): Promise<SocketEvent> => {
      if (away && event.id === 'e3') throw new Error('participant service away');
      return { id: event.id, type: event.type, chatId: event.chatId, data: {} };
    };
    const hub = new StreamHub(
      lagging,
      present,
      logger,
      { maxBufferedBytes: 1 << 20, maxPendingEvents: 256, maxSocketsPerPerson: 5 },
      natsRealtimeLog(bus.nc, logger),
      async () => ({ chatIds: [chatId], leftChatIds: [] }),
    );
    const sent: string[] = [];
    const socket: StreamSocket = {
      bufferedAmount: 0,
      readyState: 1,
      send: (data) =>
        void sent.push(JSON.parse(data).type === 'stream.reset' ? 'reset' : JSON.parse(data).id),
      close: () => {},
    };

    // e1 the socket saw before its connection dropped; e2 and e3 were logged while it was away.
    for (const id of ['e1', 'e2', 'e3']) await logged(message(id));
    expect(await hub.attach(person, socket, 'e1')).toBe('reset');
    expect(sent).toEqual(['e2', 'reset']);

    // The live copies come late, then a new event.
    away = false;
    for (const id of ['e2', 'e3', 'e4']) live(message(id));
    await vi.waitFor(() => expect(sent).toContain('e4'));
    expect(sent).toEqual(['e2', 'reset', 'e3', 'e4']);
    hub.detach(person, socket);
  });
});
