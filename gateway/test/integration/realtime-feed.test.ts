import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, connectBus } from '@huddle/bus';
import {
  REALTIME_LOG_STREAM,
  type RealtimeEvent,
  realtimeChatLogSubject,
  realtimeLogSubject,
} from '@huddle/contracts';
import { createLogger } from '@huddle/logging';
import { type NatsServer, startNatsServer } from '@huddle/testing';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type NatsRealtimeFeed, natsRealtimeFeed } from '../../src/realtime/nats';

const logger = createLogger({ service: 'realtime-feed-test', level: 'silent' });
const practiceId = 'practice1';

const message = (id: string, chatId: string): RealtimeEvent => ({
  id,
  type: 'message.created',
  practiceId,
  chatId,
  data: {},
  recipients: ['dana'],
});

/**
 * The gateway's live events are read from the realtime log, in its order:
 * the faults suite's repeat came from two notification replicas each sending
 * live after its own write, so a gateway got a later event before an earlier
 * one, and a socket resuming from the earlier one was replayed the later one.
 */
describe('the realtime feed reads the realtime log on a real NATS JetStream', () => {
  let nats: NatsServer;
  let store: string;
  let writers: Bus[];
  let feed: NatsRealtimeFeed;
  let gatewayConnection: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    store = await mkdtemp(join(tmpdir(), 'huddle-feed-'));
    nats = await startNatsServer({ storeDir: store });
    // Two notification replicas, each with its own connection.
    writers = await Promise.all(
      ['a', 'b'].map((name) => connectBus({ url: nats.url, name: `writer-${name}`, logger })),
    );
    gatewayConnection = await connect({
      servers: nats.url,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 100,
    });
    // The gateway starts before the notification service has made the log: it makes it itself.
    feed = natsRealtimeFeed(gatewayConnection, logger);
    await vi.waitFor(() => expect(feed.live).toBe(true), { timeout: 10_000 });
  });

  afterAll(async () => {
    await feed?.close();
    await gatewayConnection?.close();
    for (const writer of writers ?? []) await writer.drain().catch(() => undefined);
    await nats?.stop();
    await rm(store, { recursive: true, force: true });
  });

  const log = (writer: Bus, subject: string, event: RealtimeEvent) =>
    writer.js.publish(subject, JSON.stringify(event), { msgID: `${event.id}:${subject}` });

  it('two writers at once: a chat follower gets each event once, in the order the log holds them', async () => {
    const got: string[] = [];
    const unsubscribe = feed.subscribeChat(practiceId, 'chat1', (event) => void got.push(event.id));
    const ids = Array.from({ length: 300 }, (_, i) => `m${i}`);
    await Promise.all(
      ids.map((id, i) =>
        log(writers[i % 2]!, realtimeChatLogSubject(practiceId, 'chat1'), message(id, 'chat1')),
      ),
    );
    // A redelivered event (same message id) is logged, and read, once.
    await log(writers[1]!, realtimeChatLogSubject(practiceId, 'chat1'), message('m0', 'chat1'));
    await expect.poll(() => got.length, { timeout: 10_000 }).toBe(ids.length);

    const inLog: string[] = [];
    const consumer = await writers[0]!.js.consumers.get(REALTIME_LOG_STREAM, {
      filter_subjects: realtimeChatLogSubject(practiceId, 'chat1'),
    });
    for await (const stored of await consumer.fetch({ max_messages: ids.length, expires: 2_000 })) {
      inLog.push((stored.json() as RealtimeEvent).id);
      if (inLog.length === ids.length) break;
    }
    expect(got).toEqual(inLog);
    expect(new Set(got).size).toBe(ids.length);
    unsubscribe();
  });

  it('hands a person their own events, and nothing of a subject nobody here follows', async () => {
    const own: string[] = [];
    const chat2: string[] = [];
    const unsubscribeOwn = feed.subscribe(practiceId, 'dana', (event) => void own.push(event.id));
    const unsubscribeChat = feed.subscribeChat(practiceId, 'chat2', (event) => void chat2.push(event.id));
    await log(writers[0]!, realtimeLogSubject(practiceId, 'eli'), message('not-dana', 'chat2'));
    await log(writers[0]!, realtimeChatLogSubject(practiceId, 'chat3'), message('not-followed', 'chat3'));
    await log(writers[0]!, realtimeLogSubject(practiceId, 'dana'), message('n1', 'chat2'));
    await log(writers[1]!, realtimeChatLogSubject(practiceId, 'chat2'), message('c1', 'chat2'));
    await expect.poll(() => [own, chat2]).toEqual([['n1'], ['c1']]);

    unsubscribeChat();
    await log(writers[0]!, realtimeChatLogSubject(practiceId, 'chat2'), message('c2', 'chat2'));
    await log(writers[0]!, realtimeLogSubject(practiceId, 'dana'), message('n2', 'chat2'));
    await expect.poll(() => own).toEqual(['n1', 'n2']);
    expect(chat2).toEqual(['c1']);
    unsubscribeOwn();
  });

  it('after a NATS restart: says there may be a gap, then reads on', async () => {
    let gaps = 0;
    feed.onGap(() => {
      gaps++;
    });
    const got: string[] = [];
    const unsubscribe = feed.subscribeChat(practiceId, 'chat4', (event) => void got.push(event.id));
    await log(writers[0]!, realtimeChatLogSubject(practiceId, 'chat4'), message('before', 'chat4'));
    await expect.poll(() => got).toEqual(['before']);

    const port = Number(new URL(nats.url).port);
    await nats.kill();
    nats = await startNatsServer({ port, storeDir: store });
    await expect.poll(() => gaps, { timeout: 20_000 }).toBeGreaterThan(0);
    // The writers reconnect too; what they log now reaches the follower.
    await expect
      .poll(
        async () => {
          await log(
            writers[0]!,
            realtimeChatLogSubject(practiceId, 'chat4'),
            message('after', 'chat4'),
          ).catch(() => undefined);
          return got.includes('after');
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    expect(feed.live).toBe(true);
    expect(got.filter((id) => id === 'after')).toHaveLength(1);
    unsubscribe();
  });
});
