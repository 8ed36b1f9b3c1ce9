import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';

/** A process the launcher owns: how it ended, and how to end it. */
export interface Managed {
  name: string;
  /** Settles with the exit code or signal whenever the process ends, asked to or not. */
  exited: Promise<number | string>;
  /** Asks the process to stop, then kills it once `timeoutMs` has passed. */
  stop(timeoutMs: number): Promise<void>;
}

const live = new Set<ChildProcess>();

// Children run in their own process groups (see spawnManaged), so nothing else
// would end them if the launcher itself crashed.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Spawns a child with standard output and error passed through. It gets a
 * process group of its own so that Ctrl-C in a terminal reaches only the
 * launcher, which then stops the children in order. It also gets an IPC
 * channel that nothing talks on: the kernel closes it when the launcher dies,
 * however it dies, which is how a child knows to stop (exit-with-launcher.mjs).
 */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'>,
): Managed {
  const child = spawn(command, args, {
    ...options,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  live.add(child);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(`failed to start: ${error.message}`));
  }).finally(() => live.delete(child));

  return {
    name,
    exited,
    async stop(timeoutMs) {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Kills every child at once: the way out when a stop is itself interrupted. */
export function killAll(): void {
  for (const child of live) child.kill('SIGKILL');
}

/** Stops one group after another; the processes within a group stop together. */
export async function stopInOrder(groups: Managed[][], timeoutMs: number): Promise<void> {
  for (const group of groups) {
    await Promise.all(group.map((process) => process.stop(timeoutMs)));
  }
}

export interface RestartPolicy {
  /** The wait before the first restart; it doubles after each crash up to `maxDelayMs`. */
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A process that ran this long before crashing starts again from the first delay. */
  stableMs?: number;
  /** Exits that a restart cannot mend (a configuration error): the supervisor gives up. */
  isFatal?: (code: number | string) => boolean;
  /** Where the supervisor says what it does. */
  log: (line: string) => void;
}

/**
 * Keeps one process running: starts it, and whenever it ends without being
 * asked to, logs how it ended and starts it again after a backoff. `exited`
 * settles only once it is stopped or the supervisor gives up.
 */
export function supervise(
  name: string,
  start: () => Managed | Promise<Managed>,
  { firstDelayMs = 1_000, maxDelayMs = 30_000, stableMs = 30_000, isFatal = () => false, log }: RestartPolicy,
): Managed {
  let current: Managed | undefined;
  let stopTimeoutMs: number | undefined;
  let wake: (() => void) | undefined;

  const run = async (): Promise<number | string> => {
    let delayMs = firstDelayMs;
    for (;;) {
      const startedAt = Date.now();
      let code: number | string;
      try {
        current = await start();
        // Asked to stop while it was starting.
        if (stopTimeoutMs !== undefined) await current.stop(stopTimeoutMs);
        code = await current.exited;
      } catch (error) {
        code = `failed to start: ${(error as Error).message}`;
      }
      current = undefined;
      if (stopTimeoutMs !== undefined || isFatal(code)) return code;
      if (Date.now() - startedAt >= stableMs) delayMs = firstDelayMs;
      log(`${name} exited unexpectedly (${code}); restarting it in ${delayMs / 1000} s.`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
      if (stopTimeoutMs !== undefined) return code;
      log(`Restarting ${name}.`);
      delayMs = Math.min(maxDelayMs, delayMs * 2);
    }
  };
  const exited = run();

  return {
    name,
    exited,
    async stop(timeoutMs) {
      stopTimeoutMs = timeoutMs;
      wake?.();
      await current?.stop(timeoutMs);
      await exited;
    },
  };
}
