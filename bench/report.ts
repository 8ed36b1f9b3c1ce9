/** The figures of a run: the JSON kept in bench/results/latest.json, and the table printed. */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import type { MixedResult, OneChatResult, StepResult } from './load';
import { round, type Usage } from './procstat';
import { type MixedRamp, P99_TARGET_MS, type Ramp, type Reads } from './scenarios';
import { root } from './system';

export interface Headline {
  posts_per_s: number;
  deliveries_per_s: number;
  p50_ms: number;
  p99_ms: number;
  p999_ms: number;
  /** Cores each process used during the headline step. */
  cpu: Record<string, number>;
  rss_mb: Record<string, number>;
  offered_per_s: number;
  met_p99_target: boolean;
  steps: StepResult[];
}

export interface Embedded {
  ready_s: number;
  rss_mb_at_rest: Record<string, number>;
  rss_mb_at_rest_total: number;
  post_deliver: StepResult;
}

export interface Results {
  mode: string;
  huddle: Headline;
  baseline: Headline;
  ratio_throughput: number;
  ratio_p99: number;
  /** Writers into one chat at once (closed loop), both servers, and Huddle's posts/s ÷ the baseline's. */
  one_chat: { huddle: OneChatResult; baseline: OneChatResult; ratio_throughput: number };
  reads: Reads;
  mixed: { users: number; p99_ms: number; steps: MixedResult[] };
  embedded: Embedded;
  machine: { cores: number; node: string; loadavg_1m_at_end: number };
}

const byProcess = (processes: Record<string, Usage>, key: keyof Usage) =>
  Object.fromEntries(Object.entries(processes).map(([name, usage]) => [name, usage[key]]));

export function headline(ramp: Ramp): Headline {
  const { headline: step } = ramp;
  return {
    posts_per_s: step.posts_per_s,
    deliveries_per_s: step.deliveries_per_s,
    p50_ms: step.p50_ms,
    p99_ms: step.p99_ms,
    p999_ms: step.p999_ms,
    cpu: byProcess(step.processes, 'cpu'),
    rss_mb: byProcess(step.processes, 'rssMb'),
    offered_per_s: step.offered_per_s,
    met_p99_target: ramp.metTarget,
    steps: ramp.steps,
  };
}

export function results(
  mode: string,
  ramps: { huddle: Ramp; baseline: Ramp },
  oneChat: { huddle: OneChatResult; baseline: OneChatResult },
  reads: Reads,
  mixed: MixedRamp,
  embedded: Embedded,
): Results {
  const h = headline(ramps.huddle);
  const b = headline(ramps.baseline);
  return {
    mode,
    huddle: h,
    baseline: b,
    ratio_throughput: round(h.posts_per_s / b.posts_per_s),
    ratio_p99: round(h.p99_ms / b.p99_ms),
    one_chat: {
      ...oneChat,
      ratio_throughput: round(oneChat.huddle.posts_per_s / oneChat.baseline.posts_per_s),
    },
    reads,
    mixed,
    embedded,
    machine: {
      cores: availableParallelism(),
      node: process.version,
      loadavg_1m_at_end: round(loadavg()[0]!),
    },
  };
}

export async function save(results: Results): Promise<string> {
  const folder = join(root, 'bench/results');
  await mkdir(folder, { recursive: true });
  const file = join(folder, 'latest.json');
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

const cell = (value: unknown, width = 12) => String(value).padStart(width);
const sum = (values: Record<string, number>) =>
  round(
    Object.values(values).reduce((a, b) => a + b, 0),
    1,
  );

export function print(r: Results): void {
  const row = (label: string, values: unknown[]) =>
    console.log(label.padEnd(22) + values.map((v) => cell(v)).join(''));
  console.log(`\nHuddle bench (${r.mode}), ${r.machine.cores} cores, node ${r.machine.node}\n`);
  console.log(
    `post → deliver: the highest offered rate whose p99 (send → last socket) stays ≤ ${P99_TARGET_MS} ms`,
  );
  row('', ['offered/s', 'posts/s', 'deliveries/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'cpu cores', 'rss MB']);
  for (const [name, h] of [
    ['huddle', r.huddle],
    ['baseline', r.baseline],
  ] as const) {
    row(`${name}${h.met_p99_target ? '' : ` (over ${P99_TARGET_MS} ms)`}`, [
      h.offered_per_s,
      h.posts_per_s,
      h.deliveries_per_s,
      h.p50_ms,
      h.p99_ms,
      h.p999_ms,
      sum(h.cpu),
      sum(h.rss_mb),
    ]);
  }
  row('huddle ÷ baseline', ['', r.ratio_throughput, '', '', r.ratio_p99]);
  console.log('\nper process at the headline step (cpu cores, rss MB)');
  for (const [name, h] of [
    ['huddle', r.huddle],
    ['baseline', r.baseline],
  ] as const) {
    console.log(
      `  ${name}: ${Object.keys(h.cpu)
        .map((p) => `${p} ${h.cpu[p]} / ${h.rss_mb[p]}`)
        .join(', ')}`,
    );
  }
  console.log(
    `\n${r.one_chat.huddle.writers} writers into one chat (closed loop; latency: send → last socket)`,
  );
  row('', ['posts/s', 'p50 ms', 'p99 ms', 'accept p99', 'errors']);
  for (const [name, one] of [
    ['huddle', r.one_chat.huddle],
    ['baseline', r.one_chat.baseline],
  ] as const) {
    row(name, [one.posts_per_s, one.p50_ms, one.p99_ms, one.accept.p99_ms, one.errors]);
  }
  row('huddle ÷ baseline', [r.one_chat.ratio_throughput]);
  console.log('\nreads at depth');
  row('', ['req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors']);
  for (const [name, read] of Object.entries(r.reads)) {
    row(name, [read.per_s, read.p50_ms, read.p99_ms, read.p999_ms, read.errors]);
  }
  console.log(
    `\nmixed users (20 s think time): ${r.mixed.users} users held with p99 < 200 ms (p99 ${r.mixed.p99_ms} ms)`,
  );
  const e = r.embedded;
  console.log(
    `\nembedded default (npm start, PGlite): ready in ${e.ready_s} s; ${e.rss_mb_at_rest_total} MB resident at rest ` +
      `(${Object.entries(e.rss_mb_at_rest)
        .map(([p, mb]) => `${p} ${mb}`)
        .join(', ')})`,
  );
  console.log(
    `  post → deliver at ${e.post_deliver.offered_per_s}/s: ${e.post_deliver.posts_per_s} posts/s, ` +
      `p50 ${e.post_deliver.p50_ms} ms, p99 ${e.post_deliver.p99_ms} ms`,
  );
  console.log(`\nload average (1 min) at the end: ${r.machine.loadavg_1m_at_end}`);
}
