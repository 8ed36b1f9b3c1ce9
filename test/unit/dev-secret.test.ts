import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devSecretFile, ensureDevSecret, readDevSecret } from '../../scripts/lib/dev-secret';

describe('development JWT secret', () => {
  let dataDir: string;
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('is generated once, kept private in DATA_DIR and reused', async () => {
    dataDir = join(await mkdtemp(join(tmpdir(), 'huddle-secret-')), 'not-yet-created');
    expect(await readDevSecret(dataDir)).toBeUndefined();

    const first = await ensureDevSecret(dataDir);
    expect(first.created).toBe(true);
    expect(first.secret).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(devSecretFile(dataDir))).mode & 0o777).toBe(0o600);

    const second = await ensureDevSecret(dataDir);
    expect(second).toEqual({ secret: first.secret, created: false });
    expect(await readDevSecret(dataDir)).toBe(first.secret);
  });
});
