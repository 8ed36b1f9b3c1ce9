import { AVATARS } from '@huddle/chat/src/domain/chat';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * Issue 3 through the real gateway and services on PostgreSQL and NATS: every
 * group-chat rule (G1-G9), deletes, Idempotency-Key, read markers (U1),
 * attachments and access (A1), each test naming the rule it proves.
 */

const practice = 'p-groups';
const otherPractice = 'p-elsewhere';

/** Olivia owns the practice; Terry and Pam are team members; Dana, Eli, Fay and Omar are clients. */
const people = {
  olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
  terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Tamsin', teamRole: 'member' },
  pam: { kind: 'practitioner', firstName: 'Pam', lastName: 'Pereira', teamRole: 'member' },
  dana: {
    kind: 'client',
    firstName: 'Dana',
    lastName: 'Quillfeather',
    photoUrl: 'https://img.example/dana-quill.png',
  },
  eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones', photoUrl: 'https://img.example/eli.png' },
  fay: { kind: 'client', firstName: 'Fay', lastName: 'Lopez' },
  omar: { kind: 'client', firstName: 'Omar', lastName: 'Haddad' },
} as const;
type Name = keyof typeof people;

/** Everything that would identify Dana: what a client in a hiding group must never receive. */
const danaTraces = ['dana', 'Dana', 'Quillfeather', 'dana-quill.png'];

let system: System;
const callers = new Map<string, ReturnType<typeof api>>();
const as = (name: Name | 'zed') => callers.get(name)!;

beforeAll(async () => {
  system = await startSystem('groups');
  for (const id of [practice, otherPractice]) {
    const directory = api(system.url, await system.serviceToken(id, 'directory:write'));
    expect(
      (await directory('PUT', `/v1/practices/${id}`, { name: `Clinic ${id}`, plan: 'team' })).status,
    ).toBe(201);
  }
  const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
  for (const [id, person] of Object.entries(people)) {
    expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    callers.set(id, api(system.url, await system.personToken(practice, id)));
  }
  const elsewhere = api(system.url, await system.serviceToken(otherPractice, 'directory:write'));
  expect(
    (
      await elsewhere('PUT', `/v1/practices/${otherPractice}/people/zed`, {
        kind: 'practitioner',
        firstName: 'Zed',
        lastName: 'Zimmer',
        teamRole: 'owner',
      })
    ).status,
  ).toBe(201);
  callers.set('zed', api(system.url, await system.personToken(otherPractice, 'zed')));
});

afterAll(async () => {
  await system?.stop();
});

interface GroupOptions {
  style?: 'feed' | 'direct';
  participantIds?: Name[];
  clientNaming?: 'full' | 'first_initial' | 'first';
  hideClientIdentities?: boolean;
  avatar?: string;
}

/** A group owned by Olivia. */
async function group(name: string, options: GroupOptions = {}) {
  const reply = await as('olivia')('POST', '/v1/chats', {
    name,
    style: options.style ?? 'feed',
    participantIds: options.participantIds ?? ['terry', 'dana', 'eli'],
    ...(options.clientNaming ? { clientNaming: options.clientNaming } : {}),
    ...(options.hideClientIdentities !== undefined
      ? { hideClientIdentities: options.hideClientIdentities }
      : {}),
    ...(options.avatar ? { avatar: options.avatar } : {}),
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; style: string };
}

async function post(
  who: Name,
  chatId: string,
  content: { body?: string; parentId?: string; mentions?: string[]; attachmentIds?: string[] } | string,
) {
  const reply = await as(who)(
    'POST',
    `/v1/chats/${chatId}/messages`,
    typeof content === 'string' ? { body: content } : content,
  );
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return reply.body as { id: string; seq: number; body: string };
}

const page = async (who: Name, chatId: string, query = '') =>
  (await as(who)('GET', `/v1/chats/${chatId}/messages${query}`)).body;

const bodies = (messages: Array<{ body: string }>) => messages.map((message) => message.body);

/** A refused request: a 4xx problem+json with the stable code. */
function expectProblem(reply: Reply, status: number, code: string) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  expect(reply.headers.get('content-type')).toContain('application/problem+json');
  expect(reply.body.code).toBe(code);
}

async function upload(who: Name | 'zed', file: { name: string; type: string; data: Uint8Array | string }) {
  const form = new FormData();
  form.append('file', new Blob([file.data], { type: file.type }), file.name);
  const token = await system.personToken(who === 'zed' ? otherPractice : practice, who);
  const response = await fetch(`${system.url}/v1/attachments`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, headers: response.headers, body: await response.json() } as Reply;
}

