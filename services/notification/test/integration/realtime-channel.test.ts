import { type Bus, connectBus, ensureRealtimeLog } from '@huddle/bus';
import { REALTIME_LOG_STREAM, realtimeChatLogSubject } from '@huddle/contracts';
import { createLogger } from '@huddle/logging';
import { type NatsServer, startNatsServer } from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsRealtime } from '../../src/rpc/clients';

const logger = createLogger({ service: 'realtime-channel-test', level: 'silent' });

describe('the realtime channel on a real NATS JetStream', () => {
  let nats: NatsServer;
  let bus: Bus;

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectBus({ url: nats.url, name: 'realtime-channel-test', logger });
    await ensureRealtimeLog(bus.jsm);
  });

  afterAll(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  it('an event delivered again (a redelivery after a lost ack) is logged once, so the gateways read it once', async () => {
    const channel = natsRealtime(bus);
    const event = {
      id: 'e1',
      type: 'message.created',
      practiceId: 'p1',
      chatId: 'chat1',
      data: {},
      recipients: ['dana'],
    };
    await channel.deliverToChat('p1', 'chat1', event);
    await channel.deliverToChat('p1', 'chat1', event);
    await channel.deliverToChat('p1', 'chat1', { ...event, id: 'e2' });
    const logged: string[] = [];
    const consumer = await bus.js.consumers.get(REALTIME_LOG_STREAM, {
      filter_subjects: realtimeChatLogSubject('p1', 'chat1'),
    });
    for await (const message of await consumer.fetch({ max_messages: 3, expires: 1_000 })) {
      logged.push((message.json() as { id: string }).id);
    }
    expect(logged).toEqual(['e1', 'e2']);
  });
});
