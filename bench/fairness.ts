/**
 * `npm run bench:fairness`: issue 11's promise — no practice's load raises
 * another's p99 above 2× — measured as deployed. Starts Huddle as the bench
 * does (each service and the gateway a separate `node dist/main.js`, fresh
 * databases) but with the gateway's DEFAULT limits, seeds two practices of the
 * same shape (a 1,000-message feed chat, four practitioners in it), and then
 * alternates, `--rounds` (default 4) times:
 *
 * - B alone: practice B's four people each read a 20-message page of their
 *   chat every 500 ms (people scrolling fast);
 * - B beside A: the same, while practice A's four people each ask for a
 *   200-message page every 100 ms, or as soon as the last was answered, 429s
 *   and their Retry-After ignored (test/integration/fairness.test.ts's load).
 *
 * `--seconds` (default 60) is each phase's total over the rounds. Alternating
 * lets the shared machine's neighbours weigh on both phases alike; A's budget
 * refills while it rests, so each of its phases starts with a burst (a harsher
 * load than a steady one). Prints B's p50/p99 in each phase and their ratio,
 * A's statuses, and each process's CPU per phase. Every B read must be a 200
 * (a person reading pages never sees 429 or 503): the run fails otherwise.
 * `-- --env NAME=VALUE` (repeatable) adds to the gateway's environment, to
 * compare a limit; `--profile` writes each process's CPU profile as
 * `npm run bench:probe -- --profile` does.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '@huddle/testing';
import { Pool } from 'undici';
import { ensureCompiled } from '../scripts/lib/compiled';
import { Latency } from './load/latency';
import { measure, round as round2 } from './procstat';
import { seed } from './seed';
import { JWT_SECRET, root, startHuddle } from './system';

const argument = (name: string) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const seconds = Number(argument('--seconds') ?? 60);
const rounds = Number(argument('--rounds') ?? 4);
const phaseMs = (seconds * 1000) / rounds;
const gatewayEnv = Object.fromEntries(
  process.argv.flatMap((arg, i) => (process.argv[i - 1] === '--env' ? [arg.split(/=(.*)/s, 2)] : [])),
) as Record<string, string>;
const A = 'fair-a';
const B = 'fair-b';
/** Each practice's four people: its history chat's owner and three practitioners who are members of it. */
const people = ['reader', 'p0', 'p1', 'p2'];
const B_EVERY_MS = 500;
const A_EVERY_MS = 100;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const uptime = () =>
  loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');

