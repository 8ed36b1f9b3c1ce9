import { defineConfig } from 'drizzle-kit';

// The outbox and inbox alone, for the bus's own integration tests.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/tables.ts',
  out: './test/migrations',
});
