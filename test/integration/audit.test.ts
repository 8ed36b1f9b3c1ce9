import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * C1 through the real gateway and services on PostgreSQL and NATS: reads of a
 * chat, a search and a removal land in the practice's audit trail, which its
 * owner lists and filters; nobody else may; no message text is ever in it.
 */

const practice = 'p-audit';
const secretBody = 'Blood sugar 182 after the new dosage';
const secretWords = 'dosage';

let system: System;
const as: Record<string, ReturnType<typeof api>> = {};
let chatId: string;

beforeAll(async () => {
  system = await startSystem('audit');
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  expect(
    (await directory('PUT', `/v1/practices/${practice}`, { name: 'Audit Clinic', plan: 'team' })).status,
  ).toBe(201);
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
  };
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    as[id] = api(system.url, await system.personToken(practice, id));
  }
  // Terry runs the group; Olivia owns the practice and is not in it.
  const created = await as.terry!('POST', '/v1/chats', {
    name: 'Sugar check-ins',
    style: 'direct',
    participantIds: ['dana', 'eli'],
  });
  expect(created.status).toBe(201);
  chatId = created.body.id;
  expect((await as.dana!('POST', `/v1/chats/${chatId}/messages`, { body: secretBody })).status).toBe(201);
});

afterAll(async () => {
  await system?.stop();
});

/** The owner's view of the trail, retried until `ready` holds: records arrive over JetStream. */
async function trail(query: string, ready: (items: any[]) => boolean) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const reply = await as.olivia!('GET', `/v1/practices/${practice}/audit-events?${query}`);
    expect(reply.status).toBe(200);
    if (ready(reply.body.items) || Date.now() > deadline) return reply.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('audit trail through the gateway (C1)', () => {
  it('C1: reading messages, searching and removing a participant are recorded, listed and filtered for the practice owner', async () => {
    expect(
      (await as.dana!('GET', `/v1/chats/${chatId}/messages`, undefined, { 'user-agent': 'DanaPhone/2' }))
        .status,
    ).toBe(200);
    expect((await as.terry!('GET', `/v1/search?q=${secretWords}&chatId=${chatId}`)).status).toBe(200);
    expect((await as.terry!('DELETE', `/v1/chats/${chatId}/participants/eli?messages=keep`)).status).toBe(
      204,
    );

    const reads = await trail(`personId=dana&action=chat.messages.read`, (items) => items.length >= 1);
    expect(reads.items).toEqual([
      expect.objectContaining({
        actorId: 'dana',
        action: 'chat.messages.read',
        chatId,
        outcome: 'succeeded',
        userAgent: 'DanaPhone/2',
        clientIp: expect.stringMatching(/127\.0\.0\.1/),
        requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    const search = await trail('action=messages.searched', (items) => items.length >= 1);
    expect(search.items).toEqual([
      expect.objectContaining({ actorId: 'terry', chatId, details: { scope: 'chat' } }),
    ]);
    const removal = await trail(`chatId=${chatId}&action=participant.removed`, (items) => items.length >= 1);
    expect(removal.items).toEqual([
      expect.objectContaining({ actorId: 'terry', targetIds: ['eli'], details: { messages: 'keep' } }),
    ]);

    // Everything of this chat, newest first, in cursor pages of one.
    const all = await trail(`chatId=${chatId}`, (items) => items.length >= 4);
    const seqs = all.items.map((item: { seq: number }) => item.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    const first = await as.olivia!('GET', `/v1/practices/${practice}/audit-events?chatId=${chatId}&limit=1`);
    expect(first.body.items).toHaveLength(1);
    const second = await as.olivia!(
      'GET',
      `/v1/practices/${practice}/audit-events?chatId=${chatId}&limit=1&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items[0].seq).toBeLessThan(first.body.items[0].seq);

    // A time window that ended before any of it finds nothing.
    const before = await as.olivia!('GET', `/v1/practices/${practice}/audit-events?to=2000-01-01T00:00:00Z`);
    expect(before.body.items).toEqual([]);

    // C1: ids only — neither the message nor the search words are anywhere in the trail.
    const everything = await trail('limit=200', () => true);
    const text = JSON.stringify(everything);
    expect(text).not.toContain('Blood sugar');
    expect(text).not.toContain(secretWords);
  });

  it('C1: a team member or a client asking for the trail gets 403 forbidden; another practice is 404', async () => {
    for (const who of ['terry', 'dana'] as const) {
      const reply = await as[who]!('GET', `/v1/practices/${practice}/audit-events`);
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ code: 'forbidden' });
    }
    expect((await as.olivia!('GET', '/v1/practices/p-other/audit-events')).status).toBe(404);
    // The refused attempts are themselves on record.
    const refused = await trail('action=audit.events.read&personId=terry', (items) => items.length >= 1);
    expect(refused.items[0]).toMatchObject({ outcome: 'forbidden' });
  });
});
