/**
 * SystemError: every failing call reports the kernel's errno the way Node's
 * own `fs` errors do — `code`, `errno` (negative, as libuv reports it),
 * `syscall`, `path`, and a message `ENOENT: no such file or directory,
 * inotify_add_watch '/srv/x'`. One table, one factory, one guard.
 */

/** Linux x86-64 errno numbers and their strerror texts (the libuv wording). */
export const ERRNO = {
  EPERM: [1, 'operation not permitted'],
  ENOENT: [2, 'no such file or directory'],
  ESRCH: [3, 'no such process'],
  EINTR: [4, 'interrupted system call'],
  EIO: [5, 'i/o error'],
  ENXIO: [6, 'no such device or address'],
  E2BIG: [7, 'argument list too long'],
  EBADF: [9, 'bad file descriptor'],
  EAGAIN: [11, 'resource temporarily unavailable'],
  ENOMEM: [12, 'not enough memory'],
  EACCES: [13, 'permission denied'],
  EFAULT: [14, 'bad address in system call argument'],
  EBUSY: [16, 'resource busy or locked'],
  EEXIST: [17, 'file already exists'],
  EXDEV: [18, 'cross-device link not permitted'],
  ENODEV: [19, 'no such device'],
  ENOTDIR: [20, 'not a directory'],
  EISDIR: [21, 'illegal operation on a directory'],
  EINVAL: [22, 'invalid argument'],
  ENFILE: [23, 'file table overflow'],
  EMFILE: [24, 'too many open files'],
  ENOTTY: [25, 'inappropriate ioctl for device'],
  ETXTBSY: [26, 'text file is busy'],
  EFBIG: [27, 'file too large'],
  ENOSPC: [28, 'no space left on device'],
  ESPIPE: [29, 'invalid seek'],
  EROFS: [30, 'read-only file system'],
  EMLINK: [31, 'too many links'],
  EPIPE: [32, 'broken pipe'],
  ERANGE: [34, 'result too large'],
  ENAMETOOLONG: [36, 'name too long'],
  ENOSYS: [38, 'function not implemented'],
  ENOTEMPTY: [39, 'directory not empty'],
  ELOOP: [40, 'too many symbolic links encountered'],
  ENODATA: [61, 'no data available'],
  EOVERFLOW: [75, 'value too large for defined data type'],
  EOPNOTSUPP: [95, 'operation not supported on socket'],
  ESTALE: [116, 'stale file handle'],
  EDQUOT: [122, 'disk quota exceeded'],
} as const satisfies Record<string, readonly [number, string]>;

export type ErrnoCode = keyof typeof ERRNO;

const BY_NUMBER = new Map<number, ErrnoCode>(
  (Object.keys(ERRNO) as ErrnoCode[]).map((code) => [ERRNO[code][0], code]),
);

/** The errno name for a positive errno number (`2` → `'ENOENT'`), or `undefined`. */
export function errnoName(errno: number): ErrnoCode | undefined {
  return BY_NUMBER.get(Math.abs(errno));
}

export interface SystemErrorInit {
  syscall: string;
  path?: string | undefined;
  dest?: string | undefined;
  /** A sentence added to the message: why, and what the user can do. */
  reason?: string | undefined;
}

/** The one error class of tsnotify, shaped like Node's own system errors. */
export class SystemError extends Error {
  readonly code: ErrnoCode;
  /** Negative, as Node reports it (`-2` for ENOENT). */
  readonly errno: number;
  readonly syscall: string;
  readonly path: string | undefined;
  readonly dest: string | undefined;
  readonly reason: string | undefined;

  constructor(code: ErrnoCode, init: SystemErrorInit) {
    const [num, text] = ERRNO[code];
    let message = `${code}: ${text}, ${init.syscall}`;
    if (init.path !== undefined) message += ` '${init.path}'`;
    if (init.dest !== undefined) message += ` -> '${init.dest}'`;
    if (init.reason !== undefined) message += ` (${init.reason})`;
    super(message);
    this.name = 'SystemError';
    this.code = code;
    this.errno = -num;
    this.syscall = init.syscall;
    this.path = init.path;
    this.dest = init.dest;
    this.reason = init.reason;
  }
}

/** Factory: `sysError('ENOENT', 'open', 'a/b')`. */
export function sysError(code: ErrnoCode, syscall: string, path?: string, reason?: string): SystemError {
  return new SystemError(code, { syscall, path, reason });
}

/** Build a SystemError from a raw errno number (e.g. from the kernel via FFI). */
export function sysErrorFromErrno(errno: number, syscall: string, path?: string, reason?: string): SystemError {
  const code = errnoName(errno);
  if (code === undefined) {
    const err = new SystemError('EIO', { syscall, path, reason: `unknown errno ${errno}${reason ? '; ' + reason : ''}` });
    return err;
  }
  return new SystemError(code, { syscall, path, reason });
}

/** Guard: is `e` a SystemError (optionally with this code)? */
export function isSystemError(e: unknown, code?: ErrnoCode): e is SystemError {
  return e instanceof SystemError && (code === undefined || e.code === code);
}
