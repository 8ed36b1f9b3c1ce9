import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, openStream, type Socket } from '../support/http';
import { type System, startSystem } from '../support/system';
import { encodeAll, nastyStrings, toJson } from './fuzzing/inputs';
import { FULL, SEED } from './fuzzing/mode';
import { inParallel } from './fuzzing/send';
import { buildWorld, type FuzzWorld } from './fuzzing/world';

/** Sockets opened and fuzzed, and frames each; the full run sends well over 1,000 frames. */
const SOCKETS = FULL ? 300 : 12;
const FRAMES_PER_SOCKET = FULL ? 12 : 6;
const UPGRADES = FULL ? 300 : 12;
/** Each test's ceiling: the full run's sockets take minutes on a busy machine. */
const TIMEOUT_MS = FULL ? 900_000 : 60_000;

/**
 * Close codes that tell the client what happened: ours (1000 when the test
 * closes, 1003 unsupported frames, 4401, 4403, 4429, 1013) and the WebSocket
 * library's for frames it cannot take (1007 invalid UTF-8, 1009 too big, 1002
 * a protocol error). 1006 (dropped without a close frame) and 1011 (server
 * error) are not clear answers.
 */
const CLEAR_CLOSE_CODES = new Set([1000, 1002, 1003, 1007, 1008, 1009, 1013, 4401, 4403, 4429]);

/** The gateway's largest frame (limits.socketFrameBytes). */
const FRAME_LIMIT = 10 * 1024;

interface Frame {
  data: string | Buffer;
  binary: boolean;
}
const text = (data: string): Frame => ({ data, binary: false });

function frames(
  world: FuzzWorld,
  tokens: { other: string; expired: string; forged: string },
): fc.Arbitrary<Frame> {
  const chatIds = world.pools.chatId ?? [];
  const json = (value: unknown) => text(toJson(value));
  return fc.oneof(
    fc.constantFrom(...chatIds).map((chatId) => json({ type: 'typing', chatId })),
    fc
      .oneof(fc.constantFrom<unknown>(...nastyStrings), fc.jsonValue({ maxDepth: 2 }))
      .map((chatId) => json({ type: 'typing', chatId })),
    fc
      .constantFrom('', 'garbage', 'a.b.c', tokens.other, tokens.expired, tokens.forged, 'x'.repeat(9_000))
      .map((token) => json({ type: 'auth', token })),
    fc
      .record({
        type: fc.string({ maxLength: 20 }),
        chatId: fc.string({ maxLength: 70 }),
        data: fc.jsonValue(),
      })
      .map(json),
    fc
      .constantFrom('subscribe', 'message.created', 'stream.reset', '__proto__', 'constructor')
      .map((type) => json({ type, chatId: chatIds[0] })),
    fc.jsonValue({ maxDepth: 3 }).map(json),
    fc
      .constantFrom(
        '{"__proto__":{"polluted":true},"type":"typing"}',
        '{"constructor":{"prototype":{"polluted":true}}}',
        '{"type":"typing","chatId":"\\ud800"}',
        '{"type":"typing","chatId":"a\\u0000b"}',
        '{"type":"typing",',
        '{"type": typing}',
        '',
        ' ',
        'null',
        '\ud800',
        'a\u0000b',
        `${'['.repeat(5_000)}${']'.repeat(5_000)}`,
      )
      .map(text),
    fc.constantFrom(FRAME_LIMIT + 1, 20_000, 200_000).map((length) => text('x'.repeat(length))),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ data: Buffer.from(bytes), binary: true })),
    fc
      .constantFrom(
        Buffer.from([0xff, 0xfe, 0xfd]),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from([0xc3, 0x28]),
      )
      .map((data) => ({ data, binary: false })),
  );
}

/** What became of a fuzzed socket: closed with a code, or still open and answering a ping. */
async function fuzzSocket(
  url: string,
  frames: Frame[],
  onSent: () => void = () => {},
): Promise<{ outcome: string; clear: boolean }> {
  const ws = new WebSocket(url);
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.on('error', () => {});
  let refusal = 0;
  const opened = await new Promise<boolean>((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('unexpected-response', (_request, response) => {
      refusal = response.statusCode ?? 0;
      response.resume();
      resolve(false);
    });
    ws.once('close', () => resolve(false));
  });
  // Refused before the upgrade: an HTTP 4xx is a clear answer (the same problem+json as REST).
  if (!opened) return { outcome: `refused ${refusal}`, clear: refusal >= 400 && refusal < 500 };
  for (const frame of frames) {
    if (ws.readyState !== WebSocket.OPEN) break;
    await new Promise<void>((resolve) => ws.send(frame.data, { binary: frame.binary }, () => resolve()));
    onSent();
  }
  const answer = await Promise.race([
    closed.then((code) => ({ code })),
    new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 300)),
  ]);
  if (answer !== 'open') {
    // A client that keeps writing after a frame over the limit may meet the connection's reset before the
    // 1009 close frame the gateway sent: counted apart, not a crash.
    const oversize = frames.some((frame) => frame.data.length > FRAME_LIMIT);
    if (answer.code === 1006 && oversize)
      return { outcome: 'closed 1006 after an oversize frame', clear: true };
    return { outcome: `closed ${answer.code}`, clear: CLEAR_CLOSE_CODES.has(answer.code) };
  }
  const pong = await Promise.race([
    new Promise<boolean>((resolve) => {
      ws.once('pong', () => resolve(true));
      ws.ping();
    }),
    closed.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 5_000)),
  ]);
  if (!pong) {
    const code = ws.readyState === WebSocket.CLOSED ? await closed : 0;
    return { outcome: code ? `closed ${code}` : 'open, no pong', clear: CLEAR_CLOSE_CODES.has(code) };
  }
  ws.close(1000);
  await closed;
  return { outcome: 'open, answering', clear: true };
}

