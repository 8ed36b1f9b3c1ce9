import type { EventEnvelope, ParticipantData } from '@huddle/contracts';
import { describe, expect, it, vi } from 'vitest';
import { DeliveryParticipants } from '../../src/app/delivery-participants';
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

  it('P4: sends a chat event once for the chat, naming its current participants as recipients, and resolves once it is logged and sent', async () => {
    const sent: string[] = [];
    const channel: RealtimeChannel = {
      deliver: vi.fn(async () => {}),
      deliverToChat: vi.fn(async (_practice, chatId) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        sent.push(chatId);
      }),
    };
    await new RealtimeFanOut(new DeliveryParticipants(participants), channel).chatEvent(pinned);
    expect(sent).toEqual(['chat1']);
    expect(channel.deliver).not.toHaveBeenCalled();
    expect(channel.deliverToChat).toHaveBeenCalledWith('p1', 'chat1', {
      id: 'evt1',
      type: 'message.pinned',
      practiceId: 'p1',
      chatId: 'chat1',
      data: pinned.data,
      recipients: ['olivia', 'dana'],
    });
  });

  it('U1: names team members only as the recipients of a read receipt', async () => {
    const channel: RealtimeChannel = { deliver: vi.fn(async () => {}), deliverToChat: vi.fn(async () => {}) };
    const moved: EventEnvelope<'chat.v1.read_marker.moved'> = {
      id: 'evt2',
      type: 'chat.v1.read_marker.moved',
      occurredAt: '2025-01-01T00:00:00.000Z',
      data: { practiceId: 'p1', chatId: 'chat1', personId: 'olivia', readSeq: 3 },
    };
    await new RealtimeFanOut(new DeliveryParticipants(participants), channel).chatEvent(moved);
    expect(channel.deliverToChat).toHaveBeenCalledWith(
      'p1',
      'chat1',
      expect.objectContaining({ recipients: ['olivia'] }),
    );
  });

  it('tells someone just added on their own subject too, so their gateway follows the chat', async () => {
    const channel: RealtimeChannel = { deliver: vi.fn(async () => {}), deliverToChat: vi.fn(async () => {}) };
    const added: EventEnvelope<'participant.v1.participant.added'> = {
      id: 'evt3',
      type: 'participant.v1.participant.added',
      occurredAt: '2025-01-01T00:00:00.000Z',
      data: { practiceId: 'p1', participant: participant('dana', 'client') },
    };
    await new RealtimeFanOut(new DeliveryParticipants(participants), channel).chatEvent(added);
    expect(channel.deliver).toHaveBeenCalledWith('p1', 'dana', expect.objectContaining({ id: 'evt3' }));
    expect(channel.deliverToChat).toHaveBeenCalledWith(
      'p1',
      'chat1',
      expect.objectContaining({ id: 'evt3', recipients: ['olivia', 'dana'] }),
    );
  });

  it('P4: someone removed hears only chat.left, with the chat id, on their own subject; the others the removal', async () => {
    const order: string[] = [];
    const channel: RealtimeChannel = {
      deliver: vi.fn(async (_practice, personId) => void order.push(`own:${personId}`)),
      deliverToChat: vi.fn(async (_practice, chatId) => void order.push(`chat:${chatId}`)),
    };
    const removed: EventEnvelope<'participant.v1.participant.removed'> = {
      id: 'evt5',
      type: 'participant.v1.participant.removed',
      occurredAt: '2025-01-01T00:00:00.000Z',
      data: { practiceId: 'p1', chatId: 'chat1', personId: 'fay', removedBy: 'olivia', messages: 'delete' },
    };
    await new RealtimeFanOut(new DeliveryParticipants(participants), channel).chatEvent(removed);
    expect(channel.deliver).toHaveBeenCalledTimes(1);
    expect(channel.deliver).toHaveBeenCalledWith('p1', 'fay', {
      id: 'evt5',
      type: 'chat.left',
      practiceId: 'p1',
      chatId: 'chat1',
      data: { chatId: 'chat1', personId: 'fay' },
    });
    expect(channel.deliverToChat).toHaveBeenCalledWith(
      'p1',
      'chat1',
      expect.objectContaining({ id: 'evt5', type: 'participant.removed', recipients: ['olivia', 'dana'] }),
    );
    expect(order).toEqual(['own:fay', 'chat:chat1']);

    // Added back before the removal was fanned out: still in, so no notice (their participant.added follows).
    const back: RealtimeChannel = { deliver: vi.fn(async () => {}), deliverToChat: vi.fn(async () => {}) };
    await new RealtimeFanOut(new DeliveryParticipants(participants), back).chatEvent({
      ...removed,
      data: { ...removed.data, personId: 'dana' },
    });
    expect(back.deliver).not.toHaveBeenCalled();
  });

  it("N1: one change's notifications go out once on the chat's subject, keyed by person; an added one to its person", async () => {
    const channel: RealtimeChannel = { deliver: vi.fn(async () => {}), deliverToChat: vi.fn(async () => {}) };
    const item = (id: string, type: 'message' | 'added') => ({
      id,
      type,
      chatId: 'chat1',
      messageId: null,
      createdAt: '2025-01-01T00:00:00.000Z',
      readAt: null,
    });
    await new RealtimeFanOut(new DeliveryParticipants(participants), channel).notificationsCreated({
      id: 'evt4',
      type: 'notification.v1.notifications.created',
      occurredAt: '2025-01-01T00:00:00.000Z',
      data: {
        practiceId: 'p1',
        chatId: 'chat1',
        notifications: [
          { personId: 'olivia', notification: item('n1', 'message') },
          { personId: 'dana', notification: item('n2', 'message') },
          { personId: 'eli', notification: item('n3', 'added') },
        ],
      },
    });
    expect(channel.deliverToChat).toHaveBeenCalledTimes(1);
    expect(channel.deliverToChat).toHaveBeenCalledWith('p1', 'chat1', {
      id: 'evt4',
      type: 'notification.created',
      practiceId: 'p1',
      chatId: 'chat1',
      data: { byPerson: { olivia: item('n1', 'message'), dana: item('n2', 'message') } },
      recipients: ['olivia', 'dana'],
    });
    expect(channel.deliver).toHaveBeenCalledWith('p1', 'eli', {
      id: 'evt4',
      type: 'notification.created',
      practiceId: 'p1',
      chatId: 'chat1',
      data: item('n3', 'added'),
    });
  });

  it('fails when an event cannot be logged, so the consumer retries it rather than leave a gap in the log', async () => {
    const channel: RealtimeChannel = {
      deliver: vi.fn(async () => {}),
      deliverToChat: vi.fn(async () => Promise.reject(new Error('no JetStream'))),
    };
    await expect(
      new RealtimeFanOut(new DeliveryParticipants(participants), channel).chatEvent(pinned),
    ).rejects.toThrow('no JetStream');
  });
});
