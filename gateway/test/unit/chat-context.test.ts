import { describe, expect, it } from 'vitest';
import { createChatContextLoader } from '../../src/presenter/chat-context';
import { chat, fakeServices, participant } from './support';

describe('loadChatContext cache', () => {
  it('serves a burst for one chat from one pair of calls, then reloads after the TTL', async () => {
    let now = 0;
    const { services } = fakeServices();
    const loader = createChatContextLoader(services.participant, { ttlMs: 1_000, now: () => now });
    await Promise.all([loader.forViewer(chat(), 'dana'), loader.forViewer(chat(), 'eli')]);
    await loader.forViewer(chat(), 'olivia');
    expect(services.participant.listParticipants).toHaveBeenCalledTimes(1);
    expect(services.participant.getPeople).toHaveBeenCalledTimes(1);
    now = 1_001;
    await loader.forViewer(chat(), 'dana');
    expect(services.participant.listParticipants).toHaveBeenCalledTimes(2);
  });

  it('forgets the oldest chats beyond its size bound', async () => {
    const { services } = fakeServices();
    const loader = createChatContextLoader(services.participant, { maxChats: 1 });
    await loader.forViewer(chat(), 'dana');
    await loader.forViewer(chat({ id: 'other' }), 'dana');
    await loader.forViewer(chat(), 'dana');
    expect(services.participant.listParticipants).toHaveBeenCalledTimes(3);
  });

  it('looks again when a cached list predates the viewer joining', async () => {
    const { services, state } = fakeServices();
    const loader = createChatContextLoader(services.participant);
    await loader.forViewer(chat(), 'dana');
    state.participants = [...state.participants, participant('chat1', 'newcomer', 'client', 'Member 5')];
    const { viewer } = await loader.forViewer(chat(), 'newcomer');
    expect(viewer).toEqual({ personId: 'newcomer', kind: 'client' });
  });

  it('A1: a viewer who is not a participant gets not_found', async () => {
    const { services } = fakeServices();
    const loader = createChatContextLoader(services.participant);
    await expect(loader.forViewer(chat(), 'stranger')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('does not keep a failed load', async () => {
    const { services } = fakeServices();
    services.participant.listParticipants.mockRejectedValueOnce(new Error('down'));
    const loader = createChatContextLoader(services.participant);
    await expect(loader.forViewer(chat(), 'dana')).rejects.toThrow('down');
    await expect(loader.forViewer(chat(), 'dana')).resolves.toBeDefined();
  });
});
