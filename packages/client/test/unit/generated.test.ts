import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { clientTypesPath, renderClientTypes } from '../../../../scripts/generate-client';

describe('@huddle/client generated types', () => {
  it('src/gen/api.ts matches the gateway’s /openapi.json (like the gRPC contracts)', async () => {
    const [fresh, committed] = await Promise.all([renderClientTypes(), readFile(clientTypesPath, 'utf8')]);
    expect(committed === fresh, 'packages/client/src/gen/api.ts is stale: run `npm run generate`').toBe(true);
  }, 60_000);
});
