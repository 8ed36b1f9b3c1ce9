import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
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
          // After the integration tests; quick by default, every case with SECURITY_FULL=1 (npm run test:security).
          sequence: { groupOrder: 2 },
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
