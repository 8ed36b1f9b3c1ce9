/**
 * `npm run bench [-- --quick]`: Huddle as deployed beside a plain baseline,
 * driven by the same load generator. Prints a table and writes
 * bench/results/latest.json; asserts nothing. See bench/README.md.
 */
import { join } from 'node:path';
import { ensureCompiled } from '../scripts/lib/compiled';
import { LoadGenerator, type OneChatResult, type Target } from './load';
import { round, rssMb } from './procstat';
import { type Embedded, print, results, save } from './report';
import { type Mode, modes, rampMixed, rampPostDeliver, reads } from './scenarios';
import { type Layout, seed, seedBaseline, seedEmbedded } from './seed';
import { buildBaseline, root, startBaseline, startEmbedded, startHuddle } from './system';

const mode: Mode = process.argv.includes('--quick') ? modes.quick : modes.full;
/** `--huddle-only`: Huddle's scenarios alone, no baseline and no embedded default (for profiling). */
const huddleOnly = process.argv.includes('--huddle-only');
/** `--profile`: every Huddle process writes a CPU profile into bench/results/profiles/ (see `npm run bench:profile`). */
const profileDir = process.argv.includes('--profile')
  ? join(root, 'bench/results/profiles', new Date().toISOString().replace(/[:.]/g, '-'))
  : undefined;
const startedAt = performance.now();
const log = (line: string) =>
  console.log(`[${((performance.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${line}`);

/** Starts a load generator on `target`, runs `work` with it, and stops it whatever happens. */
async function withLoad<T>(
  target: Target,
  layout: Layout,
  work: (load: LoadGenerator) => Promise<T>,
): Promise<T> {
  const load = await LoadGenerator.start(target, layout, mode.thinkMs);
  try {
    return await work(load);
  } finally {
    await load.stop();
  }
}

/** Scenario 1b: `mode.oneChat.writers` people posting into one chat at once. */
async function writersIntoOneChat(load: LoadGenerator, name: string): Promise<OneChatResult> {
  const { writers, seconds } = mode.oneChat;
  log(`${name}: ${writers} writers into one chat`);
  const result = await load.oneChat(writers, seconds);
  log(
    `  ${result.posts_per_s} posts/s, p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms to the last socket, ` +
      `errors ${result.errors}, undelivered ${result.undelivered}`,
  );
  return result;
}

/** What is running now, so that Ctrl-C still stops it and drops its databases. */
let running: { stop(): Promise<void> } | undefined;
const interrupted = async () => {
  await running?.stop();
  process.exit(130);
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

const compiled = await ensureCompiled();
if (compiled.length > 0) console.log(`dist missing or stale: compiled ${compiled.join(', ')}`);
await buildBaseline();

log('huddle: starting the gateway and five services (dist/main.js), PostgreSQL databases, NATS');
const huddle = await startHuddle({ profileDir });
running = huddle;
const huddleFigures = await (async () => {
  try {
    log(`seeding ${mode.seed.loadChats} chats × 10, ${mode.seed.historyMessages} messages of history`);
    const layout = await seed(huddle.url, huddle.databases, mode.seed);
    const target: Target = { kind: 'huddle', url: huddle.url, practiceId: layout.practiceId };
    return await withLoad(target, layout, async (load) => {
      log('huddle: post → deliver');
      const ramp = await rampPostDeliver(load, huddle.processes, mode, log);
      const oneChat = await writersIntoOneChat(load, 'huddle');
      log('huddle: reads at depth');
      const depth = await reads(load, mode);
      log('huddle: mixed users');
      const mixed = await rampMixed(load, mode, log);
      return { ramp, oneChat, depth, mixed, layout };
    });
  } finally {
    await huddle.stop();
  }
})();

if (huddleOnly) {
  const { oneChat, depth, mixed } = huddleFigures;
  console.log(JSON.stringify({ one_chat: oneChat, reads: depth, mixed: mixed.steps }, null, 2));
  if (profileDir) log(`profiles in ${profileDir}; summarise with: npx tsx bench/profile.ts ${profileDir}`);
  process.exit(0);
}

log('baseline: starting');
const baseline = await startBaseline();
running = baseline;
const { layout } = huddleFigures;
const baselineFigures = await (async () => {
  try {
    await seedBaseline(baseline.databases.baseline!, layout);
    const target: Target = { kind: 'baseline', url: baseline.url, practiceId: layout.practiceId };
    log('baseline: post → deliver');
    return await withLoad(target, layout, async (load) => ({
      ramp: await rampPostDeliver(load, baseline.processes, mode, log),
      oneChat: await writersIntoOneChat(load, 'baseline'),
    }));
  } finally {
    await baseline.stop();
  }
})();

log('embedded: npm start');
const embedded = await startEmbedded();
running = embedded;
const embeddedFigures: Embedded = await (async () => {
  try {
    const atRest = Object.fromEntries(embedded.processes.map((p) => [p.name, round(rssMb(p.pid))]));
    const embeddedLayout = await seedEmbedded(embedded.url);
    const target: Target = { kind: 'huddle', url: embedded.url, practiceId: embeddedLayout.practiceId };
    const step = await withLoad(target, embeddedLayout, async (load) => {
      await load.postStep(mode.embedded.rate, 1);
      return load.postStep(mode.embedded.rate, mode.embedded.seconds);
    });
    return {
      ready_s: round(embedded.readyMs / 1000, 1),
      rss_mb_at_rest: atRest,
      rss_mb_at_rest_total: round(
        Object.values(atRest).reduce((a, b) => a + b, 0),
        1,
      ),
      post_deliver: step,
    };
  } finally {
    await embedded.stop();
  }
})();

const figures = results(
  mode.name,
  { huddle: huddleFigures.ramp, baseline: baselineFigures.ramp },
  { huddle: huddleFigures.oneChat, baseline: baselineFigures.oneChat },
  huddleFigures.depth,
  huddleFigures.mixed,
  embeddedFigures,
);
print(figures);
log(`written ${await save(figures)}`);
process.exit(0);