async function download(who: Name | 'zed', attachmentId: string) {
  const token = await system.personToken(who === 'zed' ? otherPractice : practice, who);
  return fetch(`${system.url}/v1/attachments/${attachmentId}`, {
    headers: { authorization: `Bearer ${token}` },
  });
}

describe('G1 create', () => {
  it("G1: GET /v1/chat-avatars serves the chat service's preset list", async () => {
    const reply = await as('dana')('GET', '/v1/chat-avatars');
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((avatar: { id: string }) => avatar.id)).toEqual([...AVATARS]);
  });

  it('G1: a practitioner creates a group with a preset avatar and its settings; an empty group is fine', async () => {
    const created = await as('olivia')('POST', '/v1/chats', {
      name: 'Sunrise walkers',
      avatar: 'sun',
      style: 'feed',
      clientNaming: 'first_initial',
      hideClientIdentities: true,
      participantIds: ['terry', 'dana'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      kind: 'group',
      name: 'Sunrise walkers',
      title: 'Sunrise walkers',
      avatar: 'sun',
      style: 'feed',
      clientNaming: 'first_initial',
      hideClientIdentities: true,
      locked: false,
      ownerId: 'olivia',
    });
    expect((await as('dana')('GET', `/v1/chats/${created.body.id}`)).status).toBe(200);

    const empty = await as('olivia')('POST', '/v1/chats', { name: 'Just me for now', style: 'direct' });
    expect(empty.status).toBe(201);
    expect(empty.body).toMatchObject({ name: 'Just me for now', avatar: AVATARS[0], ownerId: 'olivia' });
  });

  it('G1: an avatar outside the preset list is 400 and creates nothing', async () => {
    const before = (await as('olivia')('GET', '/v1/chats?limit=200')).body.items.length;
    const reply = await as('olivia')('POST', '/v1/chats', { name: 'Odd', avatar: 'unicorn', style: 'feed' });
    expectProblem(reply, 400, 'validation_failed');
    expect((await as('olivia')('GET', '/v1/chats?limit=200')).body.items.length).toBe(before);
  });
});

describe('G2 styles', () => {
  it('G2: feed pages list top-level posts newest first with replyCount and the latest 3 replies oldest first', async () => {
    const chat = await group('Feed walkers');
    const first = await post('olivia', chat.id, 'first post');
    const second = await post('dana', chat.id, 'second post');
    for (let n = 1; n <= 5; n++)
      await post(n % 2 ? 'eli' : 'terry', chat.id, { body: `r${n}`, parentId: first.id });

    const feed = await page('eli', chat.id);
    expect(bodies(feed.items)).toEqual(['second post', 'first post']);
    expect(feed.items[0]).toMatchObject({ id: second.id, replyCount: 0, latestReplies: [] });
    expect(feed.items[1].replyCount).toBe(5);
    expect(bodies(feed.items[1].latestReplies)).toEqual(['r3', 'r4', 'r5']);
    expect(feed.pinned).toEqual([]);
  });

  it('G2: the replies endpoint pages a thread oldest first with a cursor', async () => {
    const chat = await group('Thread walkers');
    const root = await post('olivia', chat.id, 'root');
    for (let n = 1; n <= 5; n++) await post('dana', chat.id, { body: `r${n}`, parentId: root.id });
    const seen: string[] = [];
    let cursor: string | null = '';
    let pages = 0;
    while (cursor !== null) {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const reply = await as('eli')('GET', `/v1/chats/${chat.id}/messages/${root.id}/replies${query}`);
      expect(reply.status).toBe(200);
      seen.push(...bodies(reply.body.items));
      cursor = reply.body.nextCursor;
      pages += 1;
    }
    expect(seen).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(pages).toBe(3);
  });

  it('G2: a reply to a reply is 400 and posts nothing', async () => {
    const chat = await group('One level walkers');
    const root = await post('olivia', chat.id, 'root');
    const reply = await post('dana', chat.id, { body: 'reply', parentId: root.id });
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: 'deeper', parentId: reply.id }),
      400,
      'validation_failed',
    );
    const thread = await as('dana')('GET', `/v1/chats/${chat.id}/messages/${root.id}/replies`);
    expect(bodies(thread.body.items)).toEqual(['reply']);
  });

  it('G2: direct-style groups list every message newest first and have no threads', async () => {
    const chat = await group('Classic chat', { style: 'direct' });
    for (const body of ['one', 'two', 'three']) await post('dana', chat.id, body);
    const listed = await page('eli', chat.id);
    expect(bodies(listed.items)).toEqual(['three', 'two', 'one']);
    expect(listed.pinned).toEqual([]);
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: 'x', parentId: listed.items[0].id }),
      409,
      'not_supported_in_style',
    );
  });

  it('G2: switching style keeps every message and shows it in the new style', async () => {
    const chat = await group('Switching walkers');
    const root = await post('olivia', chat.id, 'post A');
    await post('dana', chat.id, { body: 'reply A1', parentId: root.id });
    await post('eli', chat.id, 'post B');

    const toDirect = await as('olivia')('PATCH', `/v1/chats/${chat.id}`, { style: 'direct' });
    expect(toDirect.status).toBe(200);
    expect(bodies((await page('dana', chat.id)).items)).toEqual(['post B', 'reply A1', 'post A']);

    expect((await as('olivia')('PATCH', `/v1/chats/${chat.id}`, { style: 'feed' })).status).toBe(200);
    const feed = await page('dana', chat.id);
    expect(bodies(feed.items)).toEqual(['post B', 'post A']);
    expect(feed.items[1]).toMatchObject({ replyCount: 1, latestReplies: [{ body: 'reply A1' }] });
  });
});

