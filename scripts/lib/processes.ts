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
 * launcher, which then stops the children in order.
 */
export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'>,
): Managed {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
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
