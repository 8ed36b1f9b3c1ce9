import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Socket, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 5, realtime through the real system: every event type reaches exactly
 * the sockets it should, presented per viewer (G4, G5), read receipts only to
 * team members (U1), typing to the others only, and nothing more for a
 * removed participant (P4).
 */
describe('realtime: every event type, per viewer', () => {
  let system: System;
  const practice = 'p-rt';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith', photoUrl: 'https://img.example/dana.png' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones', photoUrl: 'https://img.example/eli.png' },
    fay: { kind: 'client', firstName: 'Fay', lastName: 'Quill', photoUrl: 'https://img.example/fay.png' },
    omar: { kind: 'client', firstName: 'Omar', lastName: 'Haddad' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const streams = {} as Record<Name, Socket>;

  beforeAll(async () => {
    system = await startSystem('realtime');
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'RT', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
    for (const name of Object.keys(people) as Name[]) {
      streams[name] = await openStream(system.url, await system.personToken(practice, name));
      await streams[name].next((event) => event.type === 'stream.ready');
    }
  });

  afterAll(async () => {
    for (const stream of Object.values(streams)) stream.close();
    await system?.stop();
  });

  /** The chat service learns of members from the participant service's events: wait until it has. */
  async function untilMember(caller: ReturnType<typeof api>, chatId: string) {
    for (let attempt = 0; attempt < 50; attempt += 1) {
      if ((await caller('GET', `/v1/chats/${chatId}`)).status === 200) return;
      await sleep(100);
    }
    throw new Error(
      `never became a member: ${JSON.stringify((await caller('GET', `/v1/chats/${chatId}`)).body)}`,
    );
  }

  const chatEvents = (who: Name, chatId: string, type?: string) =>
    streams[who].events.filter((event) => event.chatId === chatId && (!type || event.type === type));

  it('G5/U1/P4: each event reaches the right sockets, presented per viewer; hidden clients stay hidden', async () => {
    const olivia = await as('olivia');
    const created = await olivia('POST', '/v1/chats', {
      name: 'Walkers',
      style: 'feed',
      hideClientIdentities: true,
      participantIds: ['terry', 'dana', 'eli'],
    });
    expect(created.status).toBe(201);
    const chatId: string = created.body.id;
    const members: Name[] = ['olivia', 'terry', 'dana', 'eli'];
    const seen = (
      type: string,
      who: Name,
      match: (event: Socket['events'][number]) => boolean = () => true,
    ) =>
      streams[who]
        .next((event) => event.chatId === chatId && event.type === type && match(event))
        .catch(() => {
          throw new Error(`${who} got no ${type}: ${JSON.stringify(streams[who].events.map((e) => e.type))}`);
        });

    // message.created, and Dana's notification of it
    const eli = await as('eli');
    await untilMember(eli, chatId);
    const posted = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Morning all' });
    expect(posted.status).toBe(201);
    const messageId: string = posted.body.id;
    const forDana = await seen('message.created', 'dana');
    expect(forDana.data).toMatchObject({ id: messageId, body: 'Morning all' });
    expect(forDana.data.author).toEqual({
      id: null,
      name: expect.any(String),
      photoUrl: null,
      kind: 'client',
    });
    expect((await seen('message.created', 'olivia')).data.author).toMatchObject({
      id: 'eli',
      name: 'Eli Jones',
    });
    await Promise.all(['terry', 'eli'].map((who) => seen('message.created', who as Name)));
    const notified = await seen('notification.created', 'dana', (e) => e.data.type === 'message');
    // X6: the chat, the actor and a snippet, presented for Dana: Eli by pseudonym only (G5).
    expect(notified.data).toEqual({
      id: expect.any(String),
      type: 'message',
      chatId,
      messageId,
      createdAt: expect.any(String),
      readAt: null,
      chat: { id: chatId, title: expect.any(String), avatar: expect.any(String) },
      actor: forDana.data.author,
      snippet: 'Morning all',
    });

    // message.updated, pinned, unpinned
    expect(
      (await eli('PATCH', `/v1/chats/${chatId}/messages/${messageId}`, { body: 'Morning, all!' })).status,
    ).toBe(200);
    expect((await seen('message.updated', 'dana')).data).toMatchObject({
      body: 'Morning, all!',
      author: { id: null },
    });
    expect((await olivia('PUT', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);
    expect((await seen('message.pinned', 'eli')).data).toMatchObject({
      messageId,
      message: { id: messageId, pinned: true, editedAt: expect.any(String) },
    });
    expect((await olivia('DELETE', `/v1/chats/${chatId}/pins/${messageId}`)).status).toBe(200);
    expect((await seen('message.unpinned', 'dana')).data).toMatchObject({
      messageId,
      message: { id: messageId, pinned: false, author: { id: null } },
    });

    // chat.updated
    expect((await olivia('PATCH', `/v1/chats/${chatId}`, { name: 'Evening walkers' })).status).toBe(200);
    expect((await seen('chat.updated', 'dana')).data).toMatchObject({ id: chatId, title: 'Evening walkers' });

    // read_marker.moved: team members only (U1)
    const dana = await as('dana');
    expect((await dana('PUT', `/v1/chats/${chatId}/read`, { seq: posted.body.seq })).status).toBe(200);
    expect((await seen('read_marker.moved', 'olivia')).data).toEqual({
      personId: 'dana',
      readSeq: posted.body.seq,
    });
    await seen('read_marker.moved', 'terry');

    // typing: to the others, not the typist
    streams.eli.send({ type: 'typing', chatId });
    expect((await seen('typing', 'dana')).data.person).toMatchObject({ id: null, photoUrl: null });
    expect((await seen('typing', 'olivia')).data.person).toMatchObject({ id: 'eli', name: 'Eli Jones' });
    await seen('typing', 'terry');

    // participant.added
    const before = new Set([...streams.dana.events, ...streams.olivia.events]);
    expect(
      (await olivia('POST', `/v1/chats/${chatId}/participants`, { personIds: ['fay'] })).status,
    ).toBeLessThan(300);
    expect((await seen('participant.added', 'dana', (e) => !before.has(e))).data.person).toMatchObject({
      id: null,
      photoUrl: null,
    });
    expect((await seen('participant.added', 'olivia', (e) => !before.has(e))).data.person).toMatchObject({
      id: 'fay',
      name: 'Fay Quill',
    });

    // message.deleted
    const second = await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'Oops' });
    expect((await eli('DELETE', `/v1/chats/${chatId}/messages/${second.body.id}`)).status).toBeLessThan(300);
    expect((await seen('message.deleted', 'fay')).data).toMatchObject({
      messageId: second.body.id,
      message: { id: second.body.id, body: '', deletedAt: expect.any(String) },
    });

    // participant.removed to the others; P4: Fay gets her own chat.left, the chat id alone, and then
    // nothing more of this chat.
    expect(
      (await olivia('DELETE', `/v1/chats/${chatId}/participants/fay?messages=keep`)).status,
    ).toBeLessThan(300);
    expect((await seen('participant.removed', 'dana')).data).toEqual({
      person: { id: null, name: 'Former participant', photoUrl: null, kind: 'client' },
      messages: 'keep',
    });
    expect(await seen('chat.left', 'fay')).toEqual({
      id: expect.any(String),
      type: 'chat.left',
      chatId,
      data: { chatId },
    });
    const fayBefore = chatEvents('fay', chatId).length;
    await eli('POST', `/v1/chats/${chatId}/messages`, { body: 'After the removal' });
    streams.eli.send({ type: 'typing', chatId });
    await seen('message.created', 'dana', (e) => e.data.body === 'After the removal');
    await seen('notification.created', 'dana', (e) => e.data.messageId !== messageId);
    await sleep(300);
    expect(chatEvents('fay', chatId).length).toBe(fayBefore);
    expect(chatEvents('fay', chatId).at(-1)?.type).toBe('chat.left');
    expect(chatEvents('fay', chatId, 'participant.removed')).toEqual([]);
    for (const other of ['olivia', 'terry', 'dana', 'eli', 'omar'] as Name[])
      expect(chatEvents(other, chatId, 'chat.left')).toEqual([]);

    // Exactly the participants' sockets: Omar, never in the chat, got nothing of it.
    expect(chatEvents('omar', chatId)).toEqual([]);
    // The author gets no notification of their own post; clients get no read receipts.
    expect(chatEvents('eli', chatId, 'notification.created').map((event) => event.data.type)).toEqual([
      'added',
    ]);
    expect(chatEvents('eli', chatId, 'typing')).toEqual([]);
    for (const client of ['dana', 'eli', 'fay'] as Name[]) {
      expect(chatEvents(client, chatId, 'read_marker.moved')).toEqual([]);
    }
    // G5 over every event Dana received: no other client's id, name or photo, ever.
    const danaSaw = JSON.stringify(chatEvents('dana', chatId));
    for (const hidden of ['"eli"', 'Eli', 'Jones', 'eli.png', '"fay"', 'Fay', 'Quill', 'fay.png']) {
      expect(danaSaw).not.toContain(hidden);
    }
    for (const member of members) expect(chatEvents(member, chatId).every((event) => event.id)).toBe(true);
  });
  it('P2, P3, P4: the person removed and the one who leaves each get chat.left, the chat id alone, on every socket; nobody else does', async () => {
    const olivia = await as('olivia');
    const created = await olivia('POST', '/v1/chats', {
      name: 'Stretching',
      style: 'direct',
      participantIds: ['terry', 'dana', 'eli'],
    });
    expect(created.status).toBe(201);
    const chatId: string = created.body.id;
    const [dana, eli] = [await as('dana'), await as('eli')];
    await Promise.all([untilMember(dana, chatId), untilMember(eli, chatId)]);
    // A second device of Dana's: every socket of hers hears it.
    const danaPhone = await openStream(system.url, await system.personToken(practice, 'dana'));
    try {
      await danaPhone.next((event) => event.type === 'stream.ready');
      expect((await dana('POST', `/v1/chats/${chatId}/messages`, { body: 'Hello stretchers' })).status).toBe(
        201,
      );
      await streams.terry.next((event) => event.chatId === chatId && event.type === 'message.created');

      // P2 delete: the owner removes Dana; P3: Eli leaves.
      expect((await olivia('DELETE', `/v1/chats/${chatId}/participants/dana?messages=delete`)).status).toBe(
        204,
      );
      expect((await eli('DELETE', `/v1/chats/${chatId}/participants/me`)).status).toBe(204);
      const leftOf = (socket: Socket) =>
        socket.next((event) => event.chatId === chatId && event.type === 'chat.left');
      for (const socket of [streams.dana, danaPhone, streams.eli]) {
        const left = await leftOf(socket);
        // Nothing but the chat id: not who removed them, not their messages' fate, nothing of the chat.
        expect(left).toEqual({ id: expect.any(String), type: 'chat.left', chatId, data: { chatId } });
        expect(left.id.startsWith('eph_')).toBe(false);
      }
      // The others hear both departures as participant.removed, and no chat.left.
      for (const other of ['olivia', 'terry'] as Name[]) {
        for (const gone of ['dana', 'eli']) {
          await streams[other].next(
            (event) =>
              event.chatId === chatId &&
              event.type === 'participant.removed' &&
              event.data.person.id === gone,
          );
        }
      }
      // Once more of the chat has reached the others, nothing of it has reached those who are out.
      const after = await olivia('POST', `/v1/chats/${chatId}/messages`, { body: 'Carry on' });
      await streams.terry.next(
        (event) => event.type === 'message.created' && event.data.id === after.body.id,
      );
      await sleep(300);
      for (const socket of [streams.dana, danaPhone, streams.eli]) {
        const ofChat = socket.events.filter((event) => event.chatId === chatId);
        expect(ofChat.filter((event) => event.type === 'chat.left')).toHaveLength(1);
        expect(ofChat.at(-1)?.type).toBe('chat.left');
      }
      // Dana hears of her removal by chat.left alone; Eli, still in then, heard of hers as the others did.
      for (const socket of [streams.dana, danaPhone])
        expect(socket.events.filter((e) => e.chatId === chatId && e.type === 'participant.removed')).toEqual(
          [],
        );
      for (const other of ['olivia', 'terry', 'omar', 'fay'] as Name[])
        expect(chatEvents(other, chatId, 'chat.left')).toEqual([]);
    } finally {
      danaPhone.close();
    }
  });

  it('issue 11: one person holds at most STREAM_MAX_SOCKETS_PER_PERSON (20) open streams; one more closes with 4429', async () => {
    const token = await system.personToken(practice, 'omar');
    // Omar's stream from beforeAll is the first of his 20.
    const extra: Socket[] = [];
    for (let count = 1; count < 20; count += 1) {
      const stream = await openStream(system.url, token);
      extra.push(stream);
      await stream.next((event) => event.type === 'stream.ready');
    }
    try {
      const refused = await openStream(system.url, token);
      expect(await refused.closed).toEqual({ code: 4429, reason: 'Too many open streams for this person' });
      // The open ones stay open.
      const first = await Promise.race([
        streams.omar.closed.then(() => 'closed'),
        sleep(100).then(() => 'open'),
      ]);
      expect(first).toBe('open');
      extra[0]!.close();
      await extra[0]!.closed;
      // Once the gateway has seen the close, a new stream is accepted again.
      let accepted: Socket | undefined;
      for (let attempt = 0; attempt < 50 && !accepted; attempt += 1) {
        const next = await openStream(system.url, token);
        const outcome = await Promise.race([
          next
            .next((event) => event.type === 'stream.ready')
            .then(() => 'ready' as const)
            .catch(() => 'no ready'),
          next.closed.then(({ code }) => code),
        ]);
        if (outcome === 'ready') accepted = next;
        else await sleep(50);
      }
      expect(accepted).toBeDefined();
      extra[0] = accepted!;
    } finally {
      for (const stream of extra) stream.close();
    }
  });
});
