/**
 * The image's HEALTHCHECK (compiled into each process's dist/healthcheck.js):
 * exits 0 when the process in this container is ready. The gateway answers
 * /readyz; a service reports SERVING on the standard gRPC health service.
 * HUDDLE_COMPONENT names the process; ports come from the same environment the
 * process reads, with the same defaults.
 */
import { checkHealth } from '@huddle/grpc';
import { readinessUrl, services } from './lib/components';

async function healthy(component: string | undefined): Promise<boolean> {
  if (component === 'gateway') {
    const response = await fetch(readinessUrl(process.env), { signal: AbortSignal.timeout(3_000) });
    return response.ok;
  }
  const service = services.find((candidate) => candidate.name === component);
  if (!service) throw new Error(`HUDDLE_COMPONENT must be gateway or a service, not ${component}`);
  return checkHealth(`127.0.0.1:${process.env.GRPC_PORT || service.defaultPort}`, 3_000);
}

process.exit((await healthy(process.env.HUDDLE_COMPONENT).catch(() => false)) ? 0 : 1);
