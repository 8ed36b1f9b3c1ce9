import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PostgresClusterOptions {
  /** How long to wait for the server to accept connections at each start; 60 s by default. */
  startTimeoutMs?: number;
}

/** How the server is stopped, as `pg_ctl stop -m`: the signal the postmaster gets. */
export type PostgresStopMode = 'smart' | 'fast' | 'immediate';

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: pass it to `freshDatabase` as `serverUrl`. */
  url: string;
  port: number;
  /** Whether the server runs now. */
  running(): boolean;
  /**
   * Stops the server and keeps its data: `fast` (the default) rolls back open
   * transactions, closes every connection and checkpoints, as `pg_ctl stop -m fast`;
   * `immediate` ends it as a crash would, recovered from the WAL at the next start.
   */
  stop(mode?: PostgresStopMode): Promise<void>;
  /** Starts the stopped server again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server (fast) and removes its data folder. */
  destroy(): Promise<void>;
}

/** Thrown when PostgreSQL's server binaries (`initdb`, `postgres`) cannot be found. */
export class PostgresNotInstalledError extends Error {
  override readonly name = 'PostgresNotInstalledError';
  constructor() {
    super(
      'PostgreSQL server binaries (initdb, postgres) are not installed: install the Debian package ' +
        '`postgresql` (bash scripts/ensure-infra.sh does) or set POSTGRES_BIN_DIR to the folder holding them',
    );
  }
}

const signals: Record<PostgresStopMode, NodeJS.Signals> = {
  smart: 'SIGTERM',
  fast: 'SIGINT',
  immediate: 'SIGQUIT',
};

/**
 * Creates a throwaway PostgreSQL cluster (`initdb`) in a temporary folder and
 * runs its server as a child of this process on a free loopback port, trusting
 * connections from 127.0.0.1 as `postgres`. Unlike the machine's shared server,
 * a test may stop and start it (issue 11: services losing their database).
 *
 * initdb and postgres refuse to run as root: as root (CI), both run as the
 * `postgres` OS user, which owns the folder.
 *
 * The server is tuned for tests: `fsync` off, so a crash of the server loses
 * nothing (the kernel still holds what it wrote), only one of the machine.
 */
export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const owner = serverOwner();
  const root = await mkdtemp(join(tmpdir(), 'huddle-pg-'));
  const dataDir = join(root, 'data');
  const socketDir = join(root, 'socket');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let log = '';
  // Never left running after this process: a test that dies leaves no server and no folder behind.
  const killOnExit = () => {
    child?.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const timeoutMs = options.startTimeoutMs ?? 60_000;

  const launch = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const started = spawn(
        join(bin, 'postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${socketDir}`,
        ],
        { ...owner, env: serverEnv(root), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      child = started;
      exited = new Promise((done) => started.once('exit', () => done()));
      const fail = (reason: string) => {
        clearTimeout(timer);
        reject(new Error(`postgres ${reason}:\n${log.slice(-2_000)}`));
      };
      const timer = setTimeout(() => {
        started.kill('SIGKILL');
        fail(`did not accept connections within ${timeoutMs} ms`);
      }, timeoutMs);
      started.once('error', (error) => fail(`could not start (${error.message})`));
      started.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
      started.stderr?.setEncoding('utf8');
      started.stderr?.on('data', (chunk: string) => {
        // Keep only the tail: the pipe stays drained for the server's whole life.
        log = (log + chunk).slice(-10_000);
        if (chunk.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });

  let port = 0;
  try {
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(socketDir, { mode: 0o700 });
    if (owner) for (const folder of [root, dataDir, socketDir]) await chown(folder, owner.uid, owner.gid);
    await initdb(bin, dataDir, owner, root);
    await appendFile(
      join(dataDir, 'postgresql.conf'),
      [
        '# Throwaway test cluster (@huddle/testing startPostgresCluster)',
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        'max_connections = 200',
        '',
      ].join('\n'),
    );
    // A free port can be taken between the look and the bind: try another.
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      try {
        await launch(port);
        break;
      } catch (error) {
        if (attempt >= 2 || !/could not bind|Address already in use/i.test(String(error))) throw error;
      }
    }
  } catch (error) {
    process.off('exit', killOnExit);
    child?.kill('SIGKILL');
    await exited;
    await rm(root, { recursive: true, force: true });
    throw error;
  }

  const stop = async (mode: PostgresStopMode = 'fast') => {
    if (!running()) return;
    child?.kill(signals[mode]);
    const timer = setTimeout(() => child?.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    running,
    stop,
    async start() {
      if (running()) throw new Error('postgres is still running');
      await launch(port);
    },
    async destroy() {
      process.off('exit', killOnExit);
      await stop('fast');
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** POSTGRES_BIN_DIR, else the newest `/usr/lib/postgresql/<version>/bin`, where Debian puts them. */
export function postgresBinDir(): string {
  const candidates = process.env.POSTGRES_BIN_DIR
    ? [process.env.POSTGRES_BIN_DIR]
    : safeList('/usr/lib/postgresql')
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
        .map((version) => join('/usr/lib/postgresql', version, 'bin'));
  for (const folder of candidates) {
    try {
      for (const binary of ['initdb', 'postgres']) accessSync(join(folder, binary), constants.X_OK);
      return folder;
    } catch {
      // Not complete here; try the next.
    }
  }
  throw new PostgresNotInstalledError();
}

function safeList(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

/** As root, the `postgres` OS user and group the server runs as; otherwise undefined (this user). */
function serverOwner(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'PostgreSQL refuses to run as root and there is no `postgres` OS user to run it as: ' +
        'install the Debian package `postgresql` (bash scripts/ensure-infra.sh does), which creates it',
    );
  }
}

/** Only what the server needs: nothing of the test's environment (PG* variables, secrets) leaks in. */
function serverEnv(home: string): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C', TZ: 'UTC' };
}

function initdb(bin: string, dataDir: string, owner: { uid: number; gid: number } | undefined, home: string) {
  return new Promise<void>((resolve, reject) => {
    const run = spawn(
      join(bin, 'initdb'),
      [
        '-D',
        dataDir,
        '--username=postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--locale=C',
        // A throwaway cluster: no waiting for its files to reach the disk.
        '--no-sync',
        '--no-instructions',
      ],
      { ...owner, env: serverEnv(home), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    run.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-4_000)));
    run.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4_000)));
    run.once('error', (error) => reject(new Error(`initdb could not start (${error.message})`)));
    run.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`initdb failed (${code}):\n${output}`)),
    );
  });
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
