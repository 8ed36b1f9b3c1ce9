import type { RealtimeEvent } from '@huddle/contracts';
import { describe, expect, it } from 'vitest';
import { createChatContextLoader } from '../../src/presenter/chat-context';
import { realtimePresenter } from '../../src/realtime/present';
import { fakeServices, practiceId } from './support';

function setup() {
  const { services, state } = fakeServices();
  const present = realtimePresenter(
    services.chat,
    createChatContextLoader(services.participant),
    services.participant,
  );
  const as = (personId: string) => ({ practiceId, personId });
  return { present, as, state };
}

const event = (type: string, data: unknown): RealtimeEvent => ({
  id: `evt-${type}`,
  type,
  practiceId,
  chatId: 'chat1',
  data,
});

const messageData = {
  id: 'm9',
  chatId: 'chat1',
  seq: 9,
  parentId: null,
  authorId: 'eli',
  body: 'Edited: see you at 8',
  mentions: ['dana'],
  attachmentIds: ['a1'],
  createdAt: '2025-01-02T03:04:05.000Z',
};

describe('realtime presentation of chat events', () => {
  it('G5/G8: message.updated is presented like REST: a hidden client is a pseudonym to other clients', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, hideClientIdentities: true };
    const toDana = await present(as('dana'), event('message.updated', { practiceId, message: messageData }));
    expect(toDana).toMatchObject({
      type: 'message.updated',
      data: {
        id: 'm9',
        body: 'Edited: see you at 8',
        author: { id: null, name: 'Member 4', photoUrl: null, kind: 'client' },
        attachments: [{ id: 'a1', url: '/v1/attachments/a1' }],
      },
    });
    expect(JSON.stringify(toDana)).not.toMatch(/eli|Jones/);
    const toOlivia = await present(
      as('olivia'),
      event('message.updated', { practiceId, message: messageData }),
    );
    expect(toOlivia?.data).toMatchObject({ author: { id: 'eli', name: 'Eli Jones' } });
  });

  it('G7/delete: message.pinned, message.unpinned and message.deleted carry the id and the message as REST shows it', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, hideClientIdentities: true };
    const pinned = { ...messageData, pinned: true, editedAt: '2025-01-02T04:00:00.000Z', replyCount: 2 };
    for (const type of ['message.pinned', 'message.unpinned']) {
      const presented = await present(
        as('dana'),
        event(type, { practiceId, chatId: 'chat1', messageId: 'm9', message: pinned }),
      );
      expect(presented).toMatchObject({
        type,
        data: {
          messageId: 'm9',
          message: {
            id: 'm9',
            pinned: true,
            editedAt: '2025-01-02T04:00:00.000Z',
            replyCount: 2,
            author: { id: null, name: 'Member 4' },
          },
        },
      });
    }
    const tombstone = { ...messageData, deletedAt: '2025-01-02T05:00:00.000Z' };
    const deleted = await present(
      as('dana'),
      event('message.deleted', { practiceId, chatId: 'chat1', messageId: 'm9', message: tombstone }),
    );
    expect(deleted?.data).toMatchObject({
      messageId: 'm9',
      message: { body: '', mentions: [], attachments: [], deletedAt: '2025-01-02T05:00:00.000Z' },
    });
    // Gone outright (P2 delete, P3), or an event from before the message was added: null.
    const gone = await present(
      as('dana'),
      event('message.deleted', { practiceId, chatId: 'chat1', messageId: 'm1' }),
    );
    expect(gone).toEqual({
      id: 'evt-message.deleted',
      type: 'message.deleted',
      chatId: 'chat1',
      data: { messageId: 'm1', message: null },
    });
  });

  it('G8: message.updated carries the edit time, pin state, reply count and described files', async () => {
    const { present, as } = setup();
    const edited = {
      ...messageData,
      pinned: true,
      editedAt: '2025-01-02T04:00:00.000Z',
      replyCount: 3,
      attachments: [
        {
          id: 'a1',
          filename: 'menu.pdf',
          contentType: 'application/pdf',
          size: 12,
          createdAt: messageData.createdAt,
        },
      ],
    };
    const presented = await present(as('terry'), event('message.updated', { practiceId, message: edited }));
    expect(presented?.data).toMatchObject({
      pinned: true,
      editedAt: '2025-01-02T04:00:00.000Z',
      replyCount: 3,
      attachments: [
        {
          id: 'a1',
          filename: 'menu.pdf',
          contentType: 'application/pdf',
          size: 12,
          url: '/v1/attachments/a1',
        },
      ],
    });
  });

  it('G3/G6: chat.updated presents the chat as it now is, for the viewer', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, name: 'Renamed', locked: true };
    const presented = await present(
      as('dana'),
      event('chat.updated', { chat: {}, changed: ['name', 'locked'] }),
    );
    expect(presented?.data).toMatchObject({ id: 'chat1', title: 'Renamed', locked: true });
  });

  it('U1: read_marker.moved reaches team members only', async () => {
    const { present, as } = setup();
    const moved = event('read_marker.moved', { practiceId, chatId: 'chat1', personId: 'dana', readSeq: 4 });
    expect((await present(as('terry'), moved))?.data).toEqual({ personId: 'dana', readSeq: 4 });
    expect(await present(as('eli'), moved)).toBeNull();
  });

  it('A1/P4: nothing reaches someone who is not a participant; unknown types and malformed data are dropped', async () => {
    const { present, as } = setup();
    expect(await present(as('stranger'), event('message.pinned', { messageId: 'm1' }))).toBeNull();
    expect(await present(as('dana'), event('participant.secret', { personId: 'eli' }))).toBeNull();
    expect(await present(as('dana'), event('message.updated', { message: { id: 'm1' } }))).toBeNull();
    expect(await present(as('dana'), event('message.deleted', {}))).toBeNull();
  });
});