describe('G3 edit group', () => {
  it('G3: the owner changes name, avatar, style, client naming and identity hiding', async () => {
    const chat = await group('Before');
    const changed = await as('olivia')('PATCH', `/v1/chats/${chat.id}`, {
      name: 'After',
      avatar: 'moon',
      style: 'direct',
      clientNaming: 'first',
      hideClientIdentities: true,
    });
    expect(changed.status).toBe(200);
    const expected = {
      name: 'After',
      title: 'After',
      avatar: 'moon',
      style: 'direct',
      clientNaming: 'first',
      hideClientIdentities: true,
    };
    expect(changed.body).toMatchObject(expected);
    expect((await as('dana')('GET', `/v1/chats/${chat.id}`)).body).toMatchObject(expected);
  });

  it('G3: a team member or client who is not the owner gets 403 not_chat_owner and nothing changes', async () => {
    const chat = await group('Owned');
    for (const who of ['terry', 'dana'] as const) {
      expectProblem(
        await as(who)('PATCH', `/v1/chats/${chat.id}`, { name: 'Mine now' }),
        403,
        'not_chat_owner',
      );
    }
    expect((await as('dana')('GET', `/v1/chats/${chat.id}`)).body.name).toBe('Owned');
  });

  it('G3: bad settings are 400 and change nothing', async () => {
    const chat = await group('Settled');
    for (const body of [
      {},
      { avatar: 'unicorn' },
      { name: '' },
      { style: 'sideways' },
      { name: 'x', extra: 1 },
    ]) {
      expectProblem(await as('olivia')('PATCH', `/v1/chats/${chat.id}`, body), 400, 'validation_failed');
    }
    expect((await as('olivia')('GET', `/v1/chats/${chat.id}`)).body).toMatchObject({
      name: 'Settled',
      style: 'feed',
      avatar: AVATARS[0],
    });
  });
});

describe('G4 client naming', () => {
  it('G4: other clients see a client as full, first_initial or first; practitioners always see full names', async () => {
    const chat = await group('Naming walkers', { clientNaming: 'full' });
    await post('dana', chat.id, 'hello from a client');
    const authorAs = async (who: Name) => (await page(who, chat.id)).items[0].author;

    for (const [clientNaming, name] of [
      ['full', 'Dana Quillfeather'],
      ['first_initial', 'Dana Q.'],
      ['first', 'Dana'],
    ] as const) {
      expect((await as('olivia')('PATCH', `/v1/chats/${chat.id}`, { clientNaming })).status).toBe(200);
      expect(await authorAs('eli')).toEqual({
        id: 'dana',
        name,
        photoUrl: 'https://img.example/dana-quill.png',
        kind: 'client',
      });
      for (const who of ['olivia', 'terry', 'dana'] as const) {
        expect((await authorAs(who)).name).toBe('Dana Quillfeather');
      }
    }
  });
});

