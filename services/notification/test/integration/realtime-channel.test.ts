import { type Bus, connectBus, ensureRealtimeLog } from '@huddle/bus';
import { REALTIME_LOG_STREAM, realtimeChatLogSubject, realtimeChatSubject } from '@huddle/contracts';
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

  it('an event delivered again (a redelivery after a lost ack) is logged once and sent live once', async () => {
    const live: string[] = [];
    const subscription = bus.nc.subscribe(realtimeChatSubject('p1', 'chat1'), {
      callback: (_error, message) => {
        live.push((message.json() as { id: string }).id);
      },
    });
    await bus.nc.flush();
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
    await bus.nc.flush();
    await expect.poll(() => live).toEqual(['e1', 'e2']);
    const info = await bus.jsm.streams.info(REALTIME_LOG_STREAM, {
      subjects_filter: realtimeChatLogSubject('p1', 'chat1'),
    });
    expect(info.state.messages).toBe(2);
    subscription.unsubscribe();
  });
});
