/**
 * `npm run bench:embedded`: the embedded default's start-up and memory alone
 * (issue 10's target: ready in ≤ 15 s, ≤ 600 MB resident in all at rest).
 * Starts `npm start` on an empty DATA_DIR, then again on the data that left,
 * and each time reports the time to `/readyz` and every process's resident
 * memory right at ready and after `--rest` seconds idle (V8 and PGlite settle
 * in between). `--env KEY=VALUE` (repeatable) passes a setting to the launcher
 * for an experiment. Writes bench/results/embedded.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { round, rssMb } from './procstat';
import { root, startEmbedded } from './system';

const { values } = parseArgs({
  options: {
    rest: { type: 'string', default: '30' },
    env: { type: 'string', multiple: true, default: [] },
  },
});
const restSeconds = Number(values.rest);
const env = Object.fromEntries(
  values.env.map((pair) => {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--env takes KEY=VALUE, not ${pair}`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  }),
);

interface Start {
  ready_s: number;
  rss_mb_at_ready: Record<string, number>;
  rss_mb_at_rest: Record<string, number>;
  total_mb_at_ready: number;
  total_mb_at_rest: number;
}

const sample = (processes: Array<{ name: string; pid: number }>) =>
  Object.fromEntries(processes.map((p) => [p.name, round(rssMb(p.pid), 0)]));
const total = (rss: Record<string, number>) =>
  round(
    Object.values(rss).reduce((a, b) => a + b, 0),
    0,
  );

async function measure(dataDir: string): Promise<Start> {
  const running = await startEmbedded({ dataDir, env });
  try {
    const atReady = sample(running.processes);
    await new Promise((resolve) => setTimeout(resolve, restSeconds * 1000));
    const atRest = sample(running.processes);
    return {
      ready_s: round(running.readyMs / 1000, 1),
      rss_mb_at_ready: atReady,
      rss_mb_at_rest: atRest,
      total_mb_at_ready: total(atReady),
      total_mb_at_rest: total(atRest),
    };
  } finally {
    await running.stop();
  }
}

function print(what: string, start: Start) {
  console.log(
    `${what}: ready in ${start.ready_s} s; ${start.total_mb_at_ready} MB resident at ready, ` +
      `${start.total_mb_at_rest} MB after ${restSeconds} s`,
  );
  for (const [name, mb] of Object.entries(start.rss_mb_at_rest)) {
    console.log(`  ${name.padEnd(16)} ${String(start.rss_mb_at_ready[name]).padStart(5)} → ${mb} MB`);
  }
}

const dataDir = await mkdtemp(join(tmpdir(), 'huddle-bench-embedded-'));
try {
  const fresh = await measure(dataDir);
  print('fresh DATA_DIR', fresh);
  const existing = await measure(dataDir);
  print('existing data', existing);
  const [load] = (await import('node:os')).loadavg();
  const results = { fresh, existing, rest_s: restSeconds, env, load_average: round(load ?? 0, 1) };
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/embedded.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`load average ${results.load_average}; written bench/results/embedded.json`);
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
