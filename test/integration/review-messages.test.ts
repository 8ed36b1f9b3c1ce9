import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, type Socket } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 8, the messages part of an outside review, through the real gateway
 * and services on PostgreSQL and NATS: files outlive no message (A1), error
 * messages reveal nobody in a hiding group (A1, G9), a locked chat changes
 * only by its owner (G6), and realtime message events carry what REST shows
 * (G4, G5, G7, G8).
 */

const practice = 'p-review';

/** Olivia owns the practice; Terry is a team member; Dana, Eli and Fay are clients; Omar is in no chat. */
const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  dana: { kind: 'client', firstName: 'Dana', lastName: 'Quill', photoUrl: 'https://img.example/dana.png' },
  eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones', photoUrl: 'https://img.example/eli.png' },
  fay: { kind: 'client', firstName: 'Fay', lastName: 'Lopez' },
  omar: { kind: 'client', firstName: 'Omar', lastName: 'Haddad' },
} as const;
type Name = keyof typeof people;

let system: System;
const callers = new Map<Name, ReturnType<typeof api>>();
const as = (name: Name) => callers.get(name)!;

beforeAll(async () => {
  system = await startSystem('review_messages');
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'Review', plan: 'team' })).status).toBe(
    201,
  );
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id as Name, api(system.url, await system.personToken(practice, id)));
  }
});

afterAll(async () => {
  await system?.stop();
});

/** A feed group owned by Olivia. */
async function group(name: string, participantIds: Name[], hideClientIdentities = false) {
  const reply = await as('olivia')('POST', '/v1/chats', {
    name,
    style: 'feed',
    participantIds,
    hideClientIdentities,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body.id as string;
}

async function post(
  who: Name,
  chatId: string,
  content: { body?: string; parentId?: string; mentions?: string[]; attachmentIds?: string[] },
) {
  const reply = await as(who)('POST', `/v1/chats/${chatId}/messages`, content);
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; seq: number };
}

function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe(code);
}

