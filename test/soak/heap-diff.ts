/**
 * What grew between two heap snapshots of one process (e.g. the soak's
 * `--snapshot chat`, an early one and the last): objects grouped by their
 * constructor or kind, the groups whose count or size grew most first.
 *
 *   npx tsx test/soak/heap-diff.ts <earlier.heapsnapshot> <later.heapsnapshot> [rows]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

interface Group {
  count: number;
  bytes: number;
}

/** Count and self size of the snapshot's nodes by kind and name ("object Map", "closure emit"). */
export function groups(snapshot: Snapshot): Map<string, Group> {
  const fields = snapshot.snapshot.meta.node_fields;
  const kinds = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const [kindAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field)) as [
    number,
    number,
    number,
  ];
  const byGroup = new Map<string, Group>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = kinds[snapshot.nodes[i + kindAt]!]!;
    // Strings and code are grouped by kind only: their names are their contents.
    const named = kind === 'object' || kind === 'closure' || kind === 'native';
    const key = named ? `${kind} ${snapshot.strings[snapshot.nodes[i + nameAt]!]}` : kind;
    const group = byGroup.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += snapshot.nodes[i + sizeAt]!;
    byGroup.set(key, group);
  }
  return byGroup;
}

function main() {
  const [earlierPath, laterPath, rows = '25'] = process.argv.slice(2);
  if (!earlierPath || !laterPath) {
    console.error('usage: heap-diff <earlier.heapsnapshot> <later.heapsnapshot> [rows]');
    process.exit(2);
  }
  const read = (path: string) => groups(JSON.parse(readFileSync(path, 'utf8')) as Snapshot);
  const earlier = read(earlierPath);
  const later = read(laterPath);
  const total = (all: Map<string, Group>) => [...all.values()].reduce((sum, g) => sum + g.bytes, 0);
  const diffs = [...new Set([...earlier.keys(), ...later.keys()])].map((key) => {
    const before = earlier.get(key) ?? { count: 0, bytes: 0 };
    const after = later.get(key) ?? { count: 0, bytes: 0 };
    return { key, count: after.count - before.count, bytes: after.bytes - before.bytes, after };
  });
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(2);
  console.log(`self size ${mb(total(earlier))} MB -> ${mb(total(later))} MB`);
  console.log('grew by (MB) | count change | count after | group');
  for (const diff of diffs.sort((a, b) => b.bytes - a.bytes).slice(0, Number(rows)))
    console.log(
      `${mb(diff.bytes).padStart(12)} | ${String(diff.count).padStart(12)} | ${String(diff.after.count).padStart(11)} | ${diff.key}`,
    );
}

main();