const compiled = await ensureCompiled();
if (compiled.length > 0) console.log(`dist missing or stale: compiled ${compiled.join(', ')}`);
const profileDir = process.argv.includes('--profile')
  ? join(root, 'bench/results/profiles', `fairness-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  : undefined;
const huddle = await startHuddle({ limits: 'default', gatewayEnv, profileDir });
let failed = false;
try {
  const size = { loadChats: 3, historyMessages: 1_000, readerChats: 0, threadReplies: 0, historyMembers: 3 };
  const a = await seed(huddle.url, huddle.databases, { ...size, practiceId: A });
  const b = await seed(huddle.url, huddle.databases, { ...size, practiceId: B });
  const bearer = async (practice: string, person: string) =>
    `Bearer ${await mintToken({ secret: JWT_SECRET, sub: person, practice, expiresIn: '6h' })}`;
  // Each side its own connections, as separate people's browsers would be: no queueing in this client.
  const bHttp = new Pool(huddle.url, { connections: people.length });
  const aHttp = new Pool(huddle.url, { connections: people.length });

  const get = async (http: Pool, path: string, authorization: string) => {
    const response = await http.request({ method: 'GET', path, headers: { authorization } });
    await response.body.dump();
    return response.statusCode;
  };

  const bLatency = { alone: new Latency(), beside: new Latency() };
  const bStatuses = { alone: new Map<number, number>(), beside: new Map<number, number>() };
  const aStatuses = new Map<number, number>();
  const aServed = new Latency();

  /** B's four people reading until `done`, each a page every B_EVERY_MS: recorded under `phase`. */
  async function bReads(phase: 'alone' | 'beside', done: () => boolean) {
    await Promise.all(
      people.map(async (person) => {
        const authorization = await bearer(B, person);
        while (!done()) {
          const started = performance.now();
          const status = await get(bHttp, `/v1/chats/${b.history.chatId}/messages?limit=20`, authorization);
          bLatency[phase].record(performance.now() - started);
          bStatuses[phase].set(status, (bStatuses[phase].get(status) ?? 0) + 1);
          await sleep(B_EVERY_MS);
        }
      }),
    );
  }

  /** A's four people hammering 200-message pages until `done`. */
  async function aHammers(done: () => boolean) {
    await Promise.all(
      people.map(async (person) => {
        const authorization = await bearer(A, person);
        while (!done()) {
          const started = performance.now();
          const status = await get(aHttp, `/v1/chats/${a.history.chatId}/messages?limit=200`, authorization);
          if (status === 200) aServed.record(performance.now() - started);
          aStatuses.set(status, (aStatuses.get(status) ?? 0) + 1);
          await sleep(Math.max(0, A_EVERY_MS - (performance.now() - started)));
        }
      }),
    );
  }

  const usage = { alone: measure([]), beside: measure([]) };
  const cpu = { alone: new Map<string, number>(), beside: new Map<string, number>() };
  /** One phase of `ms`: B's reads, beside A's load or not, and each process's CPU meanwhile. */
  async function phase(withA: boolean, ms = phaseMs) {
    const name = withA ? 'beside' : 'alone';
    const ends = Date.now() + ms;
    const done = () => Date.now() >= ends;
    usage[name] = measure(huddle.processes);
    await Promise.all([bReads(name, done), withA ? aHammers(done) : undefined]);
    for (const [process, { cpu: cores }] of Object.entries(usage[name]()))
      cpu[name].set(process, (cpu[name].get(process) ?? 0) + cores * ms);
  }

  // Warm-up: a few seconds of both sides, so the first phase does not time JIT and first connections.
  await phase(true, 5_000);
  for (const name of ['alone', 'beside'] as const) {
    bLatency[name].reset();
    bStatuses[name].clear();
    cpu[name].clear();
  }
  aStatuses.clear();
  aServed.reset();
  console.log(
    `\nuptime before: ${uptime()}; ${rounds} rounds of ${phaseMs / 1000} s alone then ${phaseMs / 1000} s beside A; gateway env ${JSON.stringify(gatewayEnv)}`,
  );
  // Rounds alternate, so the machine's neighbours weigh on both phases alike.
  for (let round = 0; round < rounds; round++) {
    await phase(false);
    await phase(true);
    console.log(`  round ${round + 1}: uptime ${uptime()}`);
  }

  const statuses = (s: Map<number, number>) => JSON.stringify(Object.fromEntries(s));
  const p = { alone: bLatency.alone.percentiles(), beside: bLatency.beside.percentiles() };
  const ratio = (x: number, y: number) => (x / y).toFixed(2);
  console.log(`\nB (4 people, each a 20-message page every ${B_EVERY_MS} ms):`);
  for (const name of ['alone', 'beside'] as const) {
    const q = p[name];
    console.log(
      `  ${name.padEnd(8)} ${q.count} reads ${statuses(bStatuses[name])}  p50 ${q.p50_ms} ms  p99 ${q.p99_ms} ms  max ${q.max_ms} ms`,
    );
  }
  console.log(
    `  ratio    p50 ${ratio(p.beside.p50_ms, p.alone.p50_ms)}×  p99 ${ratio(p.beside.p99_ms, p.alone.p99_ms)}×`,
  );
  const served = aServed.percentiles();
  console.log(
    `A (4 people, each a 200-message page every ${A_EVERY_MS} ms): ${statuses(aStatuses)}; served p50 ${served.p50_ms} ms, p99 ${served.p99_ms} ms`,
  );
  // Where the time goes: each process's CPU (cores, averaged over the phases).
  const cores = (c: Map<string, number>) =>
    [...c].map(([name, weighted]) => `${name} ${round2(weighted / (phaseMs * rounds))}`).join(', ');
  console.log(`cores alone:    ${cores(cpu.alone)}`);
  console.log(`cores beside A: ${cores(cpu.beside)}`);
  for (const name of ['alone', 'beside'] as const) {
    if ((bStatuses[name].get(200) ?? 0) !== bLatency[name].count) {
      console.error(`B was refused or failed ${name}: ${statuses(bStatuses[name])}`);
      failed = true;
    }
  }
  await Promise.all([aHttp.close(), bHttp.close()]);
} finally {
  await huddle.stop();
}
if (profileDir)
  console.log(`profiles in ${profileDir}; summarise with: npm run bench:profile -- ${profileDir}`);
process.exit(failed ? 1 : 0);
