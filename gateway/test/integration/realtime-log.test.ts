import { type Bus, connectBus, ensureRealtimeLog } from '@huddle/bus';
import { type RealtimeEvent, realtimeChatLogSubject, realtimeLogSubject } from '@huddle/contracts';
import { createLogger } from '@huddle/logging';
import { type NatsServer, startNatsServer } from '@huddle/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { natsRealtimeLog } from '../../src/realtime/nats';
import type { RealtimeLog } from '../../src/realtime/port';

const logger = createLogger({ service: 'realtime-log-test', level: 'silent' });
const practiceId = 'practice1';
const limits = { maxEvents: 100, timeoutMs: 10_000 };

const message = (id: string, chatId: string, recipients: string[]): RealtimeEvent => ({
  id,
  type: 'message.created',
  practiceId,
  chatId,
  data: {},
  recipients,
});
const added = (id: string, chatId: string, personId: string, recipients: string[]): RealtimeEvent => ({
  id,
  type: 'participant.added',
  practiceId,
  chatId,
  data: { practiceId, participant: { chatId, personId } },
  recipients,
});
const removed = (id: string, chatId: string, personId: string, recipients: string[]): RealtimeEvent => ({
  id,
  type: 'participant.removed',
  practiceId,
  chatId,
  data: { practiceId, chatId, personId },
  recipients,
});

describe('the realtime log on a real NATS JetStream (P4)', () => {
  let nats: NatsServer;
  let bus: Bus;
  let log: RealtimeLog;

  beforeAll(async () => {
    nats = await startNatsServer();
    bus = await connectBus({ url: nats.url, name: 'realtime-log-test', logger });
    await ensureRealtimeLog(bus.jsm);
    log = natsRealtimeLog(bus.nc, logger);
  });

  afterAll(async () => {
    await bus?.drain();
    await nats?.stop();
  });

  const logChat = async (chatId: string, events: RealtimeEvent[]) => {
    for (const event of events)
      await bus.js.publish(realtimeChatLogSubject(practiceId, chatId), JSON.stringify(event));
  };
  const ids = (catchUp: Awaited<ReturnType<RealtimeLog['since']>>) =>
    catchUp.found ? catchUp.events.map((event) => event.id) : 'not found';

  it("a person just added gets the chat's events around their add that name them, none of an earlier membership", async () => {
    await logChat('chat1', [
      message('before-first-membership', 'chat1', ['olivia']),
      message('first-membership', 'chat1', ['olivia', 'dana']),
      removed('dana-removed', 'chat1', 'dana', ['olivia']),
      message('while-away', 'chat1', ['olivia']),
      // Posted after the add committed, logged before the add (another consumer).
      message('posted-right-after-add', 'chat1', ['olivia', 'dana']),
      added('dana-added', 'chat1', 'dana', ['olivia', 'dana']),
      message('after-add', 'chat1', ['olivia', 'dana']),
      message('team-only', 'chat1', ['olivia']),
    ]);
    expect(
      ids(await log.joined({ practiceId, personId: 'dana', chatId: 'chat1' }, 'dana-added', limits)),
    ).toEqual(['posted-right-after-add', 'after-add']);
  });

  it('a first add looks back to the start of the log', async () => {
    await logChat('chat2', [
      message('older', 'chat2', ['olivia']),
      message('names-eli', 'chat2', ['olivia', 'eli']),
      added('eli-added', 'chat2', 'eli', ['olivia', 'eli']),
    ]);
    expect(
      ids(await log.joined({ practiceId, personId: 'eli', chatId: 'chat2' }, 'eli-added', limits)),
    ).toEqual(['names-eli']);
  });

  it('an add that is not in the log is not found', async () => {
    expect(ids(await log.joined({ practiceId, personId: 'dana', chatId: 'chat3' }, 'unknown', limits))).toBe(
      'not found',
    );
  });

  it("a resume merges the person's own events and their chats' in logged order, from the last event id", async () => {
    await logChat('chat4', [message('c1', 'chat4', ['fay']), message('c2', 'chat4', ['fay', 'gil'])]);
    await bus.js.publish(
      realtimeLogSubject(practiceId, 'gil'),
      JSON.stringify({ id: 'own', type: 'notification.created', practiceId, chatId: 'chat4', data: {} }),
    );
    await logChat('chat4', [message('c3', 'chat4', ['fay', 'gil']), message('c4', 'chat4', ['fay'])]);
    expect(ids(await log.since({ practiceId, personId: 'gil', chatIds: ['chat4'] }, 'c2', limits))).toEqual([
      'own',
      'c3',
    ]);
  });
});
