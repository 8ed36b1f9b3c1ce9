/**
 * `npm run seed`: the demo practice (gateway/src/dev/demo-practice.ts) written through the
 * gateway's public API of a running `npm start`, with development tokens signed by its
 * secret. Safe to run again: a second run changes nothing.
 *   GATEWAY_URL (default http://localhost:8080), AUTH_JWT_SECRET or $DATA_DIR/jwt-secret.
 */
import { mintToken } from '@huddle/testing';
import { demoPractice } from '../gateway/src/dev/demo-practice';
import { seedDemoPractice } from './lib/demo-seed';
import { devSecretFile, readDevSecret } from './lib/dev-secret';

const baseUrl = process.env.GATEWAY_URL || 'http://localhost:8080';
const dataDir = process.env.DATA_DIR || '.data';
const secret = process.env.AUTH_JWT_SECRET || (await readDevSecret(dataDir));
if (!secret) {
  console.error(
    `No secret: set AUTH_JWT_SECRET, or run \`npm start\` once to create ${devSecretFile(dataDir)}.`,
  );
  process.exit(1);
}

try {
  await seedDemoPractice(baseUrl, (sub, scope) =>
    mintToken({ secret, sub, practice: demoPractice.id, scope, expiresIn: '10m' }),
  );
} catch (error) {
  console.error(`Seeding failed (is \`npm start\` running on ${baseUrl}?): ${(error as Error).message}`);
  process.exit(1);
}
console.log(`Seeded ${demoPractice.name}; sign in at ${baseUrl}/app`);
