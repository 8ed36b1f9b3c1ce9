import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** One service or gateway running as a process of its own, so a test can SIGKILL it. */
export interface ProcessHandle {
  readonly name: string;
  /** The fields of its ready line (e.g. `grpcPort`, `url`) of the current run. */
  readonly ready: Record<string, unknown>;
  /** Whether the current run is alive. */
  alive(): boolean;
  /** SIGKILL, as a crash would: no shutdown hooks, nothing flushed. Resolves once it is gone. */
  kill(): Promise<void>;
  /** Starts it again with the same environment (the same ports) and waits for its ready line. */
  restart(): Promise<void>;
  /** SIGTERM and wait (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** The last lines it printed, for a failure message. */
  output(): string;
}

/**
 * Starts `entry` (e.g. `services/chat/src/main.ts`) with tsx, as `npm start`
 * does, and resolves once it logs `<name> ready`. Give it fixed ports in `env`
 * so a restart listens where its callers expect it.
 */
export async function startProcess(
  name: string,
  entry: string,
  env: Record<string, string>,
  startTimeoutMs = 90_000,
): Promise<ProcessHandle> {
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let tail = '';
  let ready: Record<string, unknown> = {};
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  const launch = () =>
    new Promise<void>((resolve, reject) => {
      const started = spawn(process.execPath, ['--import', 'tsx', entry], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      exited = new Promise((done) => started.once('exit', () => done()));
      const timer = setTimeout(
        () => reject(new Error(`${name} not ready within ${startTimeoutMs} ms:\n${tail}`)),
        startTimeoutMs,
      );
      let pending = '';
      const read = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        tail = (tail + text).slice(-64_000);
        pending += text;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.includes(`"${name} ready"`)) continue;
          try {
            ready = JSON.parse(line);
          } catch {
            continue;
          }
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout?.on('data', read);
      started.stderr?.on('data', read);
      started.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${tail}`));
      });
    });

  await launch();
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    name,
    get ready() {
      return ready;
    },
    alive,
    async kill() {
      if (!alive()) return;
      child?.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (alive()) throw new Error(`${name} is still running`);
      await launch();
    },
    async stop() {
      process.off('exit', killOnExit);
      if (!alive()) return;
      child?.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    output: () => tail,
  };
}
