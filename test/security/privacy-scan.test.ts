import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, openStream, type Reply, type Socket, sleep } from '../support/http';
import { startMailServer } from '../support/mail';
import { type System, startSystem } from '../support/system';
import { loadOperations } from './fuzzing/openapi';

/**
 * G5 and P2 as a scan: a client of an identity-hiding group does everything a
 * client can do, while the other clients post, reply, react, mention, type,
 * edit, upload, join and leave; every byte the client receives — REST bodies
 * and headers, socket events, inbox items, the webhooks and emails about them,
 * error messages — is searched for the other clients' names, photo URLs and
 * person ids. The same for an author a removal unlinked (P2), from the moment
 * of the removal. Probes with another client's id must answer exactly as
 * probes with an id nobody has (A1: errors never reveal who is in the chat).
 */

const practice = 'p-privacy';
/** Distinctive markers: none of these words appears anywhere by chance. */
const people = {
  'pv-owner': { kind: 'practitioner', firstName: 'Orla', lastName: 'Ownerly', teamRole: 'owner' },
  'pv-team': { kind: 'practitioner', firstName: 'Tomas', lastName: 'Teamwright', teamRole: 'member' },
  'pv-viewer': { kind: 'client', firstName: 'Vera', lastName: 'Viewer', email: 'vera.viewer@example.test' },
  'pv-bravo-x7q': {
    kind: 'client',
    firstName: 'Quillon',
    lastName: 'Marrowbrook',
    photoUrl: 'https://photos.example/bravo-portrait.png',
    email: 'quillon@example.test',
  },
  'pv-charlie-k2z': {
    kind: 'client',
    firstName: 'Zephyrine',
    lastName: 'Thistlewood',
    photoUrl: 'https://photos.example/charlie-portrait.png',
  },
  'pv-echo-m4w': {
    kind: 'client',
    firstName: 'Ignatius',
    lastName: 'Fernsworth',
    photoUrl: 'https://photos.example/echo-portrait.png',
  },
  'pv-delta-r9t': {
    kind: 'client',
    firstName: 'Brisbane',
    lastName: 'Kettleworth',
    photoUrl: 'https://photos.example/delta-portrait.png',
  },
};
type Name = keyof typeof people;
/** The other clients of the identity-hiding group, whom the viewer must never see. */
const hidden: Name[] = ['pv-bravo-x7q', 'pv-charlie-k2z', 'pv-echo-m4w'];
/** The author a removal with `keep` unlinks (P2), in a group that does not hide identities. */
const unlinked: Name = 'pv-delta-r9t';
/** Each scenario's ceiling: dozens of requests and event waits, slow on a busy machine. */
const TIMEOUT_MS = 180_000;

const markersOf = (id: Name) => {
  const person = people[id] as { firstName: string; lastName: string; photoUrl?: string; email?: string };
  return [id, person.firstName, person.lastName, person.photoUrl, person.email]
    .filter((marker): marker is string => Boolean(marker))
    .map((marker) => marker.toLowerCase());
};

interface Capture {
  where: string;
  text: string;
}

/** How much each scan read, by what it came through: the figures of docs/reliability.md. */
const scanned: Record<string, number> = {};

/** Every marker of `who` found in the captures, as findings. */
function scan(captures: Capture[], who: Name[]): string[] {
  const findings: string[] = [];
  for (const capture of captures) {
    const channel = capture.where.split(' ')[0] as string;
    const kind = /^(socket|webhook|email|owner)$/.test(channel) ? channel : 'rest';
    scanned[kind] = (scanned[kind] ?? 0) + 1;
  }
  scanned.findings = scanned.findings ?? 0;
  for (const capture of captures) {
    const text = capture.text.toLowerCase();
    for (const id of who) {
      for (const marker of markersOf(id)) {
        if (text.includes(marker)) findings.push(`${capture.where}: shows ${marker}`);
      }
    }
  }
  scanned.findings += findings.length;
  return findings;
}