describe('G5 hidden identities', () => {
  it("G5: a client never receives a hidden client's id, name or photo: messages, mentions, threads, pins, chat list, sockets", async () => {
    const chat = await group('Hidden walkers', {
      hideClientIdentities: true,
      participantIds: ['terry', 'dana', 'eli'],
    });
    const eliStream = await openStream(system.url, await system.personToken(practice, 'eli'));
    try {
      await eliStream.next((event) => event.type === 'stream.ready');
      const root = await post('dana', chat.id, { body: 'my first post', mentions: ['terry'] });
      await post('olivia', chat.id, { body: 'welcome both', mentions: ['dana', 'eli'] });
      await post('dana', chat.id, { body: 'thanks!', parentId: root.id, mentions: ['olivia'] });
      expect((await as('terry')('PUT', `/v1/chats/${chat.id}/pins/${root.id}`)).status).toBe(200);
      const edited = await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${root.id}`, {
        body: 'my first post, edited',
        attachmentIds: [],
      });
      expect(edited.status).toBe(200);
      const socketEvents = await Promise.all([
        ...['my first post', 'welcome both', 'thanks!'].map((body) =>
          eliStream.next((event) => event.type === 'message.created' && event.data.body === body),
        ),
        eliStream.next((event) => event.type === 'message.updated' && event.data.id === root.id),
        eliStream.next((event) => event.type === 'message.pinned' && event.data.messageId === root.id),
      ]);

      const seenByEli = [
        await as('eli')('GET', `/v1/chats/${chat.id}/messages`),
        await as('eli')('GET', `/v1/chats/${chat.id}/messages/${root.id}/replies`),
        await as('eli')('GET', '/v1/chats?limit=200'),
        await as('eli')('GET', `/v1/chats/${chat.id}`),
      ];
      for (const reply of seenByEli) expect(reply.status).toBe(200);
      const received: Array<[string, unknown]> = [
        ['feed', seenByEli[0]!.body],
        ['thread', seenByEli[1]!.body],
        // Eli's other chats may show Dana by design (no hiding there): only this chat's item counts.
        ['chat list item', seenByEli[2]!.body.items.find((item: { id: string }) => item.id === chat.id)],
        ['chat', seenByEli[3]!.body],
        ['socket events', socketEvents],
      ];
      for (const [what, json] of received) {
        for (const trace of danaTraces) expect(JSON.stringify(json), what).not.toContain(trace);
      }

      const pseudonym = {
        id: null,
        name: expect.stringMatching(/^Client \d+$/),
        photoUrl: null,
        kind: 'client',
      };
      const [feed, thread, list] = seenByEli.map((reply) => reply.body);
      const danaAs = feed.pinned[0].author;
      expect(danaAs).toEqual(pseudonym);
      expect(feed.items.find((m: { body: string }) => m.body === 'welcome both').mentions).toEqual([
        danaAs,
        expect.objectContaining({ id: 'eli', name: 'Eli Jones' }),
      ]);
      expect(thread.items[0].author).toEqual(danaAs);
      expect(feed.pinned[0].latestReplies[0].author).toEqual(danaAs);
      expect(socketEvents[0]!.data.author).toEqual(danaAs);
      expect(socketEvents[3]!.data).toMatchObject({ body: 'my first post, edited', author: danaAs });
      const listed = list.items.find((item: { id: string }) => item.id === chat.id);
      expect(listed.lastMessage).toMatchObject({ body: 'thanks!', author: danaAs });
      expect(feed.pinned[0]).toMatchObject({ body: 'my first post, edited', editedAt: expect.any(String) });
      // Team members are always shown in full.
      expect(feed.pinned[0].mentions).toEqual([
        expect.objectContaining({ id: 'terry', name: 'Terry Tamsin' }),
      ]);

      // Practitioners always see everyone in full.
      const olivias = await page('olivia', chat.id);
      expect(olivias.pinned[0].author).toEqual({
        id: 'dana',
        name: 'Dana Quillfeather',
        photoUrl: 'https://img.example/dana-quill.png',
        kind: 'client',
      });
    } finally {
      eliStream.close();
    }
  });
});

describe('G6 lock', () => {
  it('G6: in a locked group only the owner posts, replies and edits; everyone reads; unlock restores posting', async () => {
    const chat = await group('Lockable');
    const root = await post('dana', chat.id, 'before the lock');
    expect((await as('olivia')('PATCH', `/v1/chats/${chat.id}`, { locked: true })).body.locked).toBe(true);

    for (const who of ['terry', 'dana'] as const) {
      expectProblem(
        await as(who)('POST', `/v1/chats/${chat.id}/messages`, { body: 'may I?' }),
        403,
        'chat_locked',
      );
      expectProblem(
        await as(who)('POST', `/v1/chats/${chat.id}/messages`, { body: 'a reply?', parentId: root.id }),
        403,
        'chat_locked',
      );
    }
    expectProblem(
      await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${root.id}`, { body: 'edited?' }),
      403,
      'chat_locked',
    );
    await post('olivia', chat.id, 'owner speaks');
    await post('olivia', chat.id, { body: 'owner replies', parentId: root.id });
    expect(bodies((await page('dana', chat.id)).items)).toEqual(['owner speaks', 'before the lock']);

    expect((await as('olivia')('PATCH', `/v1/chats/${chat.id}`, { locked: false })).body.locked).toBe(false);
    await post('dana', chat.id, 'unlocked again');
  });
});

