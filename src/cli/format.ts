/**
 * Output the way inotify-tools prints it: event names in libinotifytools'
 * order (`CLOSE_WRITE,CLOSE`, `CREATE,ISDIR`), inotifywait's --format
 * directives, its CSV quoting, an strftime for --timefmt, and the errno
 * texts of glibc's strerror.
 */
import {
  IN_ACCESS,
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CLOSE,
  IN_CLOSE_NOWRITE,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONESHOT,
  IN_OPEN,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
} from '../inotify/index.js';

/** libinotifytools' inotifytools_event_to_str_sep() order; CLOSE when either close bit is set. */
const EVENT_ORDER: readonly (readonly [number, string])[] = [
  [IN_ACCESS, 'ACCESS'],
  [IN_MODIFY, 'MODIFY'],
  [IN_ATTRIB, 'ATTRIB'],
  [IN_CLOSE_WRITE, 'CLOSE_WRITE'],
  [IN_CLOSE_NOWRITE, 'CLOSE_NOWRITE'],
  [IN_OPEN, 'OPEN'],
  [IN_MOVED_FROM, 'MOVED_FROM'],
  [IN_MOVED_TO, 'MOVED_TO'],
  [IN_CREATE, 'CREATE'],
  [IN_DELETE, 'DELETE'],
  [IN_DELETE_SELF, 'DELETE_SELF'],
  [IN_UNMOUNT, 'UNMOUNT'],
  [IN_Q_OVERFLOW, 'Q_OVERFLOW'],
  [IN_IGNORED, 'IGNORED'],
  [IN_CLOSE, 'CLOSE'],
  [IN_MOVE_SELF, 'MOVE_SELF'],
  [IN_ISDIR, 'ISDIR'],
  [IN_ONESHOT, 'ONESHOT'],
];

/** `['CLOSE_WRITE', 'CLOSE']` for IN_CLOSE_WRITE; `0x…` when no bit has a name. */
export function eventNames(mask: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of EVENT_ORDER) if (mask & bit) out.push(name);
  if (out.length === 0) out.push(`0x${(mask >>> 0).toString(16).padStart(8, '0')}`);
  return out;
}

/** Names accepted by -e (case-insensitive), as libinotifytools' onestr_to_event(). */
const EVENT_BY_NAME = new Map<string, number>([
  ['access', IN_ACCESS],
  ['modify', IN_MODIFY],
  ['attrib', IN_ATTRIB],
  ['close_write', IN_CLOSE_WRITE],
  ['close_nowrite', IN_CLOSE_NOWRITE],
  ['open', IN_OPEN],
  ['moved_from', IN_MOVED_FROM],
  ['moved_to', IN_MOVED_TO],
  ['create', IN_CREATE],
  ['delete', IN_DELETE],
  ['delete_self', IN_DELETE_SELF],
  ['unmount', IN_UNMOUNT],
  ['q_overflow', IN_Q_OVERFLOW],
  ['ignored', IN_IGNORED],
  ['close', IN_CLOSE],
  ['move_self', IN_MOVE_SELF],
  ['move', IN_MOVE],
  ['isdir', IN_ISDIR],
  ['oneshot', IN_ONESHOT],
  ['all_events', IN_ALL_EVENTS],
]);

/** The mask of `-e` values (each a comma list); a string naming the first bad one. */
export function parseEventList(values: readonly string[]): number | { bad: string } {
  let mask = 0;
  for (const value of values) {
    for (const name of value.split(',')) {
      const bit = EVENT_BY_NAME.get(name.toLowerCase());
      if (bit === undefined) return { bad: name };
      mask |= bit;
    }
  }
  return mask >>> 0;
}

/** The event columns of inotifywatch's table, in its order. */
export const WATCH_COLUMNS: readonly (readonly [number, string])[] = [
  [IN_ACCESS, 'access'],
  [IN_MODIFY, 'modify'],
  [IN_ATTRIB, 'attrib'],
  [IN_CLOSE_WRITE, 'close_write'],
  [IN_CLOSE_NOWRITE, 'close_nowrite'],
  [IN_OPEN, 'open'],
  [IN_MOVED_FROM, 'moved_from'],
  [IN_MOVED_TO, 'moved_to'],
  [IN_MOVE_SELF, 'move_self'],
  [IN_CREATE, 'create'],
  [IN_DELETE, 'delete'],
  [IN_DELETE_SELF, 'delete_self'],
  [IN_UNMOUNT, 'unmount'],
];

/** What one --format line is made of. */
export interface FormatFields {
  /** The watched path as the user named it (a directory with a trailing `/`). */
  w: string;
  /** The entry's name, '' for an event on the watched object itself. */
  f: string;
  mask: number;
  cookie: number;
  /** For %T. */
  time: Date;
}

