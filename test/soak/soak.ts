/**
 * Soak (issue 11): Huddle as deployed (each service and the gateway its own
 * `node dist/main.js`, bench/system.ts) under sockets connecting and leaving
 * and light posting, for 10 minutes by default, watching every process's memory.
 *
 * The verdict is on each node process's live heap: every 30 s the soak asks the
 * process (test/soak/memory-probe.cjs, loaded with `--require`) to collect all
 * garbage and say its heapUsed; after the warm-up, a leak raises that line and
 * nothing else does. Flat: it grows under 0.5 MB a minute. RSS (sampled every
 * 5 s from /proc) is reported beside it, its slope and its per-minute floor's,
 * but not judged: V8 grows its heap in steps and returns pages when it likes,
 * and nats-server's RSS grows with what JetStream stores. Exit code 1 when a
 * heap is not flat or the load itself failed.
 *
 *   npm run test:soak                              # 10 minutes
 *   npm run test:soak -- --seconds 300             # 5 minutes: a slope, with fewer points
 *   npm run test:soak -- --seconds 300 --snapshot chat
 *       # also a heap snapshot of chat at each measurement (in the folder printed at the end)
 *
 * Not part of `npm test`: it builds dist/, starts its own processes and runs for minutes.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mintToken } from '@huddle/testing';
import WebSocket from 'ws';
import { rssMb } from '../../bench/procstat';
import { JWT_SECRET, startHuddle } from '../../bench/system';
import { ensureCompiled } from '../../scripts/lib/compiled';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    // Sockets held open at once; each stays 1-6 s, then leaves and another connects.
    sockets: { type: 'string', default: '40' },
    // Posts a second, spread over the chats.
    posts: { type: 'string', default: '2' },
    // A process (chat, gateway, ...) to take a heap snapshot of at each heap measurement.
    snapshot: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const concurrentSockets = Number(values.sockets);
const postsPerSecond = Number(values.posts);
const SAMPLE_MS = 5_000;
/** The first fifth (at least 30 s) is warm-up: JIT, pools and caches filling up. */
const warmUpMs = Math.max(30_000, seconds * 200);
/** How often each node process is asked for its heap after a full collection. */
const HEAP_MS = 30_000;
/** Flat: after warm-up, the live heap grows less than this many MB a minute. */
const FLAT_HEAP_MB_PER_MINUTE = 0.5;

