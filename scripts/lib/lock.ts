import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Another launcher, still running, holds the data folder. */
export class DataDirLockedError extends Error {
  constructor(
    readonly pid: number,
    readonly dataDir: string,
  ) {
    super(
      `Huddle is already running on ${dataDir} (launcher pid ${pid}). ` +
        'Stop that one first, or set DATA_DIR to another folder.',
    );
  }
}

export const lockFile = (dataDir: string) => join(dataDir, 'launcher.lock');

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it just is not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data folder for this process: a file holding our pid, created only
 * if absent (`wx`), so two launchers never both run services on one set of
 * embedded databases. A lock whose launcher is gone (killed, power cut) is
 * taken over; one whose launcher lives throws DataDirLockedError. The lock is
 * removed when this process exits.
 */
export function takeDataDirLock(dataDir: string): void {
  const file = lockFile(dataDir);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
    }
    const pid = holder(file);
    // Our own pid is a stale lock too: a container's launcher is pid 1 every time.
    if (pid !== undefined && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(pid, dataDir);
    rmSync(file, { force: true });
  }
  process.once('exit', () => {
    if (holder(file) === process.pid) rmSync(file, { force: true });
  });
}
