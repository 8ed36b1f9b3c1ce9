import { describe, expect, it } from 'vitest';
import { backgroundAudits, entryOfBackgroundEvent } from '../../src/domain/background';
import {
  type AuditEntry,
  type ChainedRecord,
  ChainVerifier,
  chain,
  chainHash,
  GENESIS_HASH,
} from '../../src/domain/record';

const entry = (n: number, fields: Partial<AuditEntry> = {}): AuditEntry => ({
  id: `e${n}`,
  practiceId: 'p1',
  occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  actorId: 'owner',
  action: 'chat.messages.read',
  chatId: 'c1',
  targetIds: [],
  outcome: 'succeeded',
  requestId: `r${n}`,
  clientIp: '203.0.113.9',
  userAgent: 'test',
  details: {},
  ...fields,
});

const chainOf = (count: number) => {
  const records: ChainedRecord[] = [];
  for (let n = 1; n <= count; n++) records.push(chain(entry(n), records.at(-1)));
  return records;
};

const verify = (records: ReturnType<typeof chainOf>, head = records.at(-1)) => {
  const verifier = new ChainVerifier('p1');
  for (const record of records) verifier.add(record);
  return verifier.finish(head);
};

describe('C1 hash chain', () => {
  it('C1: links each record to the one before, from the genesis hash', () => {
    const [first, second] = chainOf(2);
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('C1: hashes the same record the same whatever order its details come in', () => {
    const base = { ...entry(1), seq: 1, prevHash: GENESIS_HASH };
    expect(chainHash({ ...base, details: { a: '1', b: '2' } })).toBe(
      chainHash({ ...base, details: { b: '2', a: '1' } }),
    );
  });

  it('C1: an intact chain verifies clean', () => {
    expect(verify(chainOf(5))).toEqual([]);
  });

  it('C1: an edited record no longer matches its hash', () => {
    const records = chainOf(3);
    records[1] = { ...records[1]!, actorId: 'someone-else' };
    expect(verify(records)).toEqual([{ practiceId: 'p1', seq: 2, problem: 'edited' }]);
  });

  it('C1: an edit hidden by rehashing the record breaks the next link', () => {
    const records = chainOf(3);
    const { hash: _hash, ...edited } = { ...records[1]!, actorId: 'someone-else' };
    records[1] = { ...edited, hash: chainHash(edited) };
    expect(verify(records)).toEqual([{ practiceId: 'p1', seq: 3, problem: 'relinked' }]);
  });

  it('C1: a deleted record leaves a gap, and deleted newest records fall short of the head', () => {
    const records = chainOf(5);
    const head = records.at(-1);
    expect(verify([records[0]!, records[2]!, records[3]!], head)).toEqual([
      { practiceId: 'p1', fromSeq: 2, toSeq: 2, problem: 'deleted' },
      { practiceId: 'p1', fromSeq: 5, toSeq: 5, problem: 'deleted' },
    ]);
  });

  it('C1: a background job is recorded with a system actor, its reason and no content', () => {
    const event = {
      id: 'ev1',
      type: 'chat.v1.scheduled_message.failed' as const,
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: {
        practiceId: 'p1',
        chatId: 'c1',
        authorId: 'a1',
        scheduledMessageId: 's1',
        reason: 'chat_locked',
      },
    };
    expect(Object.keys(backgroundAudits)).toContain(event.type);
    expect(entryOfBackgroundEvent(event)).toMatchObject({
      id: 'ev1',
      practiceId: 'p1',
      actorId: 'system:scheduler',
      action: 'scheduled_message.failed',
      chatId: 'c1',
      targetIds: ['s1', 'a1'],
      details: { reason: 'chat_locked' },
    });
  });

  it('C1/C3: a retention run is recorded by counts only, with its cutoff', () => {
    const event = {
      id: 'ev2',
      type: 'chat.v1.retention.applied' as const,
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: {
        practiceId: 'p1',
        days: 30,
        cutoff: '2025-12-02T00:00:00.000Z',
        startedAt: '2026-01-01T00:00:00.000Z',
        finishedAt: '2026-01-01T00:00:01.000Z',
        chats: 2,
        messages: 10,
        tombstoned: 1,
        revisions: 3,
        reactions: 4,
        pins: 0,
        files: 1,
        scheduledMessages: 0,
      },
    };
    expect(entryOfBackgroundEvent(event)).toMatchObject({
      actorId: 'system:retention',
      action: 'retention.applied',
      chatId: null,
      targetIds: [],
      details: {
        cutoff: '2025-12-02T00:00:00.000Z',
        days: '30',
        chats: '2',
        messages: '10',
        tombstoned: '1',
        revisions: '3',
        reactions: '4',
        pins: '0',
        files: '1',
        scheduledMessages: '0',
      },
    });
  });
});
