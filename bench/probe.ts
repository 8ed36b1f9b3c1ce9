/**
 * `npm run bench:probe`: a short look at one post's cost, for working on the
 * message path between full bench runs. Starts Huddle as deployed (as the
 * bench does), seeds a few chats of 10, opens every member's socket, then:
 *
 * 1. posts one message at a time and reports the latency of each stage:
 *    HTTP accept, first socket, last socket (p50/p99);
 * 2. measures each process's CPU at rest for 5 s, then posts `PROBE_POSTS`
 *    (default 600) messages 8 at a time and reports the CPU milliseconds each
 *    process spent per post beyond its rest — a figure that roughly holds on a
 *    busy machine, where latencies do not.
 *
 * `--profile` writes CPU profiles as `npm run bench -- --profile` does.
 */
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { ensureCompiled } from '../scripts/lib/compiled';
import { Latency } from './load/latency';
import { benchBody, openSockets } from './load/sockets';
import { as, postPath, type Target } from './load/target';
import { measure, round } from './procstat';
import { seed } from './seed';
import { root, startHuddle } from './system';

const posts = Number(process.env.PROBE_POSTS ?? 600);
const sequential = Number(process.env.PROBE_SEQUENTIAL ?? 100);
const profileDir = process.argv.includes('--profile')
  ? join(root, 'bench/results/profiles', `probe-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  : undefined;

const compiled = await ensureCompiled();
if (compiled.length > 0) console.log(`dist missing or stale: compiled ${compiled.join(', ')}`);
const huddle = await startHuddle({ profileDir });
try {
  const layout = await seed(huddle.url, huddle.databases, {
    loadChats: 8,
    historyMessages: 100,
    readerChats: 3,
    threadReplies: 10,
  });
  const target: Target = { kind: 'huddle', url: huddle.url, practiceId: layout.practiceId };
  const http = new Agent({ connections: 16, pipelining: 1 });
  const waiting = new Map<string, { remaining: number; first?: number; done: (at: number) => void }>();
  const people = [...new Set(layout.loadChats.flatMap((chat) => chat.members))];
  const sockets = await openSockets(target, people, (frame) => {
    const body = benchBody(frame);
    const post = body && waiting.get(body);
    if (!post) return;
    const at = performance.now();
    post.first ??= at;
    if (--post.remaining === 0) {
      waiting.delete(body!);
      post.done(at);
    }
  });

  let serial = 0;
  /** Posts one message into a load chat; resolves with the time of each stage. */
  async function post(chatIndex: number) {
    const chat = layout.loadChats[chatIndex % layout.loadChats.length]!;
    const author = chat.members[serial % chat.members.length]!;
    const body = `bench probe-${serial++}`;
    const sentAt = performance.now();
    const delivered = new Promise<number>((resolve) => {
      waiting.set(body, { remaining: chat.members.length, done: resolve });
    });
    const response = await request(`${huddle.url}${postPath(target, chat.id)}`, {
      dispatcher: http,
      method: 'POST',
      headers: { ...(await as(target, author)), 'content-type': 'application/json' },
      body: JSON.stringify({ body }),
    });
    await response.body.dump();
    if (response.statusCode >= 300) throw new Error(`post refused: ${response.statusCode}`);
    const acceptedAt = performance.now();
    const lastAt = await delivered;
    return { accept: acceptedAt - sentAt, first: waiting.get(body)?.first, last: lastAt - sentAt, sentAt };
  }

  for (let i = 0; i < 20; i++) await post(i); // warm-up
  const accept = new Latency();
  const last = new Latency();
  for (let i = 0; i < sequential; i++) {
    const timing = await post(i);
    accept.record(timing.accept);
    last.record(timing.last);
  }
  const show = (name: string, latency: Latency) => {
    const p = latency.percentiles();
    console.log(`  ${name.padEnd(22)} p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms`);
  };
  console.log(`one post at a time (${sequential}), each to 10 sockets:`);
  show('HTTP accept', accept);
  show('last socket', last);

  // What the processes spend doing nothing (timers, polls, heartbeats), to take out of the per-post figure.
  const idle = measure(huddle.processes);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idleCores = idle();

  const usage = measure(huddle.processes);
  const startedAt = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < posts) await post(next++);
    }),
  );
  const seconds = (performance.now() - startedAt) / 1000;
  const used = usage();
  console.log(
    `\n${posts} posts 8 at a time: ${round(posts / seconds, 1)} posts/s; CPU ms per post (beyond idle), idle cores:`,
  );
  let total = 0;
  for (const [name, { cpu }] of Object.entries(used)) {
    const idleCpu = idleCores[name]?.cpu ?? 0;
    const perPost = ((cpu - idleCpu) * seconds * 1000) / posts;
    total += perPost;
    console.log(`  ${name.padEnd(16)} ${round(perPost, 2).toString().padStart(7)}  ${idleCpu}`);
  }
  console.log(`  ${'all'.padEnd(16)} ${round(total, 2).toString().padStart(7)}`);
  for (const socket of sockets) socket.close();
  await http.close();
} finally {
  await huddle.stop();
}
if (profileDir)
  console.log(`profiles in ${profileDir}; summarise with: npx tsx bench/profile.ts ${profileDir}`);
process.exit(0);