describe('X1 realtime reactions', () => {
  const reaction = (personId: string, personIds: string[]) => ({
    practiceId,
    chatId: 'chat1',
    messageId: 'm9',
    emoji: '👍🏽',
    personId,
    personIds,
  });

  it('X1: reaction.added is counted with reactedByMe per viewer', async () => {
    const { present, as } = setup();
    const added = event('reaction.added', reaction('eli', ['dana', 'eli']));
    const toDana = await present(as('dana'), added);
    expect(toDana).toMatchObject({
      type: 'reaction.added',
      data: { messageId: 'm9', emoji: '👍🏽', count: 2, reactedByMe: true, person: { id: 'eli' } },
    });
    const toOlivia = await present(as('olivia'), added);
    expect(toOlivia?.data).toMatchObject({ count: 2, reactedByMe: false });
  });

  it('X1/G5: a client of an identity-hiding group sees another client reacting only by pseudonym', async () => {
    const { present, as, state } = setup();
    state.chat = { ...state.chat, hideClientIdentities: true };
    const removed = event('reaction.removed', reaction('eli', ['dana']));
    const toDana = await present(as('dana'), removed);
    expect(toDana?.data).toMatchObject({
      count: 1,
      reactedByMe: true,
      person: { id: null, name: 'Member 4' },
    });
    expect(JSON.stringify(toDana)).not.toMatch(/eli|Jones/);
    const toOlivia = await present(as('olivia'), removed);
    expect(toOlivia?.data).toMatchObject({ reactedByMe: false, person: { id: 'eli', name: 'Eli Jones' } });
  });

  it('X1: message events carry reactions counted for the viewer, never who reacted', async () => {
    const { present, as } = setup();
    const data = { ...messageData, reactions: [{ emoji: '🎉', personIds: ['dana', 'olivia'] }] };
    const toDana = await present(as('dana'), event('message.updated', { practiceId, message: data }));
    expect(toDana?.data).toMatchObject({ reactions: [{ emoji: '🎉', count: 2, reactedByMe: true }] });
    const toEli = await present(as('eli'), event('message.updated', { practiceId, message: data }));
    expect(toEli?.data).toMatchObject({ reactions: [{ emoji: '🎉', count: 2, reactedByMe: false }] });
  });

  it('X1: a reaction event without its reactors is not presented', async () => {
    const { present, as } = setup();
    const broken = event('reaction.added', { ...reaction('eli', []), personIds: 'eli' });
    expect(await present(as('dana'), broken)).toBeNull();
  });
});