describe('G7 pins', () => {
  it('G7: team members pin and unpin top-level feed posts; pinned posts come apart on the first page', async () => {
    const chat = await group('Pinboard');
    const a = await post('dana', chat.id, 'post a');
    await post('eli', chat.id, 'post b');
    await post('terry', chat.id, 'post c');
    const pinned = await as('terry')('PUT', `/v1/chats/${chat.id}/pins/${a.id}`);
    expect(pinned.status).toBe(200);
    expect(pinned.body).toMatchObject({ id: a.id, pinned: true });
    // Pinned posts sit above the rest, on the first page only, and are not repeated below.
    const feed = await page('eli', chat.id, '?limit=1');
    expect(bodies(feed.pinned)).toEqual(['post a']);
    expect(bodies(feed.items)).toEqual(['post c']);
    const next = await page('eli', chat.id, `?limit=1&cursor=${feed.nextCursor}`);
    expect(next).toMatchObject({ items: [{ body: 'post b' }], pinned: [], nextCursor: null });

    const unpinned = await as('olivia')('DELETE', `/v1/chats/${chat.id}/pins/${a.id}`);
    expect(unpinned.body).toMatchObject({ id: a.id, pinned: false });
    expect((await page('eli', chat.id)).pinned).toEqual([]);
  });

  it('G7: clients get 403, replies 400, the 11th pin 409 pin_limit_reached, direct style 409', async () => {
    const chat = await group('Pin limits');
    const posts = [];
    for (let n = 1; n <= 11; n++) posts.push(await post('olivia', chat.id, `p${n}`));
    const reply = await post('dana', chat.id, { body: 'a reply', parentId: posts[0]!.id });

    expectProblem(await as('dana')('PUT', `/v1/chats/${chat.id}/pins/${posts[0]!.id}`), 403, 'forbidden');
    expectProblem(
      await as('terry')('PUT', `/v1/chats/${chat.id}/pins/${reply.id}`),
      400,
      'validation_failed',
    );
    for (const target of posts.slice(0, 10)) {
      expect((await as('terry')('PUT', `/v1/chats/${chat.id}/pins/${target.id}`)).status).toBe(200);
    }
    expectProblem(
      await as('terry')('PUT', `/v1/chats/${chat.id}/pins/${posts[10]!.id}`),
      409,
      'pin_limit_reached',
    );
    const feed = await page('dana', chat.id);
    expect(feed.pinned).toHaveLength(10);
    expect(feed.pinned.map((m: { id: string }) => m.id)).not.toContain(posts[10]!.id);

    const direct = await group('No pins here', { style: 'direct' });
    const message = await post('olivia', direct.id, 'plain');
    expectProblem(
      await as('olivia')('PUT', `/v1/chats/${direct.id}/pins/${message.id}`),
      409,
      'not_supported_in_style',
    );
  });
});

describe('G8 edit', () => {
  it('G8: the author edits in a feed chat; editedAt shows it; team members read every revision', async () => {
    const chat = await group('Editable');
    const original = await post('dana', chat.id, 'first draft');
    const once = await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${original.id}`, {
      body: 'second draft',
    });
    expect(once.status).toBe(200);
    expect(once.body).toMatchObject({ id: original.id, body: 'second draft', editedAt: expect.any(String) });
    await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${original.id}`, { body: 'final' });
    expect((await page('eli', chat.id)).items[0]).toMatchObject({
      body: 'final',
      editedAt: expect.any(String),
    });

    for (const who of ['olivia', 'terry'] as const) {
      const revisions = await as(who)('GET', `/v1/chats/${chat.id}/messages/${original.id}/revisions`);
      expect(revisions.status).toBe(200);
      expect(revisions.body.items).toEqual([
        expect.objectContaining({ body: 'first draft', attachmentIds: [], replacedAt: expect.any(String) }),
        expect.objectContaining({ body: 'second draft' }),
      ]);
    }
  });

  it('G8: clients cannot read revisions, a non-author cannot edit, direct style answers 409', async () => {
    const chat = await group('Guarded edits');
    const message = await post('dana', chat.id, 'mine');
    expectProblem(
      await as('dana')('GET', `/v1/chats/${chat.id}/messages/${message.id}/revisions`),
      403,
      'forbidden',
    );
    for (const who of ['eli', 'olivia'] as const) {
      expectProblem(
        await as(who)('PATCH', `/v1/chats/${chat.id}/messages/${message.id}`, { body: 'not yours' }),
        403,
        'forbidden',
      );
    }
    expect((await page('dana', chat.id)).items[0]).toMatchObject({ body: 'mine', editedAt: null });

    const direct = await group('No edits here', { style: 'direct' });
    const plain = await post('dana', direct.id, 'as sent');
    expectProblem(
      await as('dana')('PATCH', `/v1/chats/${direct.id}/messages/${plain.id}`, { body: 'changed' }),
      409,
      'not_supported_in_style',
    );
    expect((await page('dana', direct.id)).items[0].body).toBe('as sent');
  });
});

