/**
 * `npx tsx bench/profile.ts <folder>`: for each V8 CPU profile (`*.cpuprofile`)
 * in the folder, the functions and the packages that spent the most CPU time
 * themselves (self time), so a run under `npm run bench -- --profile` points
 * at where the message path's time goes. Open a profile in Chrome DevTools or
 * speedscope for the flame graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const folder = process.argv[2];
if (!folder) {
  console.error('usage: tsx bench/profile.ts <folder with .cpuprofile files>');
  process.exit(64);
}
const top = Number(process.env.TOP ?? 25);

/** Where a frame's code lives: the npm package, node's own code, or ours. */
function packageOf(url: string): string {
  const module = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (module) return module[1]!;
  if (url.startsWith('node:')) return url;
  if (url === '') return '(native/vm)';
  return url.includes('/dist/') ? 'huddle (bundled)' : url.replace(/^.*\/work\/[^/]+\/[^/]+\//, '');
}

function rows(totals: Map<string, number>, all: number) {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([name, us]) =>
        `  ${((us / all) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    )
    .join('\n');
}

const files = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((name) =>
  name.endsWith('.cpuprofile'),
);
for (const file of files.sort()) {
  const profile = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries())
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') continue;
    busy += us;
    const name = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + us);
    const pkg = functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  // Inclusive time of our own functions: each sample counts once for every
  // distinct Huddle function on its stack, so a use-case shows what it costs in all.
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const ours = new Map<string, number>();
  for (const [id, us] of self) {
    const { functionName } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)')
      continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!frame.url.includes('/dist/') || frame.url.includes('node_modules')) continue;
      const name = `${frame.functionName || '(anonymous)'} :${frame.lineNumber + 1}`;
      if (!seen.has(name)) ours.set(name, (ours.get(name) ?? 0) + us);
      seen.add(name);
    }
  }
  const wall = (profile.endTime - profile.startTime) / 1000;
  console.log(`\n${file}: ${(busy / 1000).toFixed(0)} ms on CPU of ${wall.toFixed(0)} ms\n by package:`);
  console.log(rows(byPackage, busy));
  console.log(' by function (self time):');
  console.log(rows(byFunction, busy));
  console.log(' by Huddle function (inclusive):');
  console.log(rows(ours, busy));
}
