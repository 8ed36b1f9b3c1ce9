/**
 * Signs an HS256 development token for the gateway and prints only the token:
 *   npm run token -- <personId> --practice <practiceId> [--scope "directory:write programs:write"] [--ttl 12h]
 * The secret is AUTH_JWT_SECRET, else the one `npm start` keeps in $DATA_DIR/jwt-secret.
 */
import { parseArgs } from 'node:util';
import { mintToken } from '@huddle/testing';
import { devSecretFile, readDevSecret } from './lib/dev-secret';

const usage =
  'usage: npm run token -- <personId> --practice <practiceId> [--scope "directory:write programs:write"] [--ttl 12h]';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const config = {
  allowPositionals: true,
  options: {
    practice: { type: 'string' },
    scope: { type: 'string' },
    ttl: { type: 'string', default: '12h' },
  },
} as const;

let args: ReturnType<typeof parseArgs<typeof config>>;
try {
  args = parseArgs(config);
} catch (error) {
  fail(`${(error as Error).message}\n${usage}`);
}

const { positionals, values } = args;
const [sub] = positionals;
if (!sub || positionals.length > 1 || !values.practice) fail(usage);

const dataDir = process.env.DATA_DIR || '.data';
const secret = process.env.AUTH_JWT_SECRET || (await readDevSecret(dataDir));
if (!secret) {
  fail(`No secret: set AUTH_JWT_SECRET, or run \`npm start\` once to create ${devSecretFile(dataDir)}.`);
}

try {
  console.log(
    await mintToken({ secret, sub, practice: values.practice, scope: values.scope, expiresIn: values.ttl }),
  );
} catch (error) {
  // jose rejects a malformed --ttl with a message that names it.
  fail(`${(error as Error).message}\n${usage}`);
}