async function startReceiver() {
  const hooks: Array<{ body: any; raw: string }> = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      hooks.push({ raw, body: JSON.parse(raw) });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hooks, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Calls every GET operation of the document as the viewer, once per
 * combination of the ids it knows (path parameters) with a plain value for each
 * required query parameter; returns how many calls it made.
 */
async function readEverything(
  baseUrl: string,
  call: (method: string, path: string) => Promise<Reply>,
  ids: Record<string, string[]>,
): Promise<number> {
  let calls = 0;
  for (const operation of await loadOperations(baseUrl)) {
    if (operation.method !== 'GET' || !operation.path.startsWith('/v1/')) continue;
    let paths = [operation.path];
    for (const parameter of operation.parameters.filter((parameter) => parameter.in === 'path')) {
      const values = ids[parameter.name] ?? ['unknown-id'];
      paths = paths.flatMap((path) =>
        values.map((value) => path.replace(`{${parameter.name}}`, encodeURIComponent(value))),
      );
    }
    const query = operation.parameters
      .filter((parameter) => parameter.in === 'query' && parameter.required)
      .map((parameter) => `${parameter.name}=${parameter.schema.type === 'integer' ? 1 : 'week'}`)
      .join('&');
    for (const path of paths) {
      await call('GET', query ? `${path}?${query}` : path);
      calls += 1;
    }
  }
  return calls;
}

describe('Privacy scan: G5 identity hiding and P2 unlinked authors, in everything a client receives', () => {
  let system: System;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let mail: Awaited<ReturnType<typeof startMailServer>>;
  /** What the viewer received over REST, by phase: before and after the P2 removal. */
  const received: Array<Capture & { afterRemoval: boolean }> = [];
  let afterRemoval = false;
  let viewerStream: Socket;
  let eventsBeforeRemoval = 0;
  let hiding: string;
  let normal: string;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));

  /** The viewer's client: every answer is kept for the scan, headers included. */
  const viewer = async () => {
    const call = await as('pv-viewer');
    return async (method: string, path: string, body?: unknown): Promise<Reply> => {
      const reply = await call(method, path, body);
      received.push({
        where: `${method} ${path} → ${reply.status}`,
        text: `${JSON.stringify(reply.body)} ${JSON.stringify([...reply.headers])}`,
        afterRemoval,
      });
      return reply;
    };
  };

  const must = async (reply: Promise<Reply>, status = 201) => {
    const answer = await reply;
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    return answer.body;
  };

  async function untilMember(who: Name, chatId: string) {
    const caller = await as(who);
    for (let attempt = 0; (await caller('GET', `/v1/chats/${chatId}/messages`)).status !== 200; attempt++) {
      if (attempt > 100) throw new Error(`${who} never became a member`);
      await sleep(100);
    }
  }

  async function upload(who: Name, name: string) {
    const form = new FormData();
    form.append('file', new Blob(['a meal plan'], { type: 'text/plain' }), name);
    const response = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.personToken(practice, who)}` },
      body: form,
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    mail = await startMailServer();
    system = await startSystem('privacy', {
      notification: {
        OUTBOUND_POLL_MS: '25',
        SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
        EMAIL_FROM: 'Huddle <huddle@example.test>',
        EMAIL_WINDOW_MS: '300',
      },
      gateway: { RATE_LIMIT_PER_MINUTE: '100000' },
    });
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    await must(directory('PUT', `/v1/practices/${practice}`, { name: 'Privacy', plan: 'team' }));
    for (const [id, person] of Object.entries(people)) {
      await must(directory('PUT', `/v1/practices/${practice}/people/${id}`, person));
    }
    // Outbound channels on, with content: the most a webhook or an email could ever carry.
    await must(
      directory('PUT', `/v1/practices/${practice}/notification-settings`, {
        webhookUrl: `${receiver.url}/hook`,
        webhookSecret: 'privacy-scan-webhook-secret',
        emailEnabled: true,
        includeContent: true,
      }),
      200,
    );
    const owner = await as('pv-owner');
    hiding = (
      await must(
        owner('POST', '/v1/chats', {
          name: 'Quiet circle',
          style: 'feed',
          clientNaming: 'full',
          hideClientIdentities: true,
          participantIds: ['pv-team', 'pv-viewer', 'pv-bravo-x7q', 'pv-charlie-k2z'],
        }),
      )
    ).id;
    normal = (
      await must(
        owner('POST', '/v1/chats', {
          name: 'Open circle',
          style: 'feed',
          participantIds: ['pv-viewer', unlinked],
        }),
      )
    ).id;
    for (const who of ['pv-viewer', 'pv-bravo-x7q', 'pv-charlie-k2z', 'pv-team'] as Name[]) {
      await untilMember(who, hiding);
    }
    await untilMember(unlinked, normal);
    viewerStream = await openStream(system.url, await system.personToken(practice, 'pv-viewer'));
    await viewerStream.next((event) => event.type === 'stream.ready');
  });

  afterAll(async () => {
    writeFileSync(join(tmpdir(), 'huddle-privacy-summary.json'), JSON.stringify(scanned, null, 2));
    viewerStream?.close();
    await system?.stop();
    await receiver?.stop();
    await mail?.stop();
  }, TIMEOUT_MS);

  it(
    'G5: nothing the viewer receives in an identity-hiding group names, shows or identifies another client',
    async () => {
      const me = await viewer();
      const owner = await as('pv-owner');
      const team = await as('pv-team');
      const bravo = await as('pv-bravo-x7q');
      const charlie = await as('pv-charlie-k2z');
      const bravoStream = await openStream(system.url, await system.personToken(practice, 'pv-bravo-x7q'));
      await bravoStream.next((event) => event.type === 'stream.ready');

      // The other clients and the team act in the chat.
      const file = await upload('pv-bravo-x7q', 'meal-plan.txt');
      const bravoPost = await must(
        bravo('POST', `/v1/chats/${hiding}/messages`, {
          body: 'Week one went well',
          attachmentIds: [file],
          mentions: ['pv-team'],
        }),
      );
      const charliePost = await must(charlie('POST', `/v1/chats/${hiding}/messages`, { body: 'Same here' }));
      const mine = await must(me('POST', `/v1/chats/${hiding}/messages`, { body: 'How do you all cope?' }));
      await must(
        bravo('POST', `/v1/chats/${hiding}/messages`, { body: 'One day at a time', parentId: mine.id }),
      );
      await must(charlie('POST', `/v1/chats/${hiding}/messages`, { body: 'Walks help', parentId: mine.id }));
      await must(
        bravo('PUT', `/v1/chats/${hiding}/messages/${mine.id}/reactions/${encodeURIComponent('👍')}`),
        200,
      );
      await must(
        charlie('PUT', `/v1/chats/${hiding}/messages/${mine.id}/reactions/${encodeURIComponent('❤️')}`),
        200,
      );
      await must(team('PUT', `/v1/chats/${hiding}/pins/${bravoPost.id}`), 200);
      await must(
        charlie('PATCH', `/v1/chats/${hiding}/messages/${charliePost.id}`, { body: 'Same here, edited' }),
        200,
      );
      bravoStream.send({ type: 'typing', chatId: hiding });
      await must(bravo('PUT', `/v1/chats/${hiding}/read`, { seq: 3 }), 200);
      await must(owner('PATCH', `/v1/chats/${hiding}`, { name: 'Quiet circle (spring)' }), 200);
      await must(owner('POST', `/v1/chats/${hiding}/participants`, { personIds: ['pv-echo-m4w'] }), 200);
      await untilMember('pv-echo-m4w', hiding);
      const echo = await as('pv-echo-m4w');
      await must(echo('POST', `/v1/chats/${hiding}/messages`, { body: 'Hello, new here' }));
      const gone = await must(bravo('POST', `/v1/chats/${hiding}/messages`, { body: 'Posted by mistake' }));
      await must(bravo('DELETE', `/v1/chats/${hiding}/messages/${gone.id}`), 200);
      bravoStream.close();

      // The viewer does everything a client may (and tries what a client may not).
      await must(me('GET', '/v1/me'), 200);
      await must(me('GET', '/v1/chats?limit=100'), 200);
      await must(me('GET', `/v1/chats/${hiding}`), 200);
      await must(me('GET', `/v1/chats/${hiding}/participants`), 200);
      const page = await must(me('GET', `/v1/chats/${hiding}/messages?limit=100`), 200);
      for (const message of [...page.items, ...(page.pinned ?? [])]) {
        await me('GET', `/v1/chats/${hiding}/messages/${message.id}/replies?limit=100`);
        await me('GET', `/v1/chats/${hiding}/messages/${message.id}/reactions`);
        await me('GET', `/v1/chats/${hiding}/messages/${message.id}/revisions`);
      }
      await me('GET', `/v1/chats/${hiding}/read-markers`);
      await must(me('GET', `/v1/chats/${hiding}/attachments?limit=100`), 200);
      await must(me('GET', `/v1/attachments/${file}`), 200);
      await must(me('POST', `/v1/chats/${hiding}/messages`, { body: 'Thanks, team', mentions: ['pv-team'] }));
      await must(me('POST', `/v1/chats/${hiding}/messages`, { body: 'Thank you', parentId: bravoPost.id }));
      await must(
        me('PUT', `/v1/chats/${hiding}/messages/${bravoPost.id}/reactions/${encodeURIComponent('🎉')}`),
        200,
      );
      await must(
        me('DELETE', `/v1/chats/${hiding}/messages/${bravoPost.id}/reactions/${encodeURIComponent('🎉')}`),
        200,
      );
      await must(me('PUT', `/v1/chats/${hiding}/read`, { seq: 5 }), 200);
      await must(me('PUT', `/v1/chats/${hiding}/read`, { unread: true }), 200);
      await must(me('PUT', `/v1/chats/${hiding}/notification-level`, { level: 'all' }), 200);
      await me('PATCH', `/v1/chats/${hiding}`, { name: 'Mine now' });
      await me('PUT', `/v1/chats/${hiding}/pins/${bravoPost.id}`);
      await me('PATCH', `/v1/chats/${hiding}/messages/${bravoPost.id}`, { body: 'Not mine' });
      await me('DELETE', `/v1/chats/${hiding}/messages/${bravoPost.id}`);
      await me('POST', `/v1/chats/${hiding}/meetings`, { provider: 'builtin' });
      await me('POST', `/v1/chats/${hiding}/participants`, { personIds: ['pv-viewer'] });
      await me('POST', '/v1/chats', { name: 'My own', style: 'feed' });
      await me('GET', '/v1/practitioners/pv-owner/direct-chat-sharing');

      // Every read of the API document, not just those above (new ones included), with every id the viewer knows.
      const allMessages = [...page.items, ...(page.pinned ?? [])].map(
        (message: { id: string }) => message.id,
      );
      scanned.reads = await readEverything(system.url, me, {
        chatId: [hiding],
        messageId: allMessages,
        attachmentId: [file],
        personId: ['me', 'pv-viewer', 'pv-owner', 'pv-team'],
        practiceId: [practice],
      });

      // The removal of a client (messages kept) and what the viewer reads afterwards.
      const removed = await owner('DELETE', `/v1/chats/${hiding}/participants/pv-charlie-k2z?messages=keep`);
      expect(removed.status).toBe(204);
      await sleep(500);
      await must(me('GET', `/v1/chats/${hiding}/messages?limit=100`), 200);
      await must(me('GET', `/v1/chats/${hiding}/messages/${mine.id}/replies?limit=100`), 200);
      await must(me('GET', `/v1/chats/${hiding}/participants`), 200);
      const inbox = await must(me('GET', '/v1/notifications?limit=100'), 200);
      expect(inbox.items.length).toBeGreaterThan(0);
      await must(me('POST', '/v1/notifications/read', { all: true }), 200);
      await must(me('GET', '/v1/notifications?limit=100&unread=true'), 200);

      const findings = scan(
        [
          ...received,
          ...viewerStream.events.map((event) => ({
            where: `socket ${event.type}`,
            text: JSON.stringify(event),
          })),
        ],
        hidden,
      );
      expect(findings).toEqual([]);
      // The scan saw what it was meant to: the other clients' posts, replies, reactions and events.
      expect(viewerStream.events.map((event) => event.type)).toEqual(
        expect.arrayContaining([
          'message.created',
          'reaction.added',
          'participant.added',
          'participant.removed',
        ]),
      );
    },
    TIMEOUT_MS,
  );

  it(
    'A1: probes with another client’s id answer exactly as probes with an id nobody has',
    async () => {
      const me = await viewer();
      const probes = (id: string): Array<[string, string, unknown?]> => [
        ['POST', `/v1/chats/${hiding}/messages`, { body: 'Hi', mentions: [id] }],
        ['DELETE', `/v1/chats/${hiding}/participants/${id}?messages=keep`],
        ['POST', `/v1/chats/${hiding}/participants`, { personIds: [id] }],
        ['GET', `/v1/practitioners/${id}/direct-chat-sharing`],
        ['PUT', `/v1/practitioners/${id}/direct-chat-sharing`, { teamMemberIds: [] }],
        ['POST', '/v1/chats/direct', { clientId: id }],
        ['POST', '/v1/chats', { name: 'Probe', style: 'feed', participantIds: [id] }],
      ];
      const answers = async (id: string) =>
        Promise.all(
          probes(id).map(async ([method, path, body]) => {
            const reply = await me(method, path, body);
            return `${reply.status} ${JSON.stringify(reply.body).replaceAll(id, '<id>')}`;
          }),
        );
      scanned.probes = probes('x').length * (hidden.length + 1);
      const nobody = await answers('pv-nobody-at-all');
      for (const id of hidden) expect(await answers(id), id).toEqual(nobody);
    },
    TIMEOUT_MS,
  );

  it(
    'P2: from its removal on, an author unlinked with messages kept appears nowhere a client or the API shows',
    async () => {
      const me = await viewer();
      const owner = await as('pv-owner');
      const delta = await as(unlinked);
      const post = await must(delta('POST', `/v1/chats/${normal}/messages`, { body: 'My first post' }));
      await must(
        delta('POST', `/v1/chats/${normal}/messages`, { body: 'A second thought', parentId: post.id }),
      );
      const mine = await must(me('POST', `/v1/chats/${normal}/messages`, { body: 'Welcome!' }));
      await must(delta('POST', `/v1/chats/${normal}/messages`, { body: 'Thanks', parentId: mine.id }));
      await must(
        delta('PUT', `/v1/chats/${normal}/messages/${mine.id}/reactions/${encodeURIComponent('👍')}`),
        200,
      );
      await must(owner('PUT', `/v1/chats/${normal}/pins/${post.id}`), 200);
      await sleep(500);
      eventsBeforeRemoval = viewerStream.events.length;
      const removed = await owner('DELETE', `/v1/chats/${normal}/participants/${unlinked}?messages=keep`);
      expect(removed.status).toBe(204);
      afterRemoval = true;
      await sleep(500);

      await must(me('GET', '/v1/chats?limit=100'), 200);
      await must(me('GET', `/v1/chats/${normal}`), 200);
      await must(me('GET', `/v1/chats/${normal}/participants`), 200);
      const page = await must(me('GET', `/v1/chats/${normal}/messages?limit=100`), 200);
      expect(page.items.length + (page.pinned?.length ?? 0)).toBeGreaterThan(1);
      for (const message of [...page.items, ...(page.pinned ?? [])]) {
        await me('GET', `/v1/chats/${normal}/messages/${message.id}/replies?limit=100`);
        await me('GET', `/v1/chats/${normal}/messages/${message.id}/reactions`);
      }
      await must(me('GET', '/v1/notifications?limit=100'), 200);
      // The API as a practitioner shows the messages without their author too.
      const ownerView: Capture[] = [];
      const ownerPage = await owner('GET', `/v1/chats/${normal}/messages?limit=100`);
      ownerView.push({ where: 'owner messages', text: JSON.stringify(ownerPage.body) });
      const thread = await owner('GET', `/v1/chats/${normal}/messages/${post.id}/replies?limit=100`);
      ownerView.push({ where: 'owner replies', text: JSON.stringify(thread.body) });

      const findings = scan(
        [
          ...received.filter((capture) => capture.afterRemoval),
          // The removal's own announcement names who left a group that does not hide identities, as the
          // participant list did a moment before; it links no message to them.
          ...viewerStream.events
            .slice(eventsBeforeRemoval)
            .filter((event) => event.type !== 'participant.removed')
            .map((event) => ({ where: `socket ${event.type}`, text: JSON.stringify(event) })),
          ...ownerView,
        ],
        [unlinked],
      );
      expect(findings).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'G5 and P2 in outbound channels: the viewer’s webhooks and emails name no hidden client',
    async () => {
      // Deliveries are polled: give the last ones time to go out.
      await sleep(1_500);
      const hooks = receiver.hooks.filter((hook) => hook.body.personId === 'pv-viewer');
      const mails = mail.mails.filter((sent) => sent.to.includes('vera.viewer@example.test'));
      expect(hooks.length).toBeGreaterThan(0);
      expect(mails.length).toBeGreaterThan(0);
      const findings = scan(
        [
          ...hooks.map((hook) => ({ where: `webhook ${hook.body.notification?.type}`, text: hook.raw })),
          ...mails.map((sent) => ({ where: 'email', text: sent.raw })),
        ],
        hidden,
      );
      expect(findings).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