/** Does `fmt` use %T (then --timefmt is required)? */
export function formatUsesTime(fmt: string): boolean {
  for (let i = 0; i < fmt.length - 1; i++) {
    if (fmt[i] === '%') {
      if (fmt[i + 1] === 'T') return true;
      i++;
    }
  }
  return false;
}

/**
 * inotifywait --format: %w %f %e (comma-separated names), %Xe (names
 * separated by the character X), %T (the time per --timefmt), %c (the
 * cookie, hex), %0 (a NUL), %% ; anything else is printed as is.
 */
export function formatEvent(fmt: string, f: FormatFields, timefmt: string | undefined): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    const d = fmt[i + 1]!;
    i++;
    switch (d) {
      case 'w':
        out += f.w;
        break;
      case 'f':
        out += f.f;
        break;
      case 'e':
        out += eventNames(f.mask).join(',');
        break;
      case 'T':
        out += strftime(timefmt ?? '', f.time);
        break;
      case 'c':
        out += (f.cookie >>> 0).toString(16);
        break;
      case '0':
        out += '\0';
        break;
      case '%':
        out += '%';
        break;
      default:
        if (fmt[i + 1] === 'e' && !/[A-Za-z0-9]/.test(d)) {
          out += eventNames(f.mask).join(d);
          i++;
        } else {
          out += '%' + d;
        }
    }
  }
  return out;
}

/** One CSV field: quoted when it holds a comma, a quote or a line break; quotes doubled. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function pad(n: number, width = 2, fill = '0'): string {
  return String(n).padStart(width, fill);
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

function zoneOffset(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  return sign + pad(Math.floor(abs / 60)) + pad(abs % 60);
}

/**
 * strftime(3) in local time, for the conversions people put in --timefmt:
 * %a %A %b %B %c %C %d %D %e %F %h %H %I %j %k %l %m %M %n %p %P %r %R %s
 * %S %t %T %u %w %y %Y %z %Z %%. Unknown ones are printed as is.
 */
export function strftime(fmt: string, d: Date): string {
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c;
      continue;
    }
    const k = fmt[++i]!;
    const h = d.getHours();
    const h12 = h % 12 === 0 ? 12 : h % 12;
    switch (k) {
      case 'a': out += DAYS[d.getDay()]!.slice(0, 3); break;
      case 'A': out += DAYS[d.getDay()]!; break;
      case 'b': case 'h': out += MONTHS[d.getMonth()]!.slice(0, 3); break;
      case 'B': out += MONTHS[d.getMonth()]!; break;
      case 'c': out += strftime('%a %b %e %H:%M:%S %Y', d); break;
      case 'C': out += pad(Math.floor(d.getFullYear() / 100)); break;
      case 'd': out += pad(d.getDate()); break;
      case 'D': out += strftime('%m/%d/%y', d); break;
      case 'e': out += pad(d.getDate(), 2, ' '); break;
      case 'F': out += strftime('%Y-%m-%d', d); break;
      case 'H': out += pad(h); break;
      case 'I': out += pad(h12); break;
      case 'j': {
        const start = new Date(d.getFullYear(), 0, 1);
        const day = Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86_400_000) + 1;
        out += pad(day, 3);
        break;
      }
      case 'k': out += pad(h, 2, ' '); break;
      case 'l': out += pad(h12, 2, ' '); break;
      case 'm': out += pad(d.getMonth() + 1); break;
      case 'M': out += pad(d.getMinutes()); break;
      case 'n': out += '\n'; break;
      case 'p': out += h < 12 ? 'AM' : 'PM'; break;
      case 'P': out += h < 12 ? 'am' : 'pm'; break;
      case 'r': out += strftime('%I:%M:%S %p', d); break;
      case 'R': out += strftime('%H:%M', d); break;
      case 's': out += String(Math.floor(d.getTime() / 1000)); break;
      case 'S': out += pad(d.getSeconds()); break;
      case 't': out += '\t'; break;
      case 'T': out += strftime('%H:%M:%S', d); break;
      case 'u': out += String(d.getDay() === 0 ? 7 : d.getDay()); break;
      case 'w': out += String(d.getDay()); break;
      case 'y': out += pad(d.getFullYear() % 100); break;
      case 'Y': out += String(d.getFullYear()); break;
      case 'z': out += zoneOffset(d); break;
      case 'Z': out += zoneName(d); break;
      case '%': out += '%'; break;
      default: out += '%' + k;
    }
  }
  return out;
}

/** glibc's strerror() text for the codes a watch can fail with. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOSPC: 'No space left on device',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EINVAL: 'Invalid argument',
  ENOSYS: 'Function not implemented',
  ENOMEM: 'Cannot allocate memory',
  EBADF: 'Bad file descriptor',
  EIO: 'Input/output error',
};

/** `No such file or directory` for an error with code ENOENT; the message otherwise. */
export function strerror(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && STRERROR[code] !== undefined) return STRERROR[code];
  return e instanceof Error ? e.message : String(e);
}
