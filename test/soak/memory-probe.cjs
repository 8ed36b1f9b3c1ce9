// Loaded by the soak into each of Huddle's node processes (`node --expose-gc
// --require memory-probe.cjs dist/main.js`); no part of Huddle itself. On SIGUSR2
// it collects all garbage and appends the process's memory as one JSON line to
// `$SOAK_MEMORY_DIR/<name>.jsonl`, <name> being the folder it runs in (chat,
// gateway, ...). The heap used right after a full collection is what the process
// still holds: unlike RSS, it does not wait on when V8 decides to collect or to
// give pages back. In the process named by SOAK_SNAPSHOT_OF it also writes a heap
// snapshot to that folder each time, to compare two of them.
const { appendFileSync } = require('node:fs');
const { basename, join } = require('node:path');
const v8 = require('node:v8');

const dir = process.env.SOAK_MEMORY_DIR;
const name = basename(process.cwd());
if (dir) {
  let taken = 0;
  process.on('SIGUSR2', () => {
    globalThis.gc?.();
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const mb = (bytes) => Math.round((bytes / 2 ** 20) * 100) / 100;
    const line = {
      at: Date.now(),
      rss: mb(rss),
      heapUsed: mb(heapUsed),
      heapTotal: mb(heapTotal),
      external: mb(external),
      arrayBuffers: mb(arrayBuffers),
      // What V8 has reserved per space: the young generation grows in steps with allocation.
      spaces: Object.fromEntries(
        v8.getHeapSpaceStatistics().map((space) => [space.space_name, mb(space.space_size)]),
      ),
    };
    appendFileSync(join(dir, `${name}.jsonl`), `${JSON.stringify(line)}\n`);
    if (process.env.SOAK_SNAPSHOT_OF === name) {
      taken += 1;
      v8.writeHeapSnapshot(join(dir, `${name}-${taken}.heapsnapshot`));
    }
  });
}
