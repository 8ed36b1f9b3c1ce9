import { relative } from 'node:path';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The test files that take longest, of any project, longest first (figures in CONTRIBUTING.md,
 * "Test time"). A fresh clone has no vitest cache, so vitest would order them by file size and
 * start some of them last, leaving one worker alone on a two-minute file at the end of the run;
 * started first, they overlap the short ones instead. List a new file here when it takes more
 * than about 20 s.
 */
export const longestFirst = [
  'test/integration/start.test.ts',
  'test/integration/faults.test.ts',
  'test/integration/compiled.test.ts',
  'test/integration/supervise.test.ts',
  'test/integration/group-chats.test.ts',
  'test/security/fuzz.test.ts',
];

/** Where a file goes: its place in `longestFirst`, or after all of them. */
function rank(file: string): number {
  const place = longestFirst.indexOf(file);
  return place === -1 ? longestFirst.length : place;
}

/**
 * Vitest's own order (projects by `sequence.groupOrder`, then failed and longest first from its
 * cache, or largest first without one), except that within each group the files of
 * `longestFirst` start first.
 */
export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const group = (file: TestSpecification) => file.project.config.sequence.groupOrder;
    // Array.prototype.sort is stable: files of the same rank keep vitest's order.
    return sorted.sort(
      (a, b) => group(a) - group(b) || rank(relative(root, a.moduleId)) - rank(relative(root, b.moduleId)),
    );
  }
}

export default defineConfig({
  test: {
    // The longest files start first, so none is left running alone at the end (`longestFirst`).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          // Vitest's default is one worker fewer than the cores, one worker on two cores: the unit
          // tests are CPU-bound (schemas, the gateway's app, parsers), so they use every core.
          maxWorkers: '100%',
          include: ['{packages,services,gateway}/**/test/unit/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          // Runs after the unit tests, with its own worker count.
          sequence: { groupOrder: 1 },
          // Medium tests: a service's use-cases on their real store and PostgreSQL, no other process.
          include: [
            '{packages,services,gateway}/**/test/{integration,medium}/**/*.test.ts',
            'test/integration/**/*.test.ts',
          ],
          // The browser tests (test/integration/web-app.test.ts) need the web app built first.
          globalSetup: ['packages/testing/src/global-setup.ts', 'test/support/web-app-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Two cores: a few files at a time, each with its own databases and NATS server.
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'security',
          // Quick by default, every case with SECURITY_FULL=1 (npm run test:security). In the integration
          // tests' group (same workers), queued after them: a security file starts as soon as a worker is
          // free, rather than waiting for the last integration file.
          sequence: { groupOrder: 1 },
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
