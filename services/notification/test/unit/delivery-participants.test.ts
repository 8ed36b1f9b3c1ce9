import type { ParticipantData } from '@huddle/contracts';
import { describe, expect, it, vi } from 'vitest';
import { DeliveryParticipants, SHARED_READ_MS } from '../../src/app/delivery-participants';

const member = (personId: string): ParticipantData => ({
  chatId: 'chat1',
  personId,
  role: 'team',
  via: 'invited',
  addedBy: 'olivia',
  addedAt: '2025-01-01T00:00:00.000Z',
  pseudonym: 'Member 1',
  kind: 'practitioner',
});

/** A participant service whose answer changes with each call, as a removal would change it. */
function changing() {
  let calls = 0;
  const list = vi.fn(async () => {
    calls++;
    return calls === 1 ? [member('olivia'), member('dana')] : [member('olivia')];
  });
  return { list };
}

describe('participants read at delivery (P4, one ListParticipants per message)', () => {
  it("one event's consumers share one read, asked for at the same time or one after the other", async () => {
    const participants = changing();
    const atDelivery = new DeliveryParticipants(participants);
    const [inbox, fanOut] = await Promise.all([
      atDelivery.atDelivery('evt1', 'chat1'),
      atDelivery.atDelivery('evt1', 'chat1'),
    ]);
    expect(inbox).toBe(fanOut);
    expect(await atDelivery.atDelivery('evt1', 'chat1')).toBe(inbox);
    expect(participants.list).toHaveBeenCalledTimes(1);
  });

  it('P4: a later event is read anew, so a removal committed before it is seen', async () => {
    const participants = changing();
    const atDelivery = new DeliveryParticipants(participants);
    expect((await atDelivery.atDelivery('evt1', 'chat1')).map((p) => p.personId)).toEqual(['olivia', 'dana']);
    expect((await atDelivery.atDelivery('evt2', 'chat1')).map((p) => p.personId)).toEqual(['olivia']);
    expect(participants.list).toHaveBeenCalledTimes(2);
  });

  it('a read is shared for a short while only, never kept once it failed, and `list` is never shared', async () => {
    let now = 0;
    const participants = changing();
    const atDelivery = new DeliveryParticipants(participants, () => now);
    await atDelivery.atDelivery('evt1', 'chat1');
    now += SHARED_READ_MS;
    expect((await atDelivery.atDelivery('evt1', 'chat1')).map((p) => p.personId)).toEqual(['olivia']);

    const failing = { list: vi.fn().mockRejectedValueOnce(new Error('unavailable')).mockResolvedValue([]) };
    const retried = new DeliveryParticipants(failing, () => now);
    await expect(retried.atDelivery('evt3', 'chat1')).rejects.toThrow('unavailable');
    await expect(retried.atDelivery('evt3', 'chat1')).resolves.toEqual([]);

    await atDelivery.list('chat1');
    await atDelivery.list('chat1');
    expect(participants.list).toHaveBeenCalledTimes(4);
  });
});
