import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ensureInfra = fileURLToPath(new URL('../../../scripts/ensure-infra.sh', import.meta.url));

/**
 * Vitest global setup for integration tests: the PostgreSQL and NATS servers
 * they use must be installed and running before any test file starts.
 */
export default function setup(): void {
  execFileSync('bash', [ensureInfra], { stdio: 'inherit' });
}