async function upload(who: Name, name: string) {
  const form = new FormData();
  form.append('file', new Blob([`contents of ${name}`], { type: 'application/pdf' }), name);
  const response = await fetch(`${system.url}/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await system.personToken(practice, who)}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** The status of a download of the file by each person, e.g. `{eli: 200, terry: 404}`. */
async function downloads(attachmentId: string, who: Name[]) {
  const statuses: Partial<Record<Name, number>> = {};
  for (const name of who) {
    const response = await fetch(`${system.url}/v1/attachments/${attachmentId}`, {
      headers: { authorization: `Bearer ${await system.personToken(practice, name)}` },
    });
    await response.arrayBuffer();
    statuses[name] = response.status;
  }
  return statuses;
}

const everyone: Name[] = ['olivia', 'terry', 'dana', 'eli'];
const all = (status: number, who: Name[] = everyone) => Object.fromEntries(who.map((name) => [name, status]));

describe('A1: a file is readable only while a live message references it', () => {
  it('A1: once its message is deleted, nobody fetches the file, not even its uploader', async () => {
    const chatId = await group('Deleted files', ['terry', 'dana', 'eli']);
    const file = await upload('dana', 'labs.pdf');
    // Before any message uses it, the file is its uploader's alone.
    expect(await downloads(file, everyone)).toEqual({ ...all(404), dana: 200 });
    const message = await post('dana', chatId, { body: 'my labs', attachmentIds: [file] });
    expect(await downloads(file, everyone)).toEqual(all(200));

    const tombstone = await as('dana')('DELETE', `/v1/chats/${chatId}/messages/${message.id}`);
    expect(tombstone.status).toBe(200);
    expect(tombstone.body.attachments).toEqual([]);
    expect(await downloads(file, everyone)).toEqual(all(404));
  });

  it('A1/G8: a file an edit drops or replaces is for team members reading the revision history only', async () => {
    const chatId = await group('Edited files', ['terry', 'dana', 'eli']);
    const first = await upload('dana', 'first.pdf');
    const second = await upload('dana', 'second.pdf');
    const message = await post('dana', chatId, { body: 'plan', attachmentIds: [first] });

    const replaced = await as('dana')('PATCH', `/v1/chats/${chatId}/messages/${message.id}`, {
      body: 'new plan',
      attachmentIds: [second],
    });
    expect(replaced.status).toBe(200);
    expect(await downloads(second, everyone)).toEqual(all(200));
    // The replaced file: team members reach it through the revision that names it; clients never.
    expect(await downloads(first, everyone)).toEqual({ olivia: 200, terry: 200, dana: 404, eli: 404 });
    const history = await as('terry')('GET', `/v1/chats/${chatId}/messages/${message.id}/revisions`);
    expect(history.body.items.map((revision: { attachmentIds: string[] }) => revision.attachmentIds)).toEqual(
      [[first]],
    );

    const dropped = await as('dana')('PATCH', `/v1/chats/${chatId}/messages/${message.id}`, {
      body: 'no files now',
      attachmentIds: [],
    });
    expect(dropped.body.attachments).toEqual([]);
    expect(await downloads(second, everyone)).toEqual({ olivia: 200, terry: 200, dana: 404, eli: 404 });

    // Deleting the message takes its revisions, and with them the last way to its files.
    expect((await as('dana')('DELETE', `/v1/chats/${chatId}/messages/${message.id}`)).status).toBe(200);
    expect(await downloads(first, everyone)).toEqual(all(404));
    expect(await downloads(second, everyone)).toEqual(all(404));
  });

  it('A1/P2/P3: files of messages deleted by a removal or by leaving become unreadable', async () => {
    const chatId = await group('Leaving files', ['terry', 'dana', 'eli', 'fay']);
    const danas = await upload('dana', 'dana.pdf');
    const elis = await upload('eli', 'eli.pdf');
    const fays = await upload('fay', 'fay.pdf');
    const root = await post('dana', chatId, { body: 'my file', attachmentIds: [danas] });
    // Eli's reply goes with the thread Dana started.
    await post('eli', chatId, { body: 'mine too', parentId: root.id, attachmentIds: [elis] });
    await post('fay', chatId, { body: 'and mine', attachmentIds: [fays] });
    expect(await downloads(danas, everyone)).toEqual(all(200));
    expect(await downloads(elis, everyone)).toEqual(all(200));
    expect(await downloads(fays, ['olivia', 'fay'])).toEqual(all(200, ['olivia', 'fay']));

    // P3: Dana leaves; her post and its thread are deleted, files included — Eli's own file too.
    expect((await as('dana')('DELETE', `/v1/chats/${chatId}/participants/me`)).status).toBeLessThan(300);
    expect(await downloads(danas, everyone)).toEqual(all(404));
    expect(await downloads(elis, everyone)).toEqual(all(404));

    // P2 delete: Olivia removes Fay with her messages.
    expect(
      (await as('olivia')('DELETE', `/v1/chats/${chatId}/participants/fay?messages=delete`)).status,
    ).toBeLessThan(300);
    expect(await downloads(fays, ['olivia', 'terry', 'eli', 'fay'])).toEqual(
      all(404, ['olivia', 'terry', 'eli', 'fay']),
    );
  });
});

describe('A1/G9: errors reveal nobody in a group that hides identities', () => {
  it('A1/G9: mentioning a hidden client and mentioning a non-member get one and the same answer', async () => {
    const chatId = await group('Hidden mentions', ['terry', 'dana', 'eli'], true);
    const hiddenClient = await as('dana')('POST', `/v1/chats/${chatId}/messages`, {
      body: 'hi',
      mentions: ['eli'],
    });
    const nonMember = await as('dana')('POST', `/v1/chats/${chatId}/messages`, {
      body: 'hi',
      mentions: ['omar'],
    });
    const unknown = await as('dana')('POST', `/v1/chats/${chatId}/messages`, {
      body: 'hi',
      mentions: ['nobody-at-all'],
    });
    expectProblem(hiddenClient, 400, 'validation_failed');
    expect(nonMember.body).toEqual(hiddenClient.body);
    expect(unknown.body).toEqual(hiddenClient.body);
    // Team members stay mentionable.
    await post('dana', chatId, { body: 'hi team', mentions: ['terry'] });
  });
});

describe('G6: a locked chat changes only by its owner', () => {
  it('G6: post, reply, edit, delete own, pin and unpin are 403 chat_locked for everyone but the owner; reading and read markers go on', async () => {
    const chatId = await group('Locked', ['terry', 'dana', 'eli']);
    const danaPost = await post('dana', chatId, { body: 'dana post' });
    const danaReply = await post('dana', chatId, { body: 'dana reply', parentId: danaPost.id });
    const terryPost = await post('terry', chatId, { body: 'terry post' });
    const pinnedBefore = await post('olivia', chatId, { body: 'house rules' });
    expect((await as('terry')('PUT', `/v1/chats/${chatId}/pins/${pinnedBefore.id}`)).status).toBe(200);
    expect((await as('olivia')('PATCH', `/v1/chats/${chatId}`, { locked: true })).body.locked).toBe(true);
    const before = (await as('dana')('GET', `/v1/chats/${chatId}/messages`)).body;

    const base = `/v1/chats/${chatId}`;
    const refused: Array<[Name, string, string, unknown?]> = [
      ['dana', 'POST', `${base}/messages`, { body: 'post?' }],
      ['terry', 'POST', `${base}/messages`, { body: 'post?' }],
      ['dana', 'POST', `${base}/messages`, { body: 'reply?', parentId: danaPost.id }],
      ['dana', 'PATCH', `${base}/messages/${danaPost.id}`, { body: 'edit?' }],
      ['terry', 'PATCH', `${base}/messages/${terryPost.id}`, { body: 'edit?' }],
      ['dana', 'DELETE', `${base}/messages/${danaReply.id}`],
      ['dana', 'DELETE', `${base}/messages/${danaPost.id}`],
      ['terry', 'DELETE', `${base}/messages/${terryPost.id}`],
      ['terry', 'PUT', `${base}/pins/${terryPost.id}`],
      ['terry', 'DELETE', `${base}/pins/${pinnedBefore.id}`],
    ];
    for (const [who, method, path, body] of refused) {
      const reply = await as(who)(method, path, body);
      expect(reply.status, `${who} ${method} ${path}`).toBe(403);
      expect(reply.body.code, `${who} ${method} ${path}`).toBe('chat_locked');
    }
    // Nothing changed, and everyone still reads and moves their read marker.
    expect((await as('dana')('GET', `/v1/chats/${chatId}/messages`)).body).toEqual(before);
    expect((await as('dana')('GET', `${base}/messages/${danaPost.id}/replies`)).status).toBe(200);
    expect((await as('dana')('PUT', `${base}/read`, { seq: pinnedBefore.seq })).status).toBe(200);
    expect((await as('terry')('PUT', `${base}/read`, { unread: true })).status).toBe(200);
    expect((await as('dana')('PUT', `${base}/notification-level`, { level: 'mentions' })).status).toBe(200);

    // The owner still changes everything.
    expect((await as('olivia')('PUT', `${base}/pins/${terryPost.id}`)).status).toBe(200);
    expect((await as('olivia')('DELETE', `${base}/pins/${pinnedBefore.id}`)).status).toBe(200);
    expect(
      (await as('olivia')('PATCH', `${base}/messages/${pinnedBefore.id}`, { body: 'rules v2' })).status,
    ).toBe(200);
    expect((await as('olivia')('DELETE', `${base}/messages/${danaReply.id}`)).status).toBe(200);
    await post('olivia', chatId, { body: 'owner speaks', parentId: danaPost.id });

    // Unlocked, the others act again.
    expect((await as('olivia')('PATCH', base, { locked: false })).body.locked).toBe(false);
    expect((await as('dana')('DELETE', `${base}/messages/${danaPost.id}`)).status).toBe(200);
    expect((await as('terry')('DELETE', `${base}/pins/${terryPost.id}`)).status).toBe(200);
  });
});

describe('realtime message events carry what REST shows', () => {
  const streams = {} as Record<'terry' | 'eli', Socket>;

  beforeAll(async () => {
    for (const name of ['terry', 'eli'] as const) {
      streams[name] = await openStream(system.url, await system.personToken(practice, name));
      await streams[name].next((event) => event.type === 'stream.ready');
    }
  });

  afterAll(() => {
    for (const stream of Object.values(streams)) stream.close();
  });

  /** A message as REST shows it to this viewer: in the feed page (pinned or not) or its thread. */
  async function restView(who: Name, chatId: string, messageId: string, parentId?: string) {
    const path = parentId
      ? `/v1/chats/${chatId}/messages/${parentId}/replies`
      : `/v1/chats/${chatId}/messages`;
    const reply = await as(who)('GET', path);
    expect(reply.status).toBe(200);
    const listed = [...reply.body.items, ...(reply.body.pinned ?? [])];
    const found = listed.find((message: { id: string }) => message.id === messageId);
    expect(found, `${who} sees ${messageId}`).toBeDefined();
    // Threads list replies without `latestReplies`; everywhere else (as in the answer to the
    // post) a message has them, empty for a reply.
    return parentId ? { ...found, latestReplies: [] } : found;
  }

  /** The next event of the type about the message, on each viewer's socket. */
  const received = (who: 'terry' | 'eli', chatId: string, type: string, messageId: string) =>
    streams[who].next(
      (event) =>
        event.chatId === chatId &&
        event.type === type &&
        (event.data.id === messageId || event.data.messageId === messageId),
    );

  /** Socket and REST, field by field, for a practitioner and for a client of the hiding group. */
  async function expectSame(chatId: string, type: string, messageId: string, parentId?: string) {
    for (const who of ['terry', 'eli'] as const) {
      const event = await received(who, chatId, type, messageId);
      // Events about a message by id carry it beside the id; created and updated are the message.
      const socketMessage = 'messageId' in event.data ? event.data.message : event.data;
      expect(socketMessage, `${type} to ${who}`).toEqual(await restView(who, chatId, messageId, parentId));
    }
  }

  it('G4/G5/G7/G8: created, updated, pinned, unpinned and deleted present the message as REST does, per viewer', async () => {
    const chatId = await group('Live shapes', ['terry', 'dana', 'eli'], true);
    const file = await upload('dana', 'menu.pdf');

    const posted = await post('dana', chatId, { body: 'menu', mentions: ['terry'], attachmentIds: [file] });
    await expectSame(chatId, 'message.created', posted.id);
    const created = await received('eli', chatId, 'message.created', posted.id);
    expect(created.data.attachments).toEqual([
      {
        id: file,
        filename: 'menu.pdf',
        contentType: 'application/pdf',
        size: 'contents of menu.pdf'.length,
        url: `/v1/attachments/${file}`,
      },
    ]);
    expect(JSON.stringify(created.data)).not.toMatch(/dana|Dana|Quill/);

    expect((await as('olivia')('PUT', `/v1/chats/${chatId}/pins/${posted.id}`)).status).toBe(200);
    await expectSame(chatId, 'message.pinned', posted.id);
    expect((await received('terry', chatId, 'message.pinned', posted.id)).data.messageId).toBe(posted.id);

    const edited = await as('dana')('PATCH', `/v1/chats/${chatId}/messages/${posted.id}`, {
      body: 'menu v2',
    });
    expect(edited.status).toBe(200);
    await expectSame(chatId, 'message.updated', posted.id);
    const updated = await received('eli', chatId, 'message.updated', posted.id);
    expect(updated.data).toMatchObject({
      body: 'menu v2',
      pinned: true,
      editedAt: edited.body.editedAt,
      attachments: [{ id: file, filename: 'menu.pdf' }],
    });

    expect((await as('olivia')('DELETE', `/v1/chats/${chatId}/pins/${posted.id}`)).status).toBe(200);
    await expectSame(chatId, 'message.unpinned', posted.id);

    const reply = await post('terry', chatId, { body: 'looks good', parentId: posted.id });
    await expectSame(chatId, 'message.created', reply.id, posted.id);

    const other = await post('dana', chatId, { body: 'to be deleted', mentions: ['olivia'] });
    expect((await as('dana')('DELETE', `/v1/chats/${chatId}/messages/${other.id}`)).status).toBe(200);
    await expectSame(chatId, 'message.deleted', other.id);
    expect((await received('eli', chatId, 'message.deleted', other.id)).data.message).toMatchObject({
      body: '',
      mentions: [],
      attachments: [],
      deletedAt: expect.any(String),
    });

    // P3: messages deleted outright by leaving have nothing left to show.
    const gone = await post('dana', chatId, { body: 'bye' });
    await received('terry', chatId, 'message.created', gone.id);
    expect((await as('dana')('DELETE', `/v1/chats/${chatId}/participants/me`)).status).toBeLessThan(300);
    expect((await received('terry', chatId, 'message.deleted', gone.id)).data).toEqual({
      messageId: gone.id,
      message: null,
    });
  });
});
