import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { App } from '../../src/fastify-app';
import { people, personToken, serviceToken, testApp } from './support';

let app: App;
let setup: Awaited<ReturnType<typeof testApp>>;
const bearer = async (personId: string) => ({
  authorization: `Bearer ${await personToken(personId)}`,
  'user-agent': 'HuddleApp/1.0',
});

beforeEach(async () => {
  setup = await testApp();
  app = setup.app;
});
afterEach(() => app.close());

/** The records once the response hooks ran (they run after the response is sent). */
const recorded = async (count: number) => {
  await vi.waitFor(() => expect(setup.audit.records).toHaveLength(count));
  return setup.audit.records;
};

describe('audited routes (C1)', () => {
  it('C1: a read of a chat’s messages is recorded with who, which chat, when and from where', async () => {
    const response = await app.inject({ url: '/v1/chats/chat1/messages', headers: await bearer('olivia') });
    expect(response.statusCode).toBe(200);
    const [record] = await recorded(1);
    expect(record).toEqual({
      practiceId: 'p1',
      actorId: 'olivia',
      action: 'chat.messages.read',
      chatId: 'chat1',
      targetIds: [],
      outcome: 'succeeded',
      requestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      clientIp: '127.0.0.1',
      userAgent: 'HuddleApp/1.0',
      details: {},
    });
  });

  it('C1: a search is recorded as having happened, with its scope and never its words', async () => {
    await app.inject({ url: '/v1/search?q=insulin%20dosage&chatId=chat1', headers: await bearer('olivia') });
    const [record] = await recorded(1);
    expect(record).toMatchObject({
      action: 'messages.searched',
      chatId: 'chat1',
      details: { scope: 'chat' },
    });
    expect(JSON.stringify(record)).not.toMatch(/insulin|dosage/);
  });

  it('C1: a removal records the person removed and the choice made for their messages', async () => {
    const response = await app.inject({
      method: 'DELETE',
      url: '/v1/chats/chat1/participants/eli?messages=keep',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBeLessThan(300);
    const [record] = await recorded(1);
    expect(record).toMatchObject({
      action: 'participant.removed',
      chatId: 'chat1',
      targetIds: ['eli'],
      details: { messages: 'keep' },
    });
  });

  it('C1: a refused attempt (403) is recorded as forbidden; 404 and 400 answers are not', async () => {
    const service = { authorization: `Bearer ${await serviceToken()}` };
    expect((await app.inject({ url: '/v1/chats/chat1/messages', headers: service })).statusCode).toBe(403);
    const [record] = await recorded(1);
    expect(record).toMatchObject({ actorId: 'svc:platform', outcome: 'forbidden', chatId: 'chat1' });

    expect(
      (await app.inject({ url: '/v1/chats/chat1/messages', headers: await bearer('stranger') })).statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ url: '/v1/chats/chat1/messages?limit=0', headers: await bearer('olivia') }))
        .statusCode,
    ).toBe(400);
    // Unaudited routes record nothing either.
    await app.inject({ url: '/v1/me', headers: await bearer('olivia') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(setup.audit.records).toHaveLength(1);
  });
});

describe('GET /v1/practices/{practiceId}/audit-events (C1)', () => {
  const asOwner = () =>
    setup.services.participant.getPerson.mockImplementation(async ({ personId }) => ({
      person: {
        ...Object.values(people).find((p) => p.id === personId)!,
        teamRole: personId === 'olivia' ? 'owner' : 'member',
      },
    }));

  it('C1: the practice owner lists the trail with filters passed on and cursor pages', async () => {
    asOwner();
    setup.services.audit.listAuditEvents.mockResolvedValueOnce({
      events: [
        {
          id: 'e1',
          practiceId: 'p1',
          seq: 7,
          occurredAt: new Date('2026-01-02T03:04:05.000Z'),
          actorId: 'terry',
          action: 'chat.messages.read',
          chatId: 'chat1',
          targetIds: [],
          outcome: 'succeeded',
          requestId: 'r1',
          clientIp: '203.0.113.1',
          userAgent: 'ua',
          details: {},
          hash: 'ab'.repeat(32),
        },
      ],
      nextCursor: 'next',
    });
    const response = await app.inject({
      url: '/v1/practices/p1/audit-events?personId=terry&chatId=chat1&action=chat.messages.read&from=2026-01-01T00:00:00Z&limit=10',
      headers: await bearer('olivia'),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      items: [
        expect.objectContaining({
          id: 'e1',
          seq: 7,
          occurredAt: '2026-01-02T03:04:05.000Z',
          chatId: 'chat1',
        }),
      ],
      nextCursor: 'next',
    });
    expect(setup.services.audit.listAuditEvents).toHaveBeenCalledWith(
      expect.objectContaining({
        practiceId: 'p1',
        actorId: 'terry',
        chatId: 'chat1',
        action: 'chat.messages.read',
        from: new Date('2026-01-01T00:00:00Z'),
        to: undefined,
        limit: 10,
      }),
    );
  });

  it('C1: anyone but the practice owner is refused 403 forbidden; another practice is 404', async () => {
    asOwner();
    const terry = await app.inject({ url: '/v1/practices/p1/audit-events', headers: await bearer('terry') });
    expect(terry.statusCode).toBe(403);
    expect(terry.json()).toMatchObject({ code: 'forbidden' });
    const other = await app.inject({ url: '/v1/practices/p2/audit-events', headers: await bearer('olivia') });
    expect(other.statusCode).toBe(404);
    expect(setup.services.audit.listAuditEvents).not.toHaveBeenCalled();
  });

  it('refuses bad filters with 400 before asking the audit service', async () => {
    asOwner();
    for (const query of ['from=yesterday', 'action=DROP%20TABLE', 'personId=a%20b', 'limit=500']) {
      const response = await app.inject({
        url: `/v1/practices/p1/audit-events?${query}`,
        headers: await bearer('olivia'),
      });
      expect(response.statusCode, query).toBe(400);
    }
    expect(setup.services.audit.listAuditEvents).not.toHaveBeenCalled();
  });
});
