import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,gateway}/**/test/unit/**/*.test.ts', 'test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{packages,services,gateway}/**/test/integration/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: ['packages/testing/src/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // Two cores: a few files at a time, each with its own databases and NATS server.
          maxWorkers: 2,
        },
      },
    ],
  },
});
