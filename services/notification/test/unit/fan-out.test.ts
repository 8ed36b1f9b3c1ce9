import type { EventEnvelope, ParticipantData } from '@huddle/contracts';
import { describe, expect, it, vi } from 'vitest';
import { RealtimeFanOut } from '../../src/app/fan-out';
import type { RealtimeChannel } from '../../src/app/ports';

const participant = (personId: string, kind: ParticipantData['kind']): ParticipantData => ({
  chatId: 'chat1',
  personId,
  role: kind === 'practitioner' ? 'team' : 'client',
  via: 'invited',
  addedBy: 'olivia',
  addedAt: '2025-01-01T00:00:00.000Z',
  pseudonym: 'Member 1',
  kind,
});

const pinned: EventEnvelope<'chat.v1.message.pinned'> = {
  id: 'evt1',
  type: 'chat.v1.message.pinned',
  occurredAt: '2025-01-01T00:00:00.000Z',
  data: { practiceId: 'p1', chatId: 'chat1', messageId: 'm1' },
};

describe('realtime fan-out (issue 5)', () => {
  const participants = {
    list: vi.fn(async () => [participant('olivia', 'practitioner'), participant('dana', 'client')]),
  };

  it('delivers to each current participant and resolves once every delivery (log, then live) is done', async () => {
    const delivered: string[] = [];
    const channel: RealtimeChannel = {
      deliver: vi.fn(async (_practice, personId) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        delivered.push(personId);
      }),
    };
    await new RealtimeFanOut(participants, channel).chatEvent(pinned);
    expect(delivered.sort()).toEqual(['dana', 'olivia']);
    expect(channel.deliver).toHaveBeenCalledWith('p1', 'dana', {
      id: 'evt1',
      type: 'message.pinned',
      practiceId: 'p1',
      chatId: 'chat1',
      data: pinned.data,
    });
  });

  it('fails when an event cannot be logged, so the consumer retries it rather than leave a gap in the log', async () => {
    const channel: RealtimeChannel = {
      deliver: vi.fn(async () => Promise.reject(new Error('no JetStream'))),
    };
    await expect(new RealtimeFanOut(participants, channel).chatEvent(pinned)).rejects.toThrow('no JetStream');
  });
});
