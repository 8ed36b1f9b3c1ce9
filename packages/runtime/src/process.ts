import { ConfigError } from '@huddle/config';
import type { Logger } from '@huddle/logging';

// The process around a service or the gateway. main.ts imports this before
// telemetry starts, so at top level it loads nothing that patches or opens
// sockets (http, pg, gRPC): those come in through `start`, after telemetry.

/** What a started process is asked to do on SIGINT/SIGTERM, and where it logs. */
export interface Running {
  readonly logger: Logger;
  stop(): Promise<void>;
}

export interface ProcessOptions<C, R extends Running> {
  /** `chat`, `gateway`: names the log lines; telemetry's service is `huddle-<name>`. */
  name: string;
  /** Reads the environment, e.g. `() => import('./config').then((m) => m.loadConfig())`. */
  config: () => Promise<C>;
  /** The collector and the shutdown deadline, from the parsed config. */
  settings: (config: C) => { otlpEndpoint?: string | undefined; shutdownTimeoutMs: number };
  /** Imports and starts the process's work; called once telemetry patches http, pg and gRPC. */
  start: (config: C) => Promise<R>;
  /** Fields of the one ready line, e.g. the ports listened on. */
  ready?: (running: R) => Record<string, unknown>;
}

/** EX_CONFIG from sysexits.h: the process refuses its configuration. */
export const EXIT_CONFIG = 78;

/**
 * Runs a process: config (every problem listed at once, exit 78) → telemetry
 * (its OTLP endpoint already validated) → start (exit 1 on failure) → one ready
 * line → on SIGINT/SIGTERM stop, then flush telemetry, exiting 1 if any step
 * failed or the deadline passed.
 */
export async function runServiceProcess<C, R extends Running>(options: ProcessOptions<C, R>): Promise<void> {
  const { name } = options;
  let config: C;
  try {
    config = await options.config();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const { otlpEndpoint, shutdownTimeoutMs } = options.settings(config);
  const { startTelemetry } = await import('@huddle/telemetry');
  const telemetry = startTelemetry({ serviceName: `huddle-${name}`, otlpEndpoint });
  await runProcess(name, shutdownTimeoutMs, () => options.start(config), telemetry, options.ready);
}

/**
 * The lifecycle of a started process: starts it, logs one ready line, and stops
 * it on SIGINT/SIGTERM (telemetry flushed last), exiting non-zero if a step
 * fails or stopping takes longer than the deadline.
 */
export async function runProcess<R extends Running>(
  name: string,
  shutdownTimeoutMs: number,
  start: () => Promise<R>,
  telemetry?: { shutdown(): Promise<void> },
  ready?: (running: R) => Record<string, unknown>,
) {
  let running: R;
  try {
    running = await start();
  } catch (error) {
    console.error(`${name} could not start:`, error instanceof Error ? error.message : error);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.logger.info({ signal }, `${name} stopping`);
    const deadline = setTimeout(() => {
      running.logger.error(`${name} did not stop within ${shutdownTimeoutMs} ms`);
      process.exit(1);
    }, shutdownTimeoutMs);
    deadline.unref();
    const steps = [{ what: name, stop: () => running.stop() }];
    if (telemetry) steps.push({ what: 'telemetry', stop: () => telemetry.shutdown() });
    void stopInOrder(steps, running.logger).then((stopped) => process.exit(stopped ? 0 : 1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Only once the handlers are in place: whoever waits for this line may signal at once.
  running.logger.info(ready?.(running) ?? {}, `${name} ready`);
}

/**
 * Runs each step in turn, logging one that fails and going on with the next,
 * so a failed stop still flushes telemetry. True when every step succeeded.
 */
export async function stopInOrder(
  steps: Array<{ what: string; stop: () => Promise<void> }>,
  logger: Pick<Logger, 'error'>,
): Promise<boolean> {
  let stopped = true;
  for (const { what, stop } of steps) {
    try {
      await stop();
    } catch (error) {
      stopped = false;
      logger.error({ err: error }, `stopping ${what} failed`);
    }
  }
  return stopped;
}