describe('G9 mentions', () => {
  it('G9: mentions name current participants; anyone else is 400 and nothing is posted', async () => {
    const chat = await group('Mentions');
    const ok = await post('dana', chat.id, { body: 'hi both', mentions: ['eli', 'terry'] });
    expect(ok).toMatchObject({ mentions: [{ id: 'eli' }, { id: 'terry' }] });
    for (const mentions of [['omar'], ['pam'], ['nobody-at-all']]) {
      expectProblem(
        await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: 'hey', mentions }),
        400,
        'validation_failed',
      );
    }
    expect(bodies((await page('dana', chat.id)).items)).toEqual(['hi both']);
  });

  it('G9: a client in an identity-hiding group may mention team members only', async () => {
    const chat = await group('Hidden mentions', { hideClientIdentities: true });
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: 'hey you', mentions: ['eli'] }),
      400,
      'validation_failed',
    );
    await post('dana', chat.id, { body: 'hey team', mentions: ['terry', 'olivia'] });
    // Practitioners may still mention clients.
    await post('olivia', chat.id, { body: 'hey Dana', mentions: ['dana'] });
    expect(bodies((await page('dana', chat.id)).items)).toEqual(['hey Dana', 'hey team']);
  });
});

describe('deleting messages', () => {
  it('delete: the author, or the owner as moderator, deletes; the tombstone keeps the thread shape', async () => {
    const chat = await group('Tombstones');
    const root = await post('dana', chat.id, 'root post');
    const reply = await post('eli', chat.id, { body: 'a reply', parentId: root.id });

    const byAuthor = await as('dana')('DELETE', `/v1/chats/${chat.id}/messages/${root.id}`);
    expect(byAuthor.status).toBe(200);
    expect(byAuthor.body).toMatchObject({
      id: root.id,
      body: '',
      mentions: [],
      deletedAt: expect.any(String),
    });
    const feed = await page('eli', chat.id);
    expect(feed.items[0]).toMatchObject({
      id: root.id,
      body: '',
      deletedAt: expect.any(String),
      replyCount: 1,
      latestReplies: [{ id: reply.id, body: 'a reply' }],
    });

    const byOwner = await as('olivia')('DELETE', `/v1/chats/${chat.id}/messages/${reply.id}`);
    expect(byOwner.status).toBe(200);
    const thread = await as('dana')('GET', `/v1/chats/${chat.id}/messages/${root.id}/replies`);
    expect(thread.body.items).toEqual([
      expect.objectContaining({ id: reply.id, body: '', deletedAt: expect.any(String) }),
    ]);
  });

  it('delete: anyone but the author or the owner gets 403 and the message stays', async () => {
    const chat = await group('Keep mine');
    const message = await post('dana', chat.id, 'still here');
    for (const who of ['eli', 'terry'] as const) {
      expectProblem(await as(who)('DELETE', `/v1/chats/${chat.id}/messages/${message.id}`), 403, 'forbidden');
    }
    expect((await page('dana', chat.id)).items[0]).toMatchObject({ body: 'still here', deletedAt: null });
  });
});

describe('Idempotency-Key', () => {
  it('Idempotency-Key: the same key and body return the same message (200); another body is 422', async () => {
    const chat = await group('Retries');
    const path = `/v1/chats/${chat.id}/messages`;
    const key = { 'idempotency-key': 'retry-1' };
    const first = await as('dana')('POST', path, { body: 'once only' }, key);
    expect(first.status).toBe(201);
    const again = await as('dana')('POST', path, { body: 'once only' }, key);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: first.body.id, seq: first.body.seq });
    expectProblem(
      await as('dana')('POST', path, { body: 'something else' }, key),
      422,
      'idempotency_key_reused',
    );
    expect(bodies((await page('dana', chat.id)).items)).toEqual(['once only']);
  });
});

