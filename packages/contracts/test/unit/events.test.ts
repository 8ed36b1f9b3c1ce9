import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DomainEvents, EventEnvelope, EventType } from '../../src/events';

// Issue 15 (typed events): `tsc -p tsconfig.json` checks these types; the
// assertions below run too, so a regression shows in either.

/** What a consumer of several types writes: a check of `type`, then `data` as that type's. */
function chatIdOf(event: EventEnvelope<'participant.v1.participant.added' | 'chat.v1.read_marker.moved'>) {
  if (event.type === 'participant.v1.participant.added') {
    expectTypeOf(event.data).toEqualTypeOf<DomainEvents['participant.v1.participant.added']>();
    return event.data.participant.chatId;
  }
  expectTypeOf(event.data).toEqualTypeOf<DomainEvents['chat.v1.read_marker.moved']>();
  // @ts-expect-error: a read marker event has no participant
  void event.data.participant;
  return event.data.chatId;
}

describe('event envelope', () => {
  it('narrows data by type, with no cast', () => {
    const marker: EventEnvelope = {
      id: 'e1',
      type: 'chat.v1.read_marker.moved',
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: { practiceId: 'p1', chatId: 'c1', personId: 'u1', readSeq: 3 },
    };
    if (marker.type !== 'chat.v1.read_marker.moved') throw new Error('unreachable');
    expect(chatIdOf(marker)).toBe('c1');
  });

  it('is the union of every type in DomainEvents, so a new one joins by itself', () => {
    expectTypeOf<EventEnvelope['type']>().toEqualTypeOf<EventType>();
    expectTypeOf<Extract<EventEnvelope, { type: 'chat.v1.chat.created' }>['data']>().toEqualTypeOf<
      DomainEvents['chat.v1.chat.created']
    >();
    const mismatched = {
      id: 'e2',
      type: 'chat.v1.chat.created',
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: { practiceId: 'p1', chatId: 'c1', personId: 'u1', readSeq: 3 },
    } as const;
    // @ts-expect-error: data of one type under another's name
    const envelope: EventEnvelope = mismatched;
    expect(envelope.type).toBe('chat.v1.chat.created');
  });
});
