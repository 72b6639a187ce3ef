/**
 * `tsnotify trace`: fatrace-like tracing through the kernel's fanotify — who
 * (pid and command name) opened, read, wrote or closed what, on the whole
 * filesystem holding PATH (a filesystem mark) or only PATH's mount (-c).
 * Needs root (CAP_SYS_ADMIN) and says so clearly otherwise.
 */
import { readFileSync } from 'node:fs';
import { isSystemError } from '../../errors.js';
import {
  FAN_ACCESS,
  FAN_CLASS_NOTIF,
  FAN_CLOSE_NOWRITE,
  FAN_CLOSE_WRITE,
  FAN_MARK_ADD,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_MOUNT,
  FAN_MODIFY,
  FAN_OPEN,
  FAN_OPEN_EXEC,
  FAN_Q_OVERFLOW,
} from '../../fanotify/index.js';
import { hostFanotifyInit } from '../../host/index.js';
import { linuxSyscalls } from '../../host/linux/index.js';
import type { Io } from '../io.js';

export const HELP = `Usage: tsnotify trace [options] [PATH]

Trace file accesses on the filesystem holding PATH (default /), fatrace-style:
one line per event, 'command(pid): TYPES path', where TYPES are
O (open), R (read), W (write), C (close), X (open for execution).
Events of tsnotify itself are not shown. Needs root (CAP_SYS_ADMIN).

Options:
  -c, --current-mount   only PATH's mount (a mount mark), not the whole filesystem
  -s, --seconds N       stop after N seconds (default: until interrupted)
  -t, --timestamp       prefix each line with the time (HH:MM:SS.ffffff)
  -p, --ignore-pid PID  do not show this process (repeatable)
  -f, --filter TYPES    only these types, e.g. -f WC
  -q, --quiet           no 'Tracing …' line on stderr
      --json            one JSON object per line: {time, pid, comm, types, path}
  -h, --help            this text

Examples:
  sudo tsnotify trace                    # everything on the root filesystem
  sudo tsnotify trace -c -f W /var/log   # writes on the mount holding /var/log
  sudo tsnotify trace -s 10 --json /srv  # ten seconds of NDJSON
`;

interface TraceOptions {
  path: string;
  mount: boolean;
  seconds: number | null;
  timestamp: boolean;
  ignore: Set<number>;
  filter: string | null;
  quiet: boolean;
  json: boolean;
}

function parse(argv: string[]): TraceOptions | string {
  const o: TraceOptions = { path: '/', mount: false, seconds: null, timestamp: false, ignore: new Set(), filter: null, quiet: false, json: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '-c' || a === '--current-mount') o.mount = true;
    else if (a === '-t' || a === '--timestamp') o.timestamp = true;
    else if (a === '-q' || a === '--quiet') o.quiet = true;
    else if (a === '--json') o.json = true;
    else if (a === '-s' || a === '--seconds') {
      const n = Number(value());
      if (!Number.isFinite(n) || n <= 0) return `${a} takes a positive number of seconds`;
      o.seconds = n;
    } else if (a === '-p' || a === '--ignore-pid') {
      const n = Number(value());
      if (!Number.isInteger(n) || n <= 0) return `${a} takes a process id`;
      o.ignore.add(n);
    } else if (a === '-f' || a === '--filter') {
      const v = value() ?? '';
      if (!/^[ORWCX]+$/.test(v)) return `${a} takes letters among O R W C X`;
      o.filter = v;
    } else if (a.startsWith('-') && a !== '-') return `unknown option '${a}'`;
    else rest.push(a);
  }
  if (rest.length > 1) return 'at most one PATH';
  if (rest[0] !== undefined) o.path = rest[0];
  return o;
}

/** fatrace's letters for an event mask. */
export function traceTypes(mask: number): string {
  let t = '';
  if (mask & FAN_OPEN_EXEC) t += 'X';
  if (mask & FAN_OPEN) t += 'O';
  if (mask & FAN_ACCESS) t += 'R';
  if (mask & FAN_MODIFY) t += 'W';
  if (mask & (FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE)) t += 'C';
  return t;
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function clock(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds() * 1000, 6)}`;
}

const NEEDS_ROOT =
  "fanotify mount and filesystem marks need CAP_SYS_ADMIN: run 'tsnotify trace' as root (e.g. with sudo)";

export async function traceCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  const o = parse(argv);
  if (typeof o === 'string') {
    io.err(`tsnotify trace: ${o}\n${HELP}`);
    return 1;
  }
  if (process.platform !== 'linux') {
    io.err('tsnotify trace: fanotify needs Linux\n');
    return 1;
  }
  if (process.geteuid?.() !== 0) {
    io.err(`tsnotify trace: EPERM: ${NEEDS_ROOT}\n`);
    return 1;
  }
  let group;
  try {
    group = hostFanotifyInit({ flags: FAN_CLASS_NOTIF });
    group.mark(
      FAN_MARK_ADD | (o.mount ? FAN_MARK_MOUNT : FAN_MARK_FILESYSTEM),
      FAN_OPEN | FAN_OPEN_EXEC | FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE,
      o.path,
    );
  } catch (e) {
    group?.close();
    const hint = isSystemError(e, 'EPERM') ? ` (${NEEDS_ROOT})` : '';
    io.err(`tsnotify trace: ${(e as Error).message}${hint}\n`);
    return 1;
  }
  const sys = linuxSyscalls();
  const self = process.pid;
  let stop = false;
  const finish = (): void => {
    stop = true;
    group.close();
  };
  const timer = o.seconds !== null ? setTimeout(finish, o.seconds * 1000) : null;
  process.once('SIGINT', finish);
  process.once('SIGTERM', finish);
  if (!o.quiet) io.err(`Tracing ${o.mount ? 'the mount' : 'the filesystem'} of ${o.path}. Press Ctrl-C to stop.\n`);
  try {
    for await (const ev of group) {
      if (ev.mask & FAN_Q_OVERFLOW) {
        io.err('tsnotify trace: the kernel queue overflowed; events were lost\n');
        continue;
      }
      let path = '';
      if (ev.fd >= 0) {
        try {
          path = sys.readlink(`/proc/self/fd/${ev.fd}`);
        } catch {
          path = '?';
        }
        sys.close(ev.fd);
      }
      if (ev.pid === self || o.ignore.has(ev.pid)) continue;
      let types = traceTypes(ev.mask);
      if (o.filter) types = [...types].filter((c) => o.filter!.includes(c)).join('');
      if (types === '') continue;
      const now = new Date();
      const comm = commOf(ev.pid);
      if (o.json) io.out(JSON.stringify({ time: now.toISOString(), pid: ev.pid, comm, types, path }) + '\n');
      else io.out(`${o.timestamp ? clock(now) + ' ' : ''}${comm}(${ev.pid}): ${types} ${path}\n`);
      if (stop) break;
    }
  } finally {
    if (timer) clearTimeout(timer);
    process.removeListener('SIGINT', finish);
    process.removeListener('SIGTERM', finish);
    if (!group.closed) group.close();
  }
  return 0;
}
