import { ensureWebAppBuilt } from '../../scripts/lib/web-app';

/** Vitest global setup: the gateway under test serves web/dist, built once before any test file. */
export default async function setup(): Promise<void> {
  await ensureWebAppBuilt();
}