describe('U1 read markers', () => {
  it("U1: the chat list counts unread messages; PUT read {seq} clears them, {unread: true} brings one back; own posts don't count", async () => {
    const chat = await group('Unread walkers', { avatar: 'heart' });
    const listed = async (who: Name) =>
      (await as(who)('GET', '/v1/chats?limit=200')).body.items.find(
        (item: { id: string }) => item.id === chat.id,
      );

    await post('olivia', chat.id, 'one');
    const last = await post('olivia', chat.id, 'two');
    expect(await listed('olivia')).toMatchObject({
      unreadCount: 0,
      kind: 'group',
      title: 'Unread walkers',
      avatar: 'heart',
    });
    const danas = await listed('dana');
    expect(danas).toMatchObject({ unreadCount: 2, lastMessage: { id: last.id, seq: last.seq, body: 'two' } });

    const read = await as('dana')('PUT', `/v1/chats/${chat.id}/read`, { seq: last.seq });
    expect(read.body).toEqual({ readSeq: last.seq, unreadCount: 0 });
    expect((await listed('dana')).unreadCount).toBe(0);

    const unread = await as('dana')('PUT', `/v1/chats/${chat.id}/read`, { unread: true });
    expect(unread.status).toBe(200);
    expect(unread.body.unreadCount).toBeGreaterThanOrEqual(1);
    expect((await listed('dana')).unreadCount).toBeGreaterThanOrEqual(1);

    await post('dana', chat.id, 'my own post');
    expect((await listed('dana')).unreadCount).toBe(0);
  });

  it('U1: a bad read marker is 400 and moves nothing', async () => {
    const chat = await group('Markers');
    await post('olivia', chat.id, 'unread');
    for (const body of [{}, { seq: -1 }, { seq: '1' }, { unread: false }, { seq: 1, unread: true }]) {
      expectProblem(await as('dana')('PUT', `/v1/chats/${chat.id}/read`, body), 400, 'validation_failed');
    }
    const item = (await as('dana')('GET', '/v1/chats?limit=200')).body.items.find(
      (entry: { id: string }) => entry.id === chat.id,
    );
    expect(item.unreadCount).toBe(1);
  });

  it('U1/S6: the chat list pages with a cursor and titles direct chats by the other side', async () => {
    const seen = new Set<string>();
    let cursor: string | null = '';
    while (cursor !== null) {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const reply = await as('eli')('GET', `/v1/chats${query}`);
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(3);
      for (const item of reply.body.items) seen.add(item.id);
      cursor = reply.body.nextCursor;
    }
    expect(seen.size).toBeGreaterThan(3);
    expectProblem(await as('eli')('GET', '/v1/chats?limit=0'), 400, 'validation_failed');
    expectProblem(await as('eli')('GET', '/v1/chats?limit=201'), 400, 'validation_failed');
  });
});