const PRACTICE = 'soak';
const people = Array.from({ length: 30 }, (_, n) => `person-${n}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  await ensureCompiled();
  console.log(`soak: starting Huddle as deployed for ${seconds} s`);
  const memoryDir = await mkdtemp(join(tmpdir(), 'huddle-soak-'));
  const huddle = await startHuddle({
    nodeFlags: ['--expose-gc', '--require', fileURLToPath(new URL('memory-probe.cjs', import.meta.url))],
    env: { SOAK_MEMORY_DIR: memoryDir, ...(values.snapshot ? { SOAK_SNAPSHOT_OF: values.snapshot } : {}) },
  });
  const nodeProcesses = huddle.processes.filter((p) => p.name !== 'nats-server');
  const tokens = new Map<string, string>();
  const tokenOf = async (person: string) => {
    if (!tokens.has(person)) {
      tokens.set(
        person,
        await mintToken({ secret: JWT_SECRET, sub: person, practice: PRACTICE, expiresIn: '2h' }),
      );
    }
    return tokens.get(person)!;
  };
  let waited = 0;
  /** One call; a 503 (shed: the machine is busy) or 429 is asked again after its Retry-After, as @huddle/client does. */
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(`${huddle.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if ((response.status === 503 || response.status === 429) && attempt < 10) {
        waited += 1;
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
        continue;
      }
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }
  };
  const failures: string[] = [];
  try {
    // A practice of 30 practitioners in five group chats of ten.
    const service = await mintToken({
      secret: JWT_SECRET,
      sub: 'svc:soak',
      practice: PRACTICE,
      scope: 'directory:write',
    });
    await call(service, 'PUT', `/v1/practices/${PRACTICE}`, { name: 'Soak', plan: 'team' });
    for (const [n, id] of people.entries()) {
      const teamRole = n === 0 ? 'owner' : 'member';
      await call(service, 'PUT', `/v1/practices/${PRACTICE}/people/${id}`, {
        kind: 'practitioner',
        firstName: 'Soak',
        lastName: String(n),
        teamRole,
      });
    }
    const chats: string[] = [];
    /** Chat c's ten people, overlapping the next chat's: the owner of the practice makes each. */
    const membersOf = (c: number) =>
      Array.from({ length: 10 }, (_, k) => people[(c * 6 + k) % people.length]!);
    for (let c = 0; c < 5; c += 1) {
      const members = membersOf(c).filter((id) => id !== people[0]);
      const created = await call(await tokenOf(people[0]!), 'POST', '/v1/chats', {
        name: `Soak ${c}`,
        style: 'feed',
        participantIds: members,
      });
      if (created.status !== 201) throw new Error(`chat not created: ${created.status}`);
      chats.push(created.body.id);
    }

    const startedAt = Date.now();
    const endsAt = startedAt + seconds * 1000;
    let gone: string | undefined;
    const running = () => Date.now() < endsAt && gone === undefined;
    const counts = { connected: 0, refused: 0, events: 0, posted: 0, postFailed: 0 };

    /** One socket at a time: connect as someone, stay 1-6 s, leave; again until the end. */
    const socketLoop = async (worker: number) => {
      while (running()) {
        const person = people[(worker * 7 + counts.connected) % people.length]!;
        const url = `${huddle.url.replace(/^http/, 'ws')}/v1/stream?access_token=${await tokenOf(person)}`;
        await new Promise<void>((resolve) => {
          const ws = new WebSocket(url);
          let timer: NodeJS.Timeout | undefined;
          ws.on('message', (raw) => {
            const event = JSON.parse(String(raw)) as { type: string };
            if (event.type === 'stream.ready') {
              counts.connected += 1;
              timer = setTimeout(() => ws.close(1000), 1_000 + Math.random() * 5_000);
            } else counts.events += 1;
          });
          // A refused upgrade or a dropped connection ends in 'close' with 1006, counted below.
          ws.on('error', () => {});
          ws.on('close', (code) => {
            clearTimeout(timer);
            if (code !== 1000 && code !== 1005) counts.refused += 1;
            resolve();
          });
        });
      }
    };
    const postLoop = async () => {
      let n = 0;
      while (running()) {
        const chat = n % chats.length;
        const author = membersOf(chat).filter((id) => id !== people[0])[n % 9]!;
        const reply = await call(await tokenOf(author), 'POST', `/v1/chats/${chats[chat]}/messages`, {
          body: `soak note ${n}`,
        });
        if (reply.status === 201) counts.posted += 1;
        else counts.postFailed += 1;
        n += 1;
        await sleep(1000 / postsPerSecond);
      }
    };

    const samples: Array<{ at: number; rss: Record<string, number> }> = [];
    const sample = () =>
      samples.push({
        at: Date.now() - startedAt,
        rss: Object.fromEntries(huddle.processes.map((p) => [p.name, rssMb(p.pid)])),
      });
    sample();
    const sampler = setInterval(() => {
      sample();
      const last = samples.at(-1)!;
      // A process without memory is no more: the soak stops and says so.
      gone ??= Object.entries(last.rss).find(([, mb]) => mb === 0)?.[0];
      const rss = Object.entries(last.rss)
        .map(([name, mb]) => `${name} ${mb.toFixed(0)}`)
        .join(', ');
      console.log(`${Math.round(last.at / 1000)} s: RSS MB ${rss}; ${JSON.stringify(counts)}`);
    }, SAMPLE_MS);
    const askHeaps = () => {
      for (const { pid } of nodeProcesses) process.kill(pid, 'SIGUSR2');
    };
    askHeaps();
    const heapTimer = setInterval(askHeaps, HEAP_MS);
    await Promise.all([...Array.from({ length: concurrentSockets }, (_, w) => socketLoop(w)), postLoop()]);
    clearInterval(sampler);
    // No last measurement after the load: a heap at rest would pull the slope down.
    clearInterval(heapTimer);
    sample();

    // A busy machine may shed an upgrade now and then (503): more than 1% is a finding.
    if (counts.refused > counts.connected / 100)
      failures.push(`${counts.refused} sockets refused or dropped`);
    if (counts.postFailed > 0) failures.push(`${counts.postFailed} posts failed`);
    if (gone) failures.push(`${gone} exited during the soak`);
    if (counts.events === 0) failures.push('no events reached any socket');

    console.log(`\nsoak: ${seconds} s, ${JSON.stringify(counts)}, ${waited} calls asked again after 503/429`);
    console.log(
      `Live heap (heapUsed after a full collection, every ${HEAP_MS / 1000} s) and RSS ` +
        `(every ${SAMPLE_MS / 1000} s), after a ${warmUpMs / 1000} s warm-up:`,
    );
    console.log(
      'process        | heap start MB | heap end MB | heap MB/min | flat | RSS start | RSS end | RSS MB/min | RSS floor MB/min',
    );
    const measured = samples.filter((s) => s.at >= warmUpMs && Object.values(s.rss).every((mb) => mb > 0));
    for (const { name } of huddle.processes) {
      const heaps = heapLines(memoryDir, name)
        .map((line) => ({ x: (line.at - startedAt) / 60_000, y: line.heapUsed }))
        .filter((point) => point.x * 60_000 >= warmUpMs);
      const heapSlope = leastSquaresSlope(heaps);
      // nats-server is not node: no heap to ask for, its RSS reported only.
      const judged = name !== 'nats-server';
      const flat = !judged || (heaps.length >= 2 && heapSlope < FLAT_HEAP_MB_PER_MINUTE);
      if (!flat)
        failures.push(
          heaps.length < 2
            ? `${name}: too few heap measurements`
            : `${name}'s live heap grew ${heapSlope.toFixed(2)} MB/min`,
        );
      const rss = measured.map((s) => ({ x: s.at / 60_000, y: s.rss[name]! }));
      console.log(
        `${name.padEnd(14)} | ${fmt(heaps[0]?.y, 13)} | ${fmt(heaps.at(-1)?.y, 11)} | ` +
          `${(judged ? heapSlope.toFixed(2) : '-').padStart(11)} | ${(judged ? (flat ? 'yes' : 'NO') : '-').padEnd(4)} | ` +
          `${fmt(rss[0]?.y, 9)} | ${fmt(rss.at(-1)?.y, 7)} | ${leastSquaresSlope(rss).toFixed(2).padStart(10)} | ` +
          `${leastSquaresSlope(minuteFloors(rss)).toFixed(2).padStart(16)}`,
      );
    }
    console.log(`heap lines${values.snapshot ? ' and snapshots' : ''} in ${memoryDir}`);
  } finally {
    await huddle.stop();
  }
  if (failures.length > 0) {
    console.log(`\nsoak FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else console.log('\nsoak passed: every live heap flat, every socket and post served');
}

const fmt = (value: number | undefined, width: number) =>
  (value === undefined ? '-' : value.toFixed(1)).padStart(width);

/** What the memory probe wrote for one process, in order. */
function heapLines(dir: string, name: string): Array<{ at: number; heapUsed: number; rss: number }> {
  try {
    return readFileSync(join(dir, `${name}.jsonl`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

/** The lowest point of each whole minute, at that minute's middle. */
function minuteFloors(points: Array<{ x: number; y: number }>): Array<{ x: number; y: number }> {
  const floors = new Map<number, number>();
  for (const { x, y } of points) floors.set(Math.floor(x), Math.min(floors.get(Math.floor(x)) ?? y, y));
  return [...floors].map(([minute, y]) => ({ x: minute + 0.5, y }));
}

/** The slope of the least-squares line through the points (y per x); 0 with fewer than two points. */
function leastSquaresSlope(points: Array<{ x: number; y: number }>): number {
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / points.length;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / points.length;
  const covariance = points.reduce((sum, p) => sum + (p.x - meanX) * (p.y - meanY), 0);
  const variance = points.reduce((sum, p) => sum + (p.x - meanX) ** 2, 0);
  return variance === 0 ? 0 : covariance / variance;
}

await main();