describe('Schema fuzzing of /v1/stream: bad frames get a clear close code, the gateway and other sockets carry on', () => {
  let system: System;
  let world: FuzzWorld;
  let watcher: Socket;
  let streamUrl: (token: string, query?: string) => string;
  const outcomes: Record<string, number> = {};
  let framesSent = 0;

  beforeAll(async () => {
    system = await startSystem('streamfuzz', { gateway: { RATE_LIMIT_PER_MINUTE: '10000000' } });
    world = await buildWorld(system);
    const base = `${system.url.replace(/^http/, 'ws')}/v1/stream`;
    streamUrl = (token, query = '') => `${base}?access_token=${token}${query}`;
    // A socket nobody fuzzes: it must keep getting its events throughout.
    watcher = await openStream(system.url, await system.personToken(world.practiceId, 'fz-client-a'));
    await watcher.next((event) => event.type === 'stream.ready');
  });

  afterAll(async () => {
    watcher?.close();
    console.info('stream fuzzing outcomes', {
      framesSent,
      sockets: SOCKETS,
      upgrades: UPGRADES,
      ...outcomes,
    });
    await system?.stop();
  });

  it(
    'fuzzed frames on sockets of every kind of person',
    async () => {
      const findings: string[] = [];
      const tokens = {
        owner: await system.personToken(world.practiceId, 'fz-owner'),
        client: await system.personToken(world.practiceId, 'fz-client-b'),
        other: await system.personToken(world.practiceId, 'fz-member'),
        expired: await system.personToken(world.practiceId, 'fz-owner', { expiresIn: -60 }),
        forged: (world.authorization('forged', false) ?? '').replace('Bearer ', ''),
      };
      const sessions = fc.sample(
        fc.tuple(
          fc.constantFrom(tokens.owner, tokens.client),
          fc.array(frames(world, tokens), { minLength: 1, maxLength: FRAMES_PER_SOCKET }),
        ),
        { numRuns: SOCKETS, seed: SEED },
      );
      await inParallel(sessions, 4, async ([token, sent]) => {
        const { outcome, clear } = await fuzzSocket(streamUrl(token), sent, () => {
          framesSent += 1;
        });
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (!clear)
          findings.push(
            `${outcome} after ${sent.map((frame) => String(frame.data).slice(0, 60)).join(' | ')}`,
          );
      });
      expect(findings).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'fuzzed upgrades: tokens, resume ids and headers',
    async () => {
      const findings: string[] = [];
      const owner = await system.personToken(world.practiceId, 'fz-owner');
      const odd = [...nastyStrings, 'eph_1', '0-0', 'x'.repeat(201), 'x'.repeat(10_000)];
      const upgrades = fc.sample(
        fc.record({
          token: fc.oneof(
            fc.constant(owner),
            fc.constantFrom(
              '',
              'garbage',
              'x'.repeat(8_193),
              `${owner}x`,
              world.authorization('forged', false) ?? '',
            ),
          ),
          query: fc.option(
            fc.oneof(
              fc.constantFrom(...odd).map((id) => `&last_event_id=${encodeAll(id)}`),
              fc.constantFrom('&unknown=1', '&access_token=second', '&__proto__[x]=1', '&last_event_id=%zz'),
            ),
            { nil: '' },
          ),
        }),
        { numRuns: UPGRADES, seed: SEED + 1 },
      );
      await inParallel(upgrades, 4, async ({ token, query }) => {
        const { outcome, clear } = await fuzzSocket(streamUrl(encodeAll(token), query), [
          text(JSON.stringify({ type: 'typing', chatId: world.pools.chatId?.[0] })),
        ]);
        outcomes[`upgrade: ${outcome}`] = (outcomes[`upgrade: ${outcome}`] ?? 0) + 1;
        if (!clear) findings.push(`upgrade ${query}: ${outcome}`);
      });
      expect(findings).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it('afterwards the gateway is ready and the untouched socket still gets its events', async () => {
    expect((await fetch(`${system.url}/readyz`)).status).toBe(200);
    const owner = api(system.url, (world.authorization('intended', false) ?? '').replace('Bearer ', ''));
    const chatId = world.pools.chatId?.[0] as string;
    const posted = await owner('POST', `/v1/chats/${chatId}/messages`, { body: 'Still there?' });
    expect(posted.status).toBe(201);
    const event = await watcher.next(
      (event) => event.type === 'message.created' && event.data.id === posted.body.id,
    );
    expect(event.chatId).toBe(chatId);
  });
});
