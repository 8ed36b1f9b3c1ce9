import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import { LongestFirstSequencer, longestFirst } from '../../vitest.config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** What vitest's sort reads of a file: its project, group and path. */
function file(project: string, groupOrder: number, path: string): TestSpecification {
  const config = { sequence: { groupOrder }, isolate: true };
  return { project: { name: project, config }, moduleId: join(root, path) } as unknown as TestSpecification;
}

/** A fresh clone's vitest: no cached results or sizes, so its own order is the order given. */
const freshClone = {
  config: { root },
  cache: { getFileTestResults: () => undefined, getFileStats: () => undefined },
} as unknown as Vitest;

describe('the order test files start in', () => {
  it('names only files that exist', () => {
    for (const path of longestFirst) expect(existsSync(join(root, path)), path).toBe(true);
  });

  it('starts the longest files first within their group, the others in vitest order, groups one after another', async () => {
    const [longest, second] = longestFirst as [string, string];
    const files = [
      file('integration', 1, 'test/integration/tenancy.test.ts'),
      file('security', 1, 'test/security/stream-fuzz.test.ts'),
      file('integration', 1, second),
      file('unit', 0, 'test/unit/processes.test.ts'),
      file('integration', 1, longest),
      file('integration', 1, 'test/integration/audit.test.ts'),
    ];
    const sorted = await new LongestFirstSequencer(freshClone).sort(files);
    expect(sorted.map((spec) => spec.moduleId.slice(root.length))).toEqual([
      'test/unit/processes.test.ts',
      longest,
      second,
      'test/integration/tenancy.test.ts',
      'test/integration/audit.test.ts',
      'test/security/stream-fuzz.test.ts',
    ]);
  });
});
