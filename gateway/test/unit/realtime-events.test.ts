import type { RealtimeEvent } from '@huddle/contracts';
import { describe, expect, it } from 'vitest';
import { createChatContextLoader } from '../../src/presenter/chat-context';
import { realtimePresenter } from '../../src/realtime/present';
import { fakeServices, groupParticipants, participant, practiceId } from './support';

function setup() {
  const { services, state } = fakeServices();
  // No cache: each test changes the chat and its members between events.
  const contexts = createChatContextLoader(services.participant, { ttlMs: 0 });
  const present = realtimePresenter(services.chat, contexts, services.participant, { chatTtlMs: 0 });
  const as = (personId: string) => ({ practiceId, personId });
  return { present, as, state, services };
}

const event = (type: string, data: unknown, chatId = 'chat1'): RealtimeEvent => ({
  id: `evt-${type}`,
  type,
  practiceId,
  chatId,
  data,
});

const eliMessage = {
  id: 'm9',
  chatId: 'chat1',
  seq: 9,
  parentId: null,
  authorId: 'eli',
  body: 'See you at 8',
  mentions: ['eli'],
  attachmentIds: [],
  createdAt: '2025-01-02T03:04:05.000Z',
};

const chatData = { id: 'chat1', practiceId, kind: 'group', name: 'Morning walkers' };

/** One event of every type that names Eli, a client, somewhere. */
const everyEventType = (): RealtimeEvent[] => [
  event('message.created', { practiceId, message: eliMessage }),
  event('message.updated', { practiceId, message: eliMessage }),
  event('message.deleted', {
    practiceId,
    chatId: 'chat1',
    messageId: 'm9',
    message: { ...eliMessage, deletedAt: '2025-01-02T04:00:00.000Z' },
  }),
  event('message.pinned', {
    practiceId,
    chatId: 'chat1',
    messageId: 'm9',
    message: { ...eliMessage, pinned: true },
  }),
  event('message.unpinned', { practiceId, chatId: 'chat1', messageId: 'm9', message: eliMessage }),
  event('reaction.added', {
    practiceId,
    chatId: 'chat1',
    messageId: 'm9',
    emoji: '👍',
    personId: 'eli',
    personIds: ['eli', 'dana'],
  }),
  event('reaction.removed', {
    practiceId,
    chatId: 'chat1',
    messageId: 'm9',
    emoji: '👍',
    personId: 'eli',
    personIds: ['dana'],
  }),
  event('message.updated', {
    practiceId,
    message: { ...eliMessage, reactions: [{ emoji: '🎉', personIds: ['eli'] }] },
  }),
  event('chat.updated', { chat: chatData, changed: ['name'] }),
  event('chat.converted', { chat: chatData }),
  event('read_marker.moved', { practiceId, chatId: 'chat1', personId: 'eli', readSeq: 9 }),
  event('participant.added', {
    practiceId,
    participant: { ...participant('chat1', 'eli', 'client', 'Member 4'), addedAt: '2025-01-01T00:00:00Z' },
  }),
  event('notification.created', {
    id: 'n1',
    type: 'mention',
    chatId: 'chat1',
    messageId: 'm9',
    createdAt: '2025-01-02T03:04:05.000Z',
    readAt: null,
  }),
  event('typing', { personId: 'eli' }),
];

