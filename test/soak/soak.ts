/**
 * Soak (issue 11): Huddle as deployed (each service and the gateway its own
 * `node dist/main.js`, bench/system.ts) under sockets connecting and leaving
 * and light posting, for 10 minutes by default, sampling every process's
 * resident memory. It reports each process's RSS slope after the warm-up
 * (least squares, MB per minute) and the slope of each minute's lowest RSS
 * (the floor, which garbage collection's saw-tooth does not move; a leak
 * raises it), flat when the floor grows under 1 MB a minute; exit code 1 when
 * it is not, or when the load itself failed.
 *
 *   npm run test:soak                      # 10 minutes
 *   npm run test:soak -- --seconds 60      # a quick look (too short to judge a slope)
 *
 * Not part of `npm test`: it builds dist/, starts its own processes and runs for minutes.
 */
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
  },
});
const seconds = Number(values.seconds);
const concurrentSockets = Number(values.sockets);
const postsPerSecond = Number(values.posts);
const SAMPLE_MS = 5_000;
/** The first fifth (at least 30 s) is warm-up: JIT, pools and caches filling up. */
const warmUpMs = Math.max(30_000, seconds * 200);
/** Flat: after warm-up, the lowest RSS of each minute grows less than this many MB a minute. */
const FLAT_MB_PER_MINUTE = 1;

const PRACTICE = 'soak';
const people = Array.from({ length: 30 }, (_, n) => `person-${n}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  await ensureCompiled();
  console.log(`soak: starting Huddle as deployed for ${seconds} s`);
  const huddle = await startHuddle();
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
    await Promise.all([...Array.from({ length: concurrentSockets }, (_, w) => socketLoop(w)), postLoop()]);
    clearInterval(sampler);
    sample();

    // A busy machine may shed an upgrade now and then (503): more than 1% is a finding.
    if (counts.refused > counts.connected / 100)
      failures.push(`${counts.refused} sockets refused or dropped`);
    if (counts.postFailed > 0) failures.push(`${counts.postFailed} posts failed`);
    if (gone) failures.push(`${gone} exited during the soak`);
    if (counts.events === 0) failures.push('no events reached any socket');

    console.log(`\nsoak: ${seconds} s, ${JSON.stringify(counts)}, ${waited} calls asked again after 503/429`);
    console.log(`RSS after a ${warmUpMs / 1000} s warm-up, sampled every ${SAMPLE_MS / 1000} s:`);
    console.log('process        | start MB | end MB | max MB | slope MB/min | floor slope MB/min | flat');
    const measured = samples.filter((s) => s.at >= warmUpMs && Object.values(s.rss).every((mb) => mb > 0));
    for (const { name } of huddle.processes) {
      const points = measured.map((s) => ({ x: s.at / 60_000, y: s.rss[name]! }));
      const slope = leastSquaresSlope(points);
      const floor = leastSquaresSlope(minuteFloors(points));
      // Judged on the floor: RSS saws up and down with garbage collection, a leak raises the lows.
      const flat = floor < FLAT_MB_PER_MINUTE;
      if (!flat) failures.push(`${name}'s RSS floor grew ${floor.toFixed(2)} MB/min`);
      const ys = points.map((p) => p.y);
      console.log(
        `${name.padEnd(14)} | ${fmt(ys[0])} | ${fmt(ys.at(-1))} | ${fmt(Math.max(...ys))} | ` +
          `${slope.toFixed(2).padStart(12)} | ${floor.toFixed(2).padStart(18)} | ${flat ? 'yes' : 'NO'}`,
      );
    }
  } finally {
    await huddle.stop();
  }
  if (failures.length > 0) {
    console.log(`\nsoak FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else console.log('\nsoak passed: every process flat, every socket and post served');
}

const fmt = (value: number | undefined) => (value ?? Number.NaN).toFixed(0).padStart(8);

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