describe('attachments', () => {
  const pdf = { name: 'plan.pdf', type: 'application/pdf', data: '%PDF-1.4 meal plan' };

  it('attachments: upload, reference in a post, download by participants with safe headers', async () => {
    const chat = await group('Files');
    const uploaded = await upload('dana', pdf);
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toEqual({
      id: expect.any(String),
      filename: 'plan.pdf',
      contentType: 'application/pdf',
      size: pdf.data.length,
      createdAt: expect.any(String),
    });
    const message = await post('dana', chat.id, { attachmentIds: [uploaded.body.id] });
    expect(message).toMatchObject({
      body: '',
      attachments: [
        {
          id: uploaded.body.id,
          filename: 'plan.pdf',
          contentType: 'application/pdf',
          size: pdf.data.length,
          url: `/v1/attachments/${uploaded.body.id}`,
        },
      ],
    });
    expect((await page('eli', chat.id)).items[0].attachments[0].url).toBe(
      `/v1/attachments/${uploaded.body.id}`,
    );

    const response = await download('eli', uploaded.body.id);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(pdf.data);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(pdf.data.length));
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="plan\.pdf"/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('private, no-store');

    // G8: editing the body alone keeps the files; giving attachmentIds replaces them.
    const edited = await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${message.id}`, {
      body: 'The plan',
    });
    expect(edited.status).toBe(200);
    expect(edited.body.attachments.map((a: { id: string }) => a.id)).toEqual([uploaded.body.id]);
    const cleared = await as('dana')('PATCH', `/v1/chats/${chat.id}/messages/${message.id}`, {
      body: 'The plan',
      attachmentIds: [],
    });
    expect(cleared.body.attachments).toEqual([]);
  });

  it('attachments (A1): the uploader downloads before referencing; non-participants and other practices get 404', async () => {
    const chat = await group('Private files', { participantIds: ['dana'] });
    const uploaded = await upload('dana', pdf);
    expect((await download('dana', uploaded.body.id)).status).toBe(200);
    expect((await download('eli', uploaded.body.id)).status).toBe(404);
    await post('dana', chat.id, { body: 'my plan', attachmentIds: [uploaded.body.id] });
    expect((await download('olivia', uploaded.body.id)).status).toBe(200);
    for (const who of ['eli', 'omar', 'zed'] as const) {
      const response = await download(who, uploaded.body.id);
      expect(response.status, who).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe('not_found');
    }
    // Someone else's file cannot be attached either.
    expectProblem(
      await as('olivia')('POST', `/v1/chats/${chat.id}/messages`, {
        body: 'mine?',
        attachmentIds: [uploaded.body.id],
      }),
      400,
      'validation_failed',
    );
  });

  it('attachments: an unsupported type is 415, an oversize file 413, an empty post without files 400', async () => {
    const exe = await upload('dana', { name: 'run.exe', type: 'application/x-msdownload', data: 'MZ' });
    expectProblem(exe, 415, 'unsupported_media_type');
    const huge = await upload('dana', {
      name: 'big.pdf',
      type: 'application/pdf',
      data: new Uint8Array(10 * 1024 * 1024 + 1),
    });
    expectProblem(huge, 413, 'payload_too_large');
    const chat = await group('Empty posts');
    expectProblem(
      await as('dana')('POST', `/v1/chats/${chat.id}/messages`, { body: '' }),
      400,
      'validation_failed',
    );
    expectProblem(await as('dana')('POST', `/v1/chats/${chat.id}/messages`, {}), 400, 'validation_failed');
    expect((await page('dana', chat.id)).items).toEqual([]);
  });

  it('attachments: an upload refused part way does not hang the next request on its connection (found by fuzzing)', async () => {
    const token = await system.personToken(practice, 'dana');
    const boundary = 'refusedpartway';
    const part = `--${boundary}\r\nContent-Disposition: form-data; name="wrong"; filename="a.txt"\r\n\r\n${'a'.repeat(70_000)}\r\n`;
    // One connection, kept alive: the second request follows the first on the same socket.
    const connection = new Client(system.url, { headersTimeout: 5_000, pipelining: 1 });
    try {
      const refused = await connection.request({
        method: 'POST',
        path: '/v1/attachments',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        body: `${part}${part}--${boundary}--\r\n`,
      });
      expect(refused.statusCode).toBe(400);
      await refused.body.text();
      const next = await connection.request({ method: 'GET', path: '/healthz' });
      expect(next.statusCode).toBe(200);
      await next.body.text();
    } finally {
      await connection.close();
    }
  });
});

describe('A1 access', () => {
  it('A1: a non-participant gets 404 not_found on every chat route and changes nothing', async () => {
    const chat = await group('Members only');
    const message = await post('dana', chat.id, 'private');
    const base = `/v1/chats/${chat.id}`;
    const routes: Array<[string, string, unknown?]> = [
      ['GET', base],
      ['PATCH', base, { name: 'taken over' }],
      ['GET', `${base}/messages`],
      ['POST', `${base}/messages`, { body: 'let me in' }],
      ['GET', `${base}/messages/${message.id}/replies`],
      ['PATCH', `${base}/messages/${message.id}`, { body: 'changed' }],
      ['GET', `${base}/messages/${message.id}/revisions`],
      ['DELETE', `${base}/messages/${message.id}`],
      ['PUT', `${base}/pins/${message.id}`],
      ['DELETE', `${base}/pins/${message.id}`],
      ['PUT', `${base}/read`, { seq: 1 }],
    ];
    for (const who of ['omar', 'pam', 'zed'] as const) {
      for (const [method, path, body] of routes) {
        const reply = await as(who)(method, path, body);
        expect(reply.status, `${who} ${method} ${path}`).toBe(404);
        expect(reply.body.code).toBe('not_found');
      }
      const list = await as(who)('GET', '/v1/chats?limit=200');
      expect(list.body.items.map((item: { id: string }) => item.id)).not.toContain(chat.id);
    }
    const after = await page('dana', chat.id);
    expect(after.items).toEqual([
      expect.objectContaining({ id: message.id, body: 'private', deletedAt: null }),
    ]);
    expect((await as('dana')('GET', base)).body.name).toBe('Members only');
  });
});