describe('realtime: every event type through the presenter', () => {
  it('G5: a client in an identity-hiding group never sees another client’s id, name or photo in any event', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, hideClientIdentities: true };
    const delivered = [];
    for (const each of everyEventType()) {
      const presented = await present(as('dana'), each);
      if (presented) delivered.push(presented);
      expect(JSON.stringify(presented), each.type).not.toMatch(/eli|Eli|Jones/);
    }
    // Everything but the read receipt (team members only) reached Dana.
    expect(delivered.map((frame) => frame.type)).toEqual(
      everyEventType()
        .map((each) => each.type)
        .filter((type) => type !== 'read_marker.moved'),
    );
    state.participants = groupParticipants.filter((p) => p.personId !== 'eli');
    const removed = await present(
      as('dana'),
      event('participant.removed', { practiceId, chatId: 'chat1', personId: 'eli', messages: 'keep' }),
    );
    expect(removed?.data).toEqual({
      person: { id: null, name: 'Former participant', photoUrl: null, kind: 'client' },
      messages: 'keep',
    });
  });

  it('G4/G5: practitioners see everyone in full; clients see other clients by the chat’s naming', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, clientNaming: 'first_initial' };
    const added = event('participant.added', {
      practiceId,
      participant: participant('chat1', 'eli', 'client', 'Member 4'),
    });
    expect((await present(as('olivia'), added))?.data).toEqual({
      person: { id: 'eli', name: 'Eli Jones', photoUrl: 'https://img.example/eli.png', kind: 'client' },
      role: 'client',
    });
    expect((await present(as('dana'), added))?.data).toEqual({
      person: { id: 'eli', name: 'Eli J.', photoUrl: 'https://img.example/eli.png', kind: 'client' },
      role: 'client',
    });
    state.chat = { ...state.chat, hideClientIdentities: true };
    expect((await present(as('dana'), added))?.data).toEqual({
      person: { id: null, name: 'Member 4', photoUrl: null, kind: 'client' },
      role: 'client',
    });
    state.participants = groupParticipants.filter((p) => p.personId !== 'eli');
    const removed = event('participant.removed', {
      practiceId,
      chatId: 'chat1',
      personId: 'eli',
      messages: 'delete',
    });
    expect((await present(as('olivia'), removed))?.data).toEqual({
      person: { id: 'eli', name: 'Eli Jones', photoUrl: 'https://img.example/eli.png', kind: 'client' },
      messages: 'delete',
    });
  });

  it('S5/S6: chat.converted presents the chat as it now is, for the viewer', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, name: 'Dana Smith (Group)' };
    const frame = await present(as('dana'), event('chat.converted', { chat: chatData }));
    expect(frame).toMatchObject({
      type: 'chat.converted',
      chatId: 'chat1',
      data: { id: 'chat1', kind: 'group', title: 'Dana Smith (Group)', avatar: 'sunrise' },
    });
  });

  it("N1: the notifications of one change, sent once for the chat, show each viewer their own and nobody else's", async () => {
    const { present, as } = setup();
    const notification = (id: string) => ({
      id,
      type: 'message',
      chatId: 'chat1',
      messageId: 'm9',
      createdAt: '2025-01-02T03:04:05.000Z',
      readAt: null,
    });
    const batch = {
      ...event('notification.created', {
        byPerson: { dana: notification('n-dana'), eli: notification('n-eli') },
      }),
      recipients: ['dana', 'eli'],
    };
    expect(await present(as('dana'), batch)).toMatchObject({
      id: 'evt-notification.created',
      data: { id: 'n-dana', type: 'message' },
    });
    expect(await present(as('eli'), batch)).toMatchObject({ data: { id: 'n-eli' } });
    expect(await present(as('olivia'), batch)).toBeNull();
  });

  it('N1, X6: notification.created carries the chat as the viewer sees it', async () => {
    const { present, as } = setup();
    const frame = await present(as('dana'), everyEventType().find((e) => e.type === 'notification.created')!);
    expect(frame).toEqual({
      id: 'evt-notification.created',
      type: 'notification.created',
      chatId: 'chat1',
      data: {
        id: 'n1',
        type: 'mention',
        chatId: 'chat1',
        messageId: 'm9',
        createdAt: '2025-01-02T03:04:05.000Z',
        readAt: null,
        chat: { id: 'chat1', title: 'Morning walkers', avatar: expect.any(String) },
        // The message is not found here (the fake has none): no actor, no snippet.
        actor: null,
        snippet: null,
      },
    });
  });

  it('X4: personal_state.updated reaches its person only, a run-out mute read as none', async () => {
    const { present, as } = setup();
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const state = (mutedUntil: string | null) =>
      event('personal_state.updated', {
        practiceId,
        chatId: 'chat1',
        personId: 'dana',
        pinned: true,
        archived: false,
        mutedUntil,
        version: 3,
      });
    expect((await present(as('dana'), state(inAnHour)))?.data).toEqual({
      pinned: true,
      archived: false,
      mutedUntil: inAnHour,
    });
    expect((await present(as('dana'), state('2020-01-01T00:00:00.000Z')))?.data).toMatchObject({
      mutedUntil: null,
    });
    expect(await present(as('olivia'), state(inAnHour))).toBeNull();
    expect(
      await present(as('dana'), event('personal_state.updated', { chatId: 'chat1', personId: 'dana' })),
    ).toBeNull();
  });

  it('typing reaches the others, never the typist, and only from a participant', async () => {
    const { present, as, state } = setup();
    const typing = event('typing', { personId: 'eli' });
    expect((await present(as('olivia'), typing))?.data).toEqual({
      person: { id: 'eli', name: 'Eli Jones', photoUrl: 'https://img.example/eli.png', kind: 'client' },
    });
    expect(await present(as('eli'), typing)).toBeNull();
    state.participants = groupParticipants.filter((p) => p.personId !== 'eli');
    expect(await present(as('olivia'), typing)).toBeNull();
  });

  it('P4: a removed participant gets nothing more for the chat, a queued notification included', async () => {
    const { present, as, state } = setup();
    state.participants = groupParticipants.filter((p) => p.personId !== 'dana');
    for (const each of everyEventType()) expect(await present(as('dana'), each), each.type).toBeNull();
  });

  it('P4: chat.left reaches the person removed alone, with the chat id and nothing else', async () => {
    const { present, as, state, services } = setup();
    state.participants = groupParticipants.filter((p) => p.personId !== 'dana');
    const left = event('chat.left', { chatId: 'chat1', personId: 'dana' });
    // Replayed (fresh) or live, without reading the chat she is out of.
    for (const fresh of [false, true]) {
      expect(await present(as('dana'), left, { fresh })).toEqual({
        id: 'evt-chat.left',
        type: 'chat.left',
        chatId: 'chat1',
        data: { chatId: 'chat1' },
      });
    }
    expect(services.chat.getChat).not.toHaveBeenCalled();
    // Anyone else, a copy sent on the chat's subject, another practice or malformed data: nothing.
    for (const viewer of ['olivia', 'eli']) expect(await present(as(viewer), left)).toBeNull();
    expect(await present(as('dana'), { ...left, recipients: ['dana'] })).toBeNull();
    expect(await present(as('dana'), { ...left, practiceId: 'p2' })).toBeNull();
    expect(await present(as('dana'), event('chat.left', { chatId: 'other', personId: 'dana' }))).toBeNull();
    expect(await present(as('dana'), event('chat.left', { chatId: 'chat1' }))).toBeNull();
  });

  it('unknown types, other practices and malformed data are dropped without asking any service', async () => {
    const { present, as, services } = setup();
    const dropped = [
      event('chat.renamed', {}),
      event('participant.added', { practiceId, participant: { chatId: 'other', personId: 'eli' } }),
      event('notification.created', { id: 'n1', type: 'message', chatId: 'other' }),
      event('typing', {}),
      event('read_marker.moved', { personId: 'eli', readSeq: '9' }),
      { ...event('typing', { personId: 'eli' }), practiceId: 'p2' },
    ];
    for (const each of dropped) expect(await present(as('olivia'), each)).toBeNull();
    expect(services.chat.getChat).not.toHaveBeenCalled();
  });
});
