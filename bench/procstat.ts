import { readdirSync, readFileSync } from 'node:fs';

/** A process whose CPU time and memory the bench reports. */
export interface Watched {
  name: string;
  pid: number;
}

export interface Usage {
  /** CPU time over the interval, in cores (1.0 = one core busy the whole time). */
  cpu: number;
  rssMb: number;
}

// USER_HZ: 100 on every Linux the bench targets; /proc/<pid>/stat counts in these ticks.
const TICKS_PER_SECOND = 100;

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** User plus system CPU ticks so far. */
function cpuTicks(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 of stat; here 3 fewer (pid, comm and state come first).
  return fields ? Number(fields[11]) + Number(fields[12]) : 0;
}

/** Resident memory now, from VmRSS in /proc/<pid>/status. */
export function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** Starts measuring: the returned function gives each process's CPU since then and its RSS now. */
export function measure(processes: Watched[]): () => Record<string, Usage> {
  const startedAt = performance.now();
  const before = processes.map((process) => cpuTicks(process.pid));
  return () => {
    const seconds = (performance.now() - startedAt) / 1000;
    return Object.fromEntries(
      processes.map((process, i) => [
        process.name,
        {
          cpu: round((cpuTicks(process.pid) - before[i]!) / TICKS_PER_SECOND / seconds),
          rssMb: round(rssMb(process.pid)),
        },
      ]),
    );
  };
}

/** Every live descendant of `pid` with its command name: the processes a launcher started. */
export function descendants(pid: number): Array<{ pid: number; comm: string }> {
  const parents = new Map<number, Array<{ pid: number; comm: string }>>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), { pid: Number(entry), comm }]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: Array<{ pid: number; comm: string }> = [];
  const visit = (parent: number) => {
    for (const child of parents.get(parent) ?? []) {
      found.push(child);
      visit(child.pid);
    }
  };
  visit(pid);
  return found;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
