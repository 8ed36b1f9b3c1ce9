import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type Reply, sleep } from '../support/http';
import { type System, startSystem } from '../support/system';

/**
 * X2 through the real system: authors schedule, list, edit and cancel their posts; each is
 * sent once at its time (±5 s) through the post rules, also after the replica that claimed
 * it died; one the rules refuse then fails with a reason and its author is notified.
 * Nobody else ever sees a scheduled message.
 */
describe('X2 scheduled messages', () => {
  let system: System;
  let chatDb: pg.Client;
  const practice = 'p-scheduled';
  const people = {
    olivia: { kind: 'practitioner', firstName: 'Olivia', lastName: 'Owens', teamRole: 'owner' },
    terry: { kind: 'practitioner', firstName: 'Terry', lastName: 'Teale', teamRole: 'member' },
    dana: { kind: 'client', firstName: 'Dana', lastName: 'Smith' },
    eli: { kind: 'client', firstName: 'Eli', lastName: 'Jones' },
  };
  type Name = keyof typeof people;
  const as = async (who: Name) => api(system.url, await system.personToken(practice, who));
  const inMinutes = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

  function expectProblem(reply: Reply, status: number, code: string) {
    expect(reply.status, JSON.stringify(reply.body)).toBe(status);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.code).toBe(code);
  }

  async function group(participantIds: Name[], style: 'feed' | 'direct' = 'feed') {
    const created = await (await as('olivia'))('POST', '/v1/chats', {
      name: 'Scheduled',
      style,
      participantIds,
    });
    expect(created.status).toBe(201);
    for (const who of participantIds) {
      const caller = await as(who);
      for (let attempt = 0; ; attempt += 1) {
        if ((await caller('GET', `/v1/chats/${created.body.id}`)).status === 200) break;
        if (attempt > 100) throw new Error(`${who} never became a member`);
        await sleep(100);
      }
    }
    return created.body.id as string;
  }

  async function schedule(who: Name, chatId: string, body: Record<string, unknown>) {
    return (await as(who))('POST', `/v1/chats/${chatId}/scheduled-messages`, {
      sendAt: inMinutes(2),
      ...body,
    });
  }

  /** As if time had passed: the scheduled message falls due `inMs` from now. */
  async function dueIn(id: string, inMs: number): Promise<Date> {
    const { rows } = await chatDb.query(
      `update scheduled_messages set send_at = now() + make_interval(secs => $2::float / 1000)
       where id = $1 returning send_at`,
      [id, inMs],
    );
    return rows[0].send_at;
  }

  async function messagesOf(who: Name, chatId: string): Promise<any[]> {
    const page = await (await as(who))('GET', `/v1/chats/${chatId}/messages`);
    expect(page.status).toBe(200);
    return page.body.items;
  }

  async function listed(who: Name, status = 'pending'): Promise<any[]> {
    const page = await (await as(who))('GET', `/v1/scheduled-messages?status=${status}`);
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    return page.body.items;
  }

  beforeAll(async () => {
    // A short lease, so that the message of a replica that died is claimed again soon.
    system = await startSystem('scheduled', { chat: { SCHEDULER_LEASE_MS: '2000' } });
    chatDb = new pg.Client({ connectionString: system.databaseUrls.chat });
    await chatDb.connect();
    const directory = api(system.url, await system.serviceToken(practice, 'directory:write'));
    expect((await directory('PUT', `/v1/practices/${practice}`, { name: 'X2', plan: 'team' })).status).toBe(
      201,
    );
    for (const [id, person] of Object.entries(people)) {
      expect((await directory('PUT', `/v1/practices/${practice}/people/${id}`, person)).status).toBe(201);
    }
  });

  afterAll(async () => {
    await chatDb?.end();
    await system?.stop();
  });

  it('X2: a scheduled post is its author’s alone until it is sent, once, within 5 s of sendAt', async () => {
    const chatId = await group(['terry', 'dana']);
    const made = await schedule('dana', chatId, { body: 'Remember to log your water today' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ chatId, status: 'pending', messageId: null, failure: null });

    expect((await listed('dana')).map((item) => item.id)).toEqual([made.body.id]);
    // Nobody else sees it: not in their lists, not in the chat, not to change.
    expect(await listed('terry')).toEqual([]);
    expect(await messagesOf('terry', chatId)).toEqual([]);
    expectProblem(
      await (await as('olivia'))('PATCH', `/v1/scheduled-messages/${made.body.id}`, { body: 'x' }),
      404,
      'not_found',
    );
    expectProblem(
      await (await as('olivia'))('DELETE', `/v1/scheduled-messages/${made.body.id}`),
      404,
      'not_found',
    );

    const sendAt = await dueIn(made.body.id, 1_000);
    await expect
      .poll(async () => (await messagesOf('terry', chatId)).length, { timeout: 10_000, interval: 200 })
      .toBe(1);
    const [message] = await messagesOf('terry', chatId);
    expect(message.body).toBe('Remember to log your water today');
    expect(message.author.id).toBe('dana');
    const late = new Date(message.createdAt).getTime() - sendAt.getTime();
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThanOrEqual(5_000);

    expect(await listed('dana')).toEqual([]);
    const sent = await listed('dana', 'sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ id: made.body.id, status: 'sent', messageId: message.id });
    // Sent is sent: never again, and no longer to cancel.
    await sleep(1_500);
    expect(await messagesOf('terry', chatId)).toHaveLength(1);
    expectProblem(
      await (await as('dana'))('DELETE', `/v1/scheduled-messages/${made.body.id}`),
      400,
      'validation_failed',
    );
  });

  it('X2: authors edit and cancel their pending messages; a cancelled one is never sent', async () => {
    const chatId = await group(['dana']);
    const made = await schedule('dana', chatId, { body: 'First draft' });
    const id = made.body.id;
    const later = inMinutes(30);
    const edited = await (await as('dana'))('PATCH', `/v1/scheduled-messages/${id}`, {
      body: 'Final words',
      sendAt: later,
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ id, body: 'Final words', sendAt: later, status: 'pending' });

    const cancelled = await schedule('dana', chatId, { body: 'Never mind' });
    expect((await (await as('dana'))('DELETE', `/v1/scheduled-messages/${cancelled.body.id}`)).status).toBe(
      204,
    );
    expectProblem(
      await (await as('dana'))('DELETE', `/v1/scheduled-messages/${cancelled.body.id}`),
      404,
      'not_found',
    );
    expect((await listed('dana')).map((item) => item.id)).toEqual([id]);

    await dueIn(id, 500);
    await expect
      .poll(async () => (await messagesOf('olivia', chatId)).map((m) => m.body), { timeout: 10_000 })
      .toEqual(['Final words']);
    await sleep(1_500);
    expect((await messagesOf('olivia', chatId)).map((m) => m.body)).toEqual(['Final words']);
  });

  it('X2: sendAt 1 minute to 1 year ahead; the post rules are asked when scheduling; bad input is a 4xx', async () => {
    const chatId = await group(['dana'], 'direct');
    expectProblem(
      await schedule('dana', chatId, { body: 'soon', sendAt: inMinutes(0.5) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await schedule('dana', chatId, { body: 'late', sendAt: inMinutes(60 * 24 * 366) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await schedule('dana', chatId, { body: 'when', sendAt: 'tomorrow' }),
      400,
      'validation_failed',
    );
    expectProblem(await schedule('dana', chatId, { body: '' }), 400, 'validation_failed');
    expectProblem(await schedule('dana', chatId, { body: 'x'.repeat(10_001) }), 400, 'validation_failed');
    // Eli is not in the chat; a direct-style chat has no replies; only participants are mentioned.
    expectProblem(await schedule('eli', chatId, { body: 'hello' }), 404, 'not_found');
    const post = await (await as('olivia'))('POST', `/v1/chats/${chatId}/messages`, { body: 'Hi' });
    expectProblem(
      await schedule('dana', chatId, { body: 'reply', parentId: post.body.id }),
      409,
      'not_supported_in_style',
    );
    expectProblem(
      await schedule('dana', chatId, { body: 'hey', mentions: ['eli'] }),
      400,
      'validation_failed',
    );
    const made = await schedule('dana', chatId, { body: 'ok' });
    expectProblem(
      await (await as('dana'))('PATCH', `/v1/scheduled-messages/${made.body.id}`, {}),
      400,
      'validation_failed',
    );
    expectProblem(
      await (await as('dana'))('PATCH', `/v1/scheduled-messages/${made.body.id}`, { sendAt: inMinutes(0) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await (await as('dana'))('GET', '/v1/scheduled-messages?status=lost'),
      400,
      'validation_failed',
    );
    expectProblem(
      await (await as('dana'))('GET', '/v1/scheduled-messages?cursor=bm9wZQ'),
      400,
      'validation_failed',
    );
    expect((await (await as('dana'))('DELETE', `/v1/scheduled-messages/${made.body.id}`)).status).toBe(204);
  });

  it('X2/G6/P4: at send time the rules apply again: refused messages fail with the reason, and the author is notified', async () => {
    const lockedChat = await group(['dana', 'eli']);
    const toLocked = await schedule('dana', lockedChat, { body: 'Into a locked chat' });
    const byRemoved = await schedule('eli', lockedChat, { body: 'From a removed client' });
    expect((await (await as('olivia'))('PATCH', `/v1/chats/${lockedChat}`, { locked: true })).status).toBe(
      200,
    );
    expect(
      (await (await as('olivia'))('DELETE', `/v1/chats/${lockedChat}/participants/eli?messages=keep`)).status,
    ).toBe(204);
    await dueIn(toLocked.body.id, 0);
    await dueIn(byRemoved.body.id, 0);

    await expect
      .poll(async () => (await listed('dana', 'failed')).length, { timeout: 10_000, interval: 200 })
      .toBe(1);
    expect((await listed('dana', 'failed'))[0]).toMatchObject({
      id: toLocked.body.id,
      status: 'failed',
      messageId: null,
      failure: { code: 'chat_locked', message: expect.any(String) },
    });
    await expect
      .poll(async () => (await listed('eli', 'failed')).map((item) => item.failure?.code), {
        timeout: 10_000,
      })
      .toEqual(['not_found']);
    expect(await messagesOf('olivia', lockedChat)).toEqual([]);

    const notified = async (who: Name) =>
      ((await (await as(who))('GET', '/v1/notifications')).body.items as any[]).filter(
        (item) => item.type === 'scheduled_message_failed',
      );
    await expect
      .poll(async () => (await notified('dana')).length, { timeout: 10_000, interval: 200 })
      .toBe(1);
    expect((await notified('dana'))[0]).toMatchObject({ chatId: lockedChat, messageId: null });
    await expect.poll(async () => (await notified('eli')).length, { timeout: 10_000, interval: 200 }).toBe(1);
    // A failed message can be dismissed.
    expect((await (await as('dana'))('DELETE', `/v1/scheduled-messages/${toLocked.body.id}`)).status).toBe(
      204,
    );
  });

  it('X2/G2/G9: at send time a reply in a chat turned direct and a mention of someone gone fail; a file goes with its post', async () => {
    const chatId = await group(['terry', 'dana', 'eli']);
    const post = await (await as('olivia'))('POST', `/v1/chats/${chatId}/messages`, { body: 'Week 1' });
    expect(post.status).toBe(201);
    const reply = await schedule('dana', chatId, { body: 'A reply, later', parentId: post.body.id });
    const mention = await schedule('terry', chatId, { body: 'Eli, see this', mentions: ['eli'] });
    const form = new FormData();
    form.append('file', new Blob(['Meal plan\n'], { type: 'text/plain' }), 'plan.txt');
    const uploaded = await fetch(`${system.url}/v1/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await system.personToken(practice, 'terry')}` },
      body: form,
    });
    expect(uploaded.status).toBe(201);
    const fileId = ((await uploaded.json()) as { id: string }).id;
    const withFile = await schedule('terry', chatId, { body: 'The plan', attachmentIds: [fileId] });
    for (const made of [reply, mention, withFile]) expect(made.status, JSON.stringify(made.body)).toBe(201);

    // Allowed when scheduled; then the chat turns direct-style and Eli is removed.
    expect((await (await as('olivia'))('PATCH', `/v1/chats/${chatId}`, { style: 'direct' })).status).toBe(
      200,
    );
    expect(
      (await (await as('olivia'))('DELETE', `/v1/chats/${chatId}/participants/eli?messages=keep`)).status,
    ).toBe(204);
    for (const made of [reply, mention, withFile]) await dueIn(made.body.id, 0);

    await expect
      .poll(async () => (await listed('dana', 'failed')).map((item) => item.failure?.code), {
        timeout: 10_000,
      })
      .toEqual(['not_supported_in_style']);
    await expect
      .poll(async () => (await listed('terry', 'failed')).map((item) => [item.id, item.failure?.code]), {
        timeout: 10_000,
      })
      .toEqual([[mention.body.id, 'validation_failed']]);
    await expect
      .poll(async () => (await listed('terry', 'sent')).map((item) => item.id), { timeout: 10_000 })
      .toEqual([withFile.body.id]);
    const sent = (await messagesOf('dana', chatId)).find((message) => message.body === 'The plan');
    expect(sent.attachments).toEqual([
      expect.objectContaining({ id: fileId, filename: 'plan.txt', contentType: 'text/plain' }),
    ]);
    expect((await messagesOf('olivia', chatId)).map((message) => message.body).sort()).toEqual(
      ['The plan', 'Week 1'].sort(),
    );
  });

  it('X2: a message claimed by a chat replica that died before sending it is sent after the lease, once', async () => {
    const chatId = await group(['dana']);
    const made = await schedule('dana', chatId, { body: 'Survives its replica' });
    await dueIn(made.body.id, 0);
    // The replica that claimed it and died: a claim for two seconds (the lease), and no send.
    // test/integration/scheduled-kill.test.ts SIGKILLs a real chat process at that point.
    await chatDb.query(
      `update scheduled_messages set claimed_until = now() + interval '2 seconds', attempts = attempts + 1
       where id = $1`,
      [made.body.id],
    );
    // Claimed: its author can no longer change it.
    expectProblem(
      await (await as('dana'))('PATCH', `/v1/scheduled-messages/${made.body.id}`, { body: 'x' }),
      409,
      'conflict',
    );

    await expect
      .poll(async () => (await messagesOf('olivia', chatId)).length, { timeout: 10_000, interval: 200 })
      .toBe(1);
    await sleep(1_500);
    expect((await messagesOf('olivia', chatId)).map((m) => m.body)).toEqual(['Survives its replica']);
    const { rows } = await chatDb.query('select status, attempts from scheduled_messages where id = $1', [
      made.body.id,
    ]);
    expect(rows[0]).toEqual({ status: 'sent', attempts: 2 });
  });
});
