import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface NatsServerOptions {
  /** Client port; when unset the server picks a free one. */
  port?: number;
  /** JetStream store; when unset a temporary folder, removed on stop. */
  storeDir?: string;
  /** How long to wait for the server to accept connections; 10 s by default. */
  startTimeoutMs?: number;
  /**
   * Runs the server in a process group of its own, so a terminal's Ctrl-C reaches
   * only this process, which stops the server when it chooses (after what uses it).
   * It is still killed when this process exits.
   */
  ownProcessGroup?: boolean;
}

export interface NatsServer {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  /** Settles with the exit code (or signal name) whenever the process ends, stopped or not. */
  exited: Promise<number | string>;
  /** SIGINT, then SIGKILL after `timeoutMs` (5 s by default); removes a temporary store. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL, as a crash would; keeps the store, so a server started on the same `storeDir` and `port` recovers it. */
  kill(): Promise<void>;
}

/** Thrown when no `nats-server` executable can be found. */
export class NatsServerNotInstalledError extends Error {
  override readonly name = 'NatsServerNotInstalledError';
  constructor() {
    super(
      'nats-server is not installed: install the Debian package `nats-server` ' +
        '(apt-get install nats-server) or set NATS_SERVER_BIN to its path',
    );
  }
}

/**
 * Starts a real NATS server with JetStream on 127.0.0.1, as a child of this
 * process, and resolves once it accepts connections. Each test file gets its
 * own server, so streams and consumers never leak between files.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = natsServerBinary();
  const temporaryStore = options.storeDir ? undefined : await mkdtemp(join(tmpdir(), 'huddle-nats-'));
  const storeDir = options.storeDir ?? temporaryStore!;
  // -1 lets the server bind a free port itself: no window for another process to take it.
  const port = options.port ?? -1;
  const child = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: options.ownProcessGroup ?? false,
  });
  // Outside our process group nothing else would end it if this process died first.
  const killOnExit = () => child.kill('SIGKILL');
  if (options.ownProcessGroup) process.once('exit', killOnExit);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', () => resolve('spawn failed'));
  }).finally(() => process.off('exit', killOnExit));
  const removeStore = () =>
    temporaryStore ? rm(temporaryStore, { recursive: true, force: true }) : undefined;

  try {
    const boundPort = await waitUntilListening(child, exited, options.startTimeoutMs ?? 10_000);
    await waitForConnection(boundPort);
    return {
      url: `nats://127.0.0.1:${boundPort}`,
      exited,
      async stop(timeoutMs = 5_000) {
        await terminate(child, exited, timeoutMs);
        await removeStore();
      },
      async kill() {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGKILL');
        await exited;
      },
    };
  } catch (error) {
    await terminate(child, exited, 1_000);
    await removeStore();
    throw error;
  }
}

/** NATS_SERVER_BIN, else `nats-server` on PATH or in /usr/sbin, where Debian puts it. */
export function natsServerBinary(): string {
  if (process.env.NATS_SERVER_BIN) return process.env.NATS_SERVER_BIN;
  const folders = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const folder of folders.filter(Boolean)) {
    const candidate = join(folder, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this folder; try the next.
    }
  }
  throw new NatsServerNotInstalledError();
}

/** Reads the server log until it reports its client port and readiness. */
function waitUntilListening(
  child: ChildProcess,
  exited: Promise<number | string>,
  timeoutMs: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    let port: number | undefined;
    const timer = setTimeout(() => fail(`did not become ready within ${timeoutMs} ms`), timeoutMs);
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`nats-server ${reason}:\n${log.slice(-2_000)}`));
    };
    child.once('error', (error) => fail(`could not start (${error.message})`));
    exited.then((code) => fail(`exited (${code})`));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      // Keep only the tail: the pipe stays drained for the server's whole life.
      log = (log + chunk).slice(-10_000);
      port ??= Number(/Listening for client connections on [^\s]+:(\d+)/.exec(log)?.[1]) || undefined;
      if (port && log.includes('Server is ready')) {
        clearTimeout(timer);
        resolve(port);
      }
    });
  });
}

async function waitForConnection(port: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (connected) return;
    if (Date.now() > deadline) throw new Error(`nats-server does not accept connections on port ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function terminate(child: ChildProcess, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  // Both SIGINT and SIGTERM shut JetStream down cleanly, but only SIGINT ends with exit code 0.
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