describe('the chats realtime events are about, asked once for every viewer', () => {
  const created = (id: string) => ({
    ...event('message.created', { practiceId, message: messageData }),
    id,
  });

  it('one event presented to many viewers asks the chat service once', async () => {
    const { present, as, services } = setupWithCalls();
    await Promise.all(['dana', 'eli', 'olivia', 'terry'].map((who) => present(as(who), created('e1'))));
    await present(as('dana'), created('e2'));
    expect(services.chat.getChat).toHaveBeenCalledTimes(1);
  });

  it('G5/S5: chat.updated loads the chat anew, and later events are presented with the change', async () => {
    const { present, as, state, services } = setupWithCalls();
    expect((await present(as('dana'), created('e1')))?.data).toMatchObject({ author: { id: 'eli' } });
    state.chat = { ...state.chat, hideClientIdentities: true };
    await present(as('dana'), event('chat.updated', { chat: {}, changed: ['hideClientIdentities'] }));
    const after = await present(as('dana'), created('e2'));
    expect(after?.data).toMatchObject({ author: { id: null, name: 'Member 4' } });
    expect(JSON.stringify(after)).not.toMatch(/eli|Jones/);
    expect(services.chat.getChat).toHaveBeenCalledTimes(2);
  });

  it('P4: a shared load refused for a removed viewer does not cost another viewer the event', async () => {
    const { present, as, state } = setupWithCalls();
    state.participants = state.participants.filter((p) => p.personId !== 'dana');
    const [toDana, toOlivia] = await Promise.all([
      present(as('dana'), created('e1')),
      present(as('olivia'), created('e1')),
    ]);
    expect(toDana).toBeNull();
    expect(toOlivia?.data).toMatchObject({ id: 'm9' });
  });

  it('P4: a replayed event (fresh) asks the chat service for this viewer, whatever is cached', async () => {
    const { present, as, state, services } = setupWithCalls();
    await present(as('olivia'), created('e1'));
    state.participants = state.participants.filter((p) => p.personId !== 'dana');
    expect(await present(as('dana'), created('e1'), { fresh: true })).toBeNull();
    expect(services.chat.getChat).toHaveBeenLastCalledWith(expect.objectContaining({ viewerId: 'dana' }));
  });
});

describe('X6: the message a notification names', () => {
  const created = { ...event('message.created', { practiceId, message: messageData }), id: 'e1' };
  const notified = {
    ...event('notification.created', {
      byPerson: {
        dana: {
          id: 'n1',
          type: 'message',
          chatId: 'chat1',
          messageId: 'm9',
          actorId: 'eli',
          createdAt: '2025-01-02T03:04:05.000Z',
          readAt: null,
        },
      },
    }),
    id: 'e2',
  };

  it('G5: just shown to the viewer as posted, it is presented from there, for that viewer, without asking the chat service', async () => {
    const { present, as, state, services } = setupWithCalls();
    state.chat = { ...state.chat, hideClientIdentities: true };
    await present(as('dana'), created);
    const frame = await present(as('dana'), notified);
    expect(frame?.data).toMatchObject({
      id: 'n1',
      actor: { id: null, name: 'Member 4' },
      snippet: 'Edited: see you at 8',
    });
    expect(JSON.stringify(frame)).not.toMatch(/eli|Jones/);
    expect(services.chat.getMessages).not.toHaveBeenCalled();
  });

  it('P2, P4: any other event of the viewer in between, or a message they were not shown, is asked of the chat service', async () => {
    const { present, as, services } = setupWithCalls();
    await present(as('dana'), created);
    await present(
      as('dana'),
      event('participant.removed', { practiceId, chatId: 'chat1', personId: 'eli', messages: 'keep' }),
    );
    const frame = await present(as('dana'), notified);
    // The fake chat service no longer has the message: no actor, no snippet.
    expect(frame?.data).toMatchObject({ id: 'n1', actor: null, snippet: null });
    expect(services.chat.getMessages).toHaveBeenCalledTimes(1);

    const another = setupWithCalls();
    await another.present(another.as('olivia'), created);
    await another.present(another.as('dana'), notified);
    expect(another.services.chat.getMessages).toHaveBeenCalledTimes(1);
  });

  it("P4: the viewer's own chat.left drops what they were just shown posted: a later notification asks the chat service", async () => {
    const { present, as, services } = setupWithCalls();
    await present(as('dana'), created);
    const left = await present(as('dana'), {
      ...event('chat.left', { chatId: 'chat1', personId: 'dana' }),
      id: 'e-left',
    });
    expect(left?.type).toBe('chat.left');
    await present(as('dana'), notified);
    expect(services.chat.getMessages).toHaveBeenCalledTimes(1);
  });
});

function setupWithCalls() {
  const { services, state } = fakeServices();
  const present = realtimePresenter(
    services.chat,
    createChatContextLoader(services.participant),
    services.participant,
  );
  return { present, as: (personId: string) => ({ practiceId, personId }), state, services };
}
