import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, sleep } from '../support/http';
import { startMailServer } from '../support/mail';
import { type System, startSystem } from '../support/system';

/**
 * Issue 5, outbound channels through the real system (N1): signed webhooks
 * with retries and a dead-letter end, and email over SMTP at most once per
 * chat per window, both content-free unless the practice includes content.
 */

interface Hook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: any;
}

/** A local webhook receiver: `/ok` answers 200, `/flaky` 500 then 200 per delivery, `/down` always 500. */
async function startReceiver() {
  const hooks: Hook[] = [];
  const seen = new Set<string>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = request.url ?? '';
      hooks.push({ path, headers: request.headers, raw, body: JSON.parse(raw) });
      const delivery = String(request.headers['huddle-delivery']);
      let status = 200;
      if (path === '/down') status = 500;
      if (path === '/flaky' && !seen.has(delivery)) status = 500;
      seen.add(delivery);
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, hooks, stop: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until<T>(what: string, find: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const SECRET = 'webhook-secret-for-the-tests';
const WINDOW_MS = 1500;

describe('N1: outbound channels', () => {
  let system: System;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let mail: Awaited<ReturnType<typeof startMailServer>>;
  const practice = 'p-outbound';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith', email: 'dana@example.test' },
  };
  const as = async (who: keyof typeof people) => api(system.url, await system.personToken(practice, who));
  let directory: ReturnType<typeof api>;
  let chatId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    mail = await startMailServer();
    system = await startSystem('outbound', {
      notification: {
        OUTBOUND_POLL_MS: '25',
        WEBHOOK_BACKOFF_MS: '50',
        WEBHOOK_MAX_ATTEMPTS: '3',
        SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
        EMAIL_FROM: 'Huddle <huddle@example.test>',
        EMAIL_WINDOW_MS: String(WINDOW_MS),
      },
    });
    directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'O', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      const reply = await directory('PUT', `/v1/practices/${practice}/people/${id}`, person);
      expect(reply.status).toBe(201);
    }
    const olivia = await as('olivia');
    const created = await olivia('POST', '/v1/chats', {
      name: 'Outbound',
      style: 'direct',
      participantIds: ['dana'],
    });
    expect(created.status).toBe(201);
    chatId = created.body.id;
    const dana = await as('dana');
    for (let attempt = 0; (await dana('GET', `/v1/chats/${chatId}`)).status !== 200; attempt += 1) {
      if (attempt > 50) throw new Error('dana never became a member');
      await sleep(100);
    }
  });

  afterAll(async () => {
    await system?.stop();
    await receiver?.stop();
    await mail?.stop();
  });

  const settings = (body: Record<string, unknown>) =>
    directory('PUT', `/v1/practices/${practice}/notification-settings`, body);

  async function post(body: string) {
    const olivia = await as('olivia');
    const reply = await olivia('POST', `/v1/chats/${chatId}/messages`, { body });
    expect(reply.status).toBe(201);
    return reply.body.id as string;
  }

  const hooksFor = (messageId: string) =>
    receiver.hooks.filter((hook) => hook.body.notification.messageId === messageId);

  it('N1: the settings take an http(s) webhook with a 16-256 character secret, never returned', async () => {
    expect((await settings({ webhookUrl: 'ftp://example.test/x', webhookSecret: SECRET })).status).toBe(400);
    expect((await settings({ webhookUrl: `${receiver.url}/ok`, webhookSecret: 'short' })).status).toBe(400);
    expect((await settings({ webhookUrl: `${receiver.url}/ok` })).status).toBe(400);
    const other = api(system.url, await system.serviceToken('p-other', 'directory:write'));
    expect((await other('PUT', `/v1/practices/${practice}/notification-settings`, {})).status).toBe(403);
    const person = await as('olivia');
    expect((await person('PUT', `/v1/practices/${practice}/notification-settings`, {})).status).toBe(403);
    const reply = await settings({ webhookUrl: `${receiver.url}/ok`, webhookSecret: SECRET });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      practiceId: practice,
      webhookUrl: `${receiver.url}/ok`,
      webhookSecretSet: true,
      emailEnabled: false,
      includeContent: false,
    });
    expect(JSON.stringify(reply.body)).not.toContain(SECRET);
    const read = await directory('GET', `/v1/practices/${practice}/notification-settings`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(reply.body);
  });

  it('N1: a webhook arrives signed, with ids and no message text', async () => {
    const messageId = await post('Private words about my diet');
    const [hook] = await until('the webhook', () =>
      hooksFor(messageId).length > 0 ? hooksFor(messageId) : undefined,
    );
    const timestamp = String(hook!.headers['huddle-timestamp']);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(300);
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${hook!.raw}`).digest('hex');
    expect(hook!.headers['huddle-signature']).toBe(`v1=${expected}`);
    expect(hook!.headers['huddle-delivery']).toEqual(expect.any(String));
    expect(hook!.headers['content-type']).toBe('application/json');
    expect(hook!.body).toEqual({
      type: 'notification.created',
      practiceId: practice,
      personId: 'dana',
      notification: {
        id: expect.any(String),
        type: 'message',
        chatId,
        messageId,
        createdAt: expect.any(String),
      },
    });
    expect(hook!.raw).not.toContain('Private words');
  });

  it('N1: with includeContent on, the message text is in the webhook (the secret kept)', async () => {
    const reply = await settings({ webhookUrl: `${receiver.url}/ok`, includeContent: true });
    expect(reply.body).toMatchObject({ webhookSecretSet: true, includeContent: true });
    const messageId = await post('Shared on purpose');
    const [hook] = await until('the webhook', () =>
      hooksFor(messageId).length > 0 ? hooksFor(messageId) : undefined,
    );
    expect(hook!.body.notification.body).toBe('Shared on purpose');
    const expected = createHmac('sha256', SECRET)
      .update(`${hook!.headers['huddle-timestamp']}.${hook!.raw}`)
      .digest('hex');
    expect(hook!.headers['huddle-signature']).toBe(`v1=${expected}`);
  });

  it('N1: a receiver answering 500 then 200 gets the same delivery again, once', async () => {
    expect((await settings({ webhookUrl: `${receiver.url}/flaky` })).status).toBe(200);
    const messageId = await post('Retry me');
    const hooks = await until('the retry', () =>
      hooksFor(messageId).length >= 2 ? hooksFor(messageId) : undefined,
    );
    expect(new Set(hooks.map((hook) => hook.headers['huddle-delivery'])).size).toBe(1);
    await sleep(400);
    expect(hooksFor(messageId)).toHaveLength(2);
  });

  it('N1: a receiver that always fails gets WEBHOOK_MAX_ATTEMPTS tries, then the delivery is dead', async () => {
    expect((await settings({ webhookUrl: `${receiver.url}/down` })).status).toBe(200);
    const messageId = await post('Nobody home');
    await until('three attempts', () => (hooksFor(messageId).length >= 3 ? true : undefined));
    // 50, 100, 200 ms of backoff would bring a fourth well within this wait.
    await sleep(800);
    expect(hooksFor(messageId)).toHaveLength(3);
    expect(new Set(hooksFor(messageId).map((hook) => hook.headers['huddle-delivery'])).size).toBe(1);
  });

  it('N1: email is content-free with the unread count, at most one per chat per window', async () => {
    const dana = await as('dana');
    expect((await dana('POST', '/v1/notifications/read', { all: true })).status).toBe(200);
    const reply = await settings({ emailEnabled: true });
    expect(reply.body).toEqual({
      practiceId: practice,
      webhookUrl: null,
      webhookSecretSet: false,
      emailEnabled: true,
      includeContent: false,
    });
    await post('First private note');
    const first = await until('the first email', () => mail.mails[0]);
    expect(first.to).toEqual(['dana@example.test']);
    expect(first.raw).toContain('Subject: You have new messages in Huddle');
    expect(first.raw).toContain('You have 1 unread notification in this chat');
    expect(first.raw).not.toContain('First private note');
    await post('Second private note');
    await post('Third private note');
    await sleep(WINDOW_MS / 2);
    expect(mail.mails).toHaveLength(1);
    const second = await until('the second email', () => mail.mails[1], WINDOW_MS * 4);
    expect(second.raw).toContain('You have 3 unread notifications in this chat');
    expect(second.raw).not.toContain('private note');
    await sleep(WINDOW_MS / 2);
    expect(mail.mails).toHaveLength(2);
  });

  it('N1: with includeContent on, the email carries the text', async () => {
    const dana = await as('dana');
    expect((await dana('POST', '/v1/notifications/read', { all: true })).status).toBe(200);
    expect((await settings({ emailEnabled: true, includeContent: true })).status).toBe(200);
    await post('Visible on purpose');
    const mailed = await until('the email with content', () => mail.mails[2], WINDOW_MS * 4);
    expect(mailed.raw).toContain('You have 1 unread notification in this chat');
    expect(mailed.raw).toContain('> Visible on purpose');
  });

  it('P4: an email already queued for someone removed from the chat is not sent', async () => {
    const messageId = await post('After you leave');
    const dana = await as('dana');
    for (let attempt = 0; ; attempt += 1) {
      const inbox = await dana('GET', '/v1/notifications?unread=true');
      if (inbox.body.items.some((item: { messageId: string }) => item.messageId === messageId)) break;
      if (attempt > 50) throw new Error('dana was never notified');
      await sleep(50);
    }
    const olivia = await as('olivia');
    const removed = await olivia('DELETE', `/v1/chats/${chatId}/participants/dana?messages=keep`);
    expect(removed.status).toBe(204);
    await sleep(WINDOW_MS * 2);
    expect(mail.mails).toHaveLength(3);
  });
});
