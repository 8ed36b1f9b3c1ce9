import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where `npm start` keeps the HS256 secret it generated, so tokens survive restarts. */
export const devSecretFile = (dataDir: string) => join(dataDir, 'jwt-secret');

/** The stored development secret, if `npm start` has made one. */
export async function readDevSecret(dataDir: string): Promise<string | undefined> {
  try {
    return (await readFile(devSecretFile(dataDir), 'utf8')).trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The stored development secret, or a new random one (32 bytes, hex) saved for next time. */
export async function ensureDevSecret(dataDir: string): Promise<{ secret: string; created: boolean }> {
  const existing = await readDevSecret(dataDir);
  if (existing) return { secret: existing, created: false };
  const secret = randomBytes(32).toString('hex');
  await mkdir(dataDir, { recursive: true });
  // Readable by its owner only: anyone holding it can sign tokens for any person.
  await writeFile(devSecretFile(dataDir), `${secret}\n`, { mode: 0o600 });
  return { secret, created: true };
}
