/**
 * What /proc says about a driver's process tree: its pids, CPU time
 * (utime+stime, plus cutime+cstime of reaped children), peak RSS (sum of
 * VmHWM) and the inotify watches and fanotify marks it holds (from
 * /proc/PID/fdinfo). Everything here is synchronous and cheap enough to run
 * between two phases of a workload, never inside one.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    ticksPerSecond = Number(text) > 0 ? Number(text) : 100;
  }
  return ticksPerSecond;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The fields after "pid (comm)": index 0 is the state (field 3 of proc(5)). */
function statFields(pid: number): string[] | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** The state letter of proc(5) (R, S, T, Z, …), or undefined once gone. */
export function processState(pid: number): string | undefined {
  return statFields(pid)?.[0];
}

/** ROOTS and all their living descendants. */
export function processTree(roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const ppid = Number(statFields(pid)?.[1]);
    if (!Number.isInteger(ppid)) continue;
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const seen = new Set<number>();
  const stack = [...roots];
  for (let pid = stack.pop(); pid !== undefined; pid = stack.pop()) {
    if (seen.has(pid) || read(`/proc/${pid}/stat`) === undefined) continue;
    seen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/** CPU seconds (user+sys, own and reaped children) used by PIDS so far. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const fields = statFields(pid);
    if (!fields) continue;
    // proc(5) fields 14–17 are utime, stime, cutime, cstime: indexes 11–14 here.
    for (let i = 11; i <= 14; i++) ticks += Number(fields[i] ?? 0);
  }
  return ticks / clockTicks();
}

/** Sum of VmHWM over PIDS, in MiB. */
export function peakRssMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(read(`/proc/${pid}/status`) ?? '');
    if (match?.[1]) kib += Number(match[1]);
  }
  return kib / 1024;
}

export interface Marks {
  inotify: number;
  fanotify: number;
}

/** inotify watches and fanotify marks held through the fds of PIDS. */
export function notifyMarks(pids: readonly number[]): Marks {
  const marks: Marks = { inotify: 0, fanotify: 0 };
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const kind = target.includes('inotify') ? 'inotify' : target.includes('fanotify') ? 'fanotify' : undefined;
      if (!kind) continue;
      const info = read(`/proc/${pid}/fdinfo/${fd}`) ?? '';
      const prefix = kind === 'inotify' ? 'inotify wd:' : 'fanotify ';
      for (const line of info.split('\n')) {
        // The group's own "fanotify flags:" line is not a mark.
        if (line.startsWith(prefix) && !line.startsWith('fanotify flags:')) marks[kind] += 1;
      }
    }
  }
  return marks;
}

/** Sends SIGNAL to every pid, ignoring those already gone. */
export function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // gone already
    }
  }
}

/** fs.inotify.max_queued_events, formatted, or "unknown". */
export function maxQueuedEvents(): string {
  const value = Number(read('/proc/sys/fs/inotify/max_queued_events'));
  return Number.isFinite(value) && value > 0 ? value.toLocaleString('en-US') : 'unknown';
}
