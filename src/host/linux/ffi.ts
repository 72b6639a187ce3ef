/**
 * The Linux system calls tsnotify needs, called through koffi. This is the
 * ONLY file in the project that touches the FFI library, and it loads it
 * lazily: `koffi` is `require`d inside `linuxSyscalls()` on first call, so
 * importing this module (or anything that imports it) loads no native code.
 *
 * Also here: the few filesystem calls Node's `fs` cannot issue as such
 * (renameat2 flags, mknod, utimensat with UTIME_OMIT, l*xattr, getdents64,
 * mount), for runs of the conformance scenarios on the real kernel.
 *
 * Every wrapper throws a SystemError (code, negative errno, syscall, path)
 * when the call returns -1, except where a "would block" result is part of
 * the contract (`read`/`write` return -1 for EAGAIN). `read`/`write` retry
 * EINTR, `poll` reports it as "nothing ready" (0), `close` as success (Linux
 * has released the fd); other calls throw it.
 *
 * Binary layouts (struct pollfd, struct file_handle) are written in the
 * host's byte order, which `linuxSyscalls()` requires to be little-endian
 * (x86-64, arm64): the decoders in decode.ts make the same assumption.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { errnoName, SystemError, sysErrorFromErrno } from '../../errors.js';
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, MAX_HANDLE_SZ, PATH_MAX, FIONREAD } from './constants.js';

type Koffi = typeof import('koffi');
type NativeFn = (...args: unknown[]) => unknown;

/** A file handle as returned by name_to_handle_at(2). */
export interface FileHandle {
  /** `handle_type` (filesystem specific; `FILEID_INVALID` = 0xff when it cannot be encoded). */
  handleType: number;
  /** The opaque `f_handle` bytes (`handle_bytes` long). */
  handle: Buffer;
  /**
   * The mount id: the `int` of /proc/self/mountinfo, or with
   * `AT_HANDLE_MNT_ID_UNIQUE` the 64-bit unique id (exact as a number below 2^53).
   */
  mountId: number;
}

/** What statx(2) tells tsnotify about one object: its identity, type and link count. */
export interface StatIdentity {
  /** `st_dev` as Node's `fs.Stats.dev` gives it (glibc's makedev of the major and minor). */
  dev: number;
  /** `st_ino` (as Node gives it: exact below 2^53). */
  ino: number;
  /** `st_mode` (file type and permission bits). */
  mode: number;
  nlink: number;
}

/** What statfs(2) tells tsnotify: the filesystem type and its fsid. */
export interface StatFs {
  /** `f_type`, the filesystem's magic number (TMPFS_MAGIC = 0x01021994, …). */
  type: number;
  /** `f_fsid.val[0]`, `f_fsid.val[1]`, unsigned. */
  fsid: readonly [number, number];
}

/**
 * A reusable `struct pollfd[]` ({s32 fd; s16 events; s16 revents}, 8 bytes
 * each) for `poll()`. Build it once, poll it many times, read `revents(i)`.
 */
export class PollSet {
  readonly buffer: Buffer;
  readonly size: number;

  constructor(entries: ReadonlyArray<{ readonly fd: number; readonly events: number }>) {
    this.size = entries.length;
    this.buffer = Buffer.alloc(8 * entries.length);
    entries.forEach((e, i) => {
      this.buffer.writeInt32LE(e.fd, 8 * i);
      this.buffer.writeInt16LE(e.events, 8 * i + 4);
    });
  }

  /** The descriptor of entry `i`. */
  fd(i: number): number {
    return this.buffer.readInt32LE(8 * i);
  }

  /** The `revents` the last poll() stored for entry `i` (POLLIN, POLLERR, POLLNVAL, …). */
  revents(i: number): number {
    return this.buffer.readUInt16LE(8 * i + 6);
  }
}

/** The typed system-call surface; get it from `linuxSyscalls()`. */
export interface LinuxSyscalls {
  /** inotify_init1(2). Returns the fd. EINVAL (flags), EMFILE (instance or fd limit), ENFILE, ENOMEM. */
  inotifyInit1(flags: number): number;
  /**
   * inotify_add_watch(2); `mask` is taken as unsigned 32-bit. Returns the wd.
   * EINVAL, EBADF, ENOENT, ENOTDIR, EACCES, EEXIST, ENOSPC (watch limit; the
   * message says how to raise it), ELOOP, ENAMETOOLONG, ENOMEM.
   */
  inotifyAddWatch(fd: number, path: string, mask: number): number;
  /** inotify_rm_watch(2). EBADF, EINVAL (not inotify, or wd not live). */
  inotifyRmWatch(fd: number, wd: number): void;
  /** close(2). EBADF. (EINTR is treated as success: Linux has released the fd.) */
  close(fd: number): void;
  /**
   * read(2) into `buffer[offset, offset + length)`. Returns the byte count, or
   * -1 when the fd is non-blocking and nothing is ready (EAGAIN). EINTR is
   * retried. Throws EBADF, EINVAL (inotify/fanotify: buffer too small for the
   * next record), EFAULT, and for fanotify the errno of a failed event-fd open.
   */
  read(fd: number, buffer: Uint8Array, offset?: number, length?: number): number;
  /** write(2) from `buffer[offset, offset + length)`. Returns the byte count, or -1 for EAGAIN. */
  write(fd: number, buffer: Uint8Array, offset?: number, length?: number): number;
  /**
   * poll(2) on a PollSet; `timeoutMs` -1 waits forever. Returns the number of
   * ready entries; 0 on timeout or when interrupted by a signal (EINTR).
   */
  poll(set: PollSet, timeoutMs: number): number;
  /** eventfd(2) (EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE). EMFILE, ENFILE, EINVAL. */
  eventfd(initval: number, flags: number): number;
  /** ioctl(fd, FIONREAD): bytes of queued records on an inotify/fanotify fd. EBADF, ENOTTY. */
  fionread(fd: number): number;
  /** open(2) (e.g. an O_PATH|O_DIRECTORY mount fd for openByHandleAt). */
  open(path: string, flags: number, mode?: number): number;
  /** readlink(2) (e.g. /proc/self/fd/N for a fanotify event fd). ENOENT, EINVAL, … */
  readlink(path: string): string;
  /**
   * fanotify_init(2). Returns the fd. EPERM (privileged flags without
   * CAP_SYS_ADMIN), EINVAL, EMFILE (group limit), ENOMEM.
   */
  fanotifyInit(flags: number, eventFFlags: number): number;
  /**
   * fanotify_mark(2). `mask` is the 64-bit event mask: a number (a negative
   * 32-bit value is read as unsigned) or a bigint. `path` null marks `dirfd`
   * itself. EINVAL, EBADF, ENOENT, ENOTDIR, EPERM, EACCES, EEXIST, EXDEV,
   * ENODEV, EOPNOTSUPP, EISDIR, ENOSPC (mark limit).
   */
  fanotifyMark(fd: number, flags: number, mask: number | bigint, dirfd: number, path: string | null): void;
  /** name_to_handle_at(2). EOPNOTSUPP (filesystem cannot encode), ENOENT, ENOTDIR, EINVAL, … */
  nameToHandleAt(dirfd: number, path: string, flags: number): FileHandle;
  /**
   * open_by_handle_at(2): open the object of `handle` on the filesystem of
   * `mountFd`. Returns the fd. EPERM (needs CAP_DAC_READ_SEARCH), ESTALE, EINVAL.
   */
  openByHandleAt(mountFd: number, handle: Pick<FileHandle, 'handleType' | 'handle'>, flags: number): number;
  /**
   * statfs(2): the filesystem's magic number and `f_fsid` (each half read as
   * unsigned 32-bit, as fanotify's fid records are decoded). ENOENT, EACCES, …
   */
  statfs(path: string): StatFs;
  /** fstatfs(2) on a descriptor (O_PATH descriptors work). EBADF. */
  fstatfs(fd: number): StatFs;
  /**
   * statx(2) of `path` relative to the working directory, asking only for
   * the type, mode, link count and inode number; `follow` false is lstat.
   * One system call into a reused buffer, no Stats object. ENOENT, ENOTDIR,
   * ELOOP, EACCES, …; ENOSYS when libc has no statx (glibc < 2.28).
   */
  statIdentity(path: string, follow: boolean): StatIdentity;
  /** open(2) without a mode, not variadic (cheaper): O_RDONLY|O_DIRECTORY for listings. */
  openDir(path: string, flags: number): number;

  // ---- filesystem calls Node's fs does not issue as such (for the host conformance runs)

  /** lseek(2). Returns the new offset. EBADF, EINVAL, ESPIPE. */
  lseek(fd: number, offset: number, whence: number): number;
  /** truncate(2). ENOENT, EISDIR, EACCES, EINVAL, … */
  truncate(path: string, length: number): void;
  /** renameat2(2) (RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4). The error names `oldPath`. */
  renameat2(oldDirfd: number, oldPath: string, newDirfd: number, newPath: string, flags: number): void;
  /** mknod(2): `mode` includes the file type (S_IFREG, S_IFIFO, …). EEXIST, EPERM, … */
  mknod(path: string, mode: number, dev: number): void;
  /**
   * utimensat(2). Times are seconds since the epoch (fractions become
   * nanoseconds), or 'now' (UTIME_NOW) / 'omit' (UTIME_OMIT).
   */
  utimensat(dirfd: number, path: string, atime: number | 'now' | 'omit', mtime: number | 'now' | 'omit', flags: number): void;
  /** setxattr(2), or lsetxattr(2) when `follow` is false. XATTR_CREATE = 1, XATTR_REPLACE = 2. */
  setxattr(path: string, name: string, value: Uint8Array, flags: number, follow: boolean): void;
  /** removexattr(2), or lremovexattr(2) when `follow` is false. ENODATA when absent. */
  removexattr(path: string, name: string, follow: boolean): void;
  /** getdents64(2) into `buffer`: bytes of `linux_dirent64` records, 0 at the end of the directory. */
  getdents64(fd: number, buffer: Uint8Array): number;
  /** mount(2). `data` is the filesystem's option string. EPERM without CAP_SYS_ADMIN. */
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  /** umount2(2) (MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8). */
  umount2(target: string, flags: number): void;
}

const ERRNO_EINTR = 4;
const ERRNO_EAGAIN = 11;

let cached: LinuxSyscalls | undefined;

/**
 * The system calls, bound on first use (this loads koffi and libc) and
 * cached for the life of the thread. Throws ENOSYS when not on a
 * little-endian Linux or when the FFI library cannot be loaded.
 */
export function linuxSyscalls(): LinuxSyscalls {
  cached ??= bind();
  return cached;
}

function loadKoffi(): Koffi {
  if (process.platform !== 'linux' || endianness() !== 'LE') {
    throw new SystemError('ENOSYS', {
      syscall: 'dlopen',
      reason: `the Linux host layer needs little-endian Linux, this is ${process.platform}/${process.arch}`,
    });
  }
  try {
    return createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new SystemError('ENOSYS', { syscall: 'dlopen', path: 'koffi', reason: `cannot load the FFI library: ${String(e)}` });
  }
}

function bind(): LinuxSyscalls {
  const koffi = loadKoffi();
  const libc = koffi.load('libc.so.6');
  // A symbol this libc lacks fails only its own calls (ENOSYS), not the whole binding.
  const fn = (decl: string): NativeFn => {
    try {
      return libc.func(decl) as NativeFn;
    } catch (e) {
      const name = /\b(\w+)\(/.exec(decl)?.[1] ?? decl;
      return () => {
        throw new SystemError('ENOSYS', { syscall: name, reason: `libc.so.6 does not provide it: ${String(e)}` });
      };
    }
  };

  const c = {
    inotify_init1: fn('int inotify_init1(int flags)'),
    inotify_add_watch: fn('int inotify_add_watch(int fd, const char *path, uint32_t mask)'),
    inotify_rm_watch: fn('int inotify_rm_watch(int fd, int wd)'),
    close: fn('int close(int fd)'),
    read: fn('long read(int fd, void *buf, unsigned long count)'),
    write: fn('long write(int fd, const void *buf, unsigned long count)'),
    poll: fn('int poll(void *fds, unsigned long nfds, int timeout)'),
    eventfd: fn('int eventfd(unsigned int initval, int flags)'),
    ioctl: fn('int ioctl(int fd, unsigned long request, ...)'),
    open: fn('int open(const char *path, int flags, ...)'),
    readlink: fn('long readlink(const char *path, void *buf, unsigned long size)'),
    fanotify_init: fn('int fanotify_init(unsigned int flags, unsigned int event_f_flags)'),
    fanotify_mark: fn('int fanotify_mark(int fd, unsigned int flags, uint64_t mask, int dirfd, const char *path)'),
    name_to_handle_at: fn('int name_to_handle_at(int dirfd, const char *path, void *handle, void *mount_id, int flags)'),
    open_by_handle_at: fn('int open_by_handle_at(int mount_fd, void *handle, int flags)'),
    statfs: fn('int statfs(const char *path, void *buf)'),
    fstatfs: fn('int fstatfs(int fd, void *buf)'),
    statx: fn('int statx(int dirfd, const char *path, int flags, unsigned int mask, void *buf)'),
    openat: fn('int openat(int dirfd, const char *path, int flags)'),
    lseek: fn('long lseek(int fd, long offset, int whence)'),
    truncate: fn('int truncate(const char *path, long length)'),
    renameat2: fn('int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)'),
    mknod: fn('int mknod(const char *path, unsigned int mode, uint64_t dev)'),
    utimensat: fn('int utimensat(int dirfd, const char *path, void *times, int flags)'),
    setxattr: fn('int setxattr(const char *path, const char *name, const void *value, unsigned long size, int flags)'),
    lsetxattr: fn('int lsetxattr(const char *path, const char *name, const void *value, unsigned long size, int flags)'),
    removexattr: fn('int removexattr(const char *path, const char *name)'),
    lremovexattr: fn('int lremovexattr(const char *path, const char *name)'),
    getdents64: fn('long getdents64(int fd, void *dirp, unsigned long count)'),
    mount: fn('int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: fn('int umount2(const char *target, int flags)'),
  };
  const errno = (): number => koffi.errno();

  /** A call's result, or on -1 the SystemError for errno (with an optional reason per errno). */
  function check(result: unknown, syscall: string, path?: string, reason?: (errno: number) => string | undefined): number {
    const r = Number(result);
    if (r !== -1) return r;
    const e = errno();
    throw sysErrorFromErrno(e, syscall, path, reason?.(e));
  }

  function rangeOf(syscall: string, buffer: Uint8Array, offset: number, length: number | undefined): Uint8Array {
    const len = length ?? buffer.length - offset;
    if (offset < 0 || len < 0 || offset + len > buffer.length) {
      throw new SystemError('EFAULT', { syscall, reason: `range [${offset}, ${offset + len}) outside a ${buffer.length}-byte buffer` });
    }
    return offset === 0 && len === buffer.length ? buffer : buffer.subarray(offset, offset + len);
  }

  function io(call: NativeFn, syscall: string, fd: number, view: Uint8Array): number {
    for (;;) {
      const r = Number(call(fd, view, view.length));
      if (r !== -1) return r;
      const e = errno();
      if (e === ERRNO_EINTR) continue;
      if (e === ERRNO_EAGAIN) return -1;
      throw sysErrorFromErrno(e, syscall, undefined, `fd ${fd}`);
    }
  }

  return {
    inotifyInit1: (flags) => check(c.inotify_init1(flags), 'inotify_init1', undefined, (e) =>
      e === 24 ? `per-user instance limit ${limitText('inotify', 'max_user_instances', 'max_inotify_instances')} or the fd limit (ulimit -n) reached` : undefined),

    inotifyAddWatch: (fd, path, mask) => check(c.inotify_add_watch(fd, path, mask >>> 0), 'inotify_add_watch', path, (e) =>
      e === 28 ? limitReason('inotify', 'max_user_watches', 'max_inotify_watches', 'inotify watch') : undefined),

    inotifyRmWatch: (fd, wd) => {
      check(c.inotify_rm_watch(fd, wd), 'inotify_rm_watch', undefined, () => `fd ${fd}, wd ${wd}`);
    },

    close: (fd) => {
      const r = Number(c.close(fd));
      if (r === -1 && errno() !== ERRNO_EINTR) throw sysErrorFromErrno(errno(), 'close', undefined, `fd ${fd}`);
    },

    read: (fd, buffer, offset = 0, length) => io(c.read, 'read', fd, rangeOf('read', buffer, offset, length)),
    write: (fd, buffer, offset = 0, length) => io(c.write, 'write', fd, rangeOf('write', buffer, offset, length)),

    poll: (set, timeoutMs) => {
      const r = Number(c.poll(set.buffer, set.size, timeoutMs));
      if (r !== -1) return r;
      const e = errno();
      if (e === ERRNO_EINTR) return 0;
      throw sysErrorFromErrno(e, 'poll');
    },

    eventfd: (initval, flags) => check(c.eventfd(initval, flags), 'eventfd'),

    fionread: (fd) => {
      const out = Buffer.alloc(4);
      check(c.ioctl(fd, FIONREAD, 'void *', out), 'ioctl', undefined, () => `FIONREAD on fd ${fd}`);
      return out.readInt32LE(0);
    },

    open: (path, flags, mode = 0) => check(c.open(path, flags, 'unsigned int', mode), 'open', path),

    readlink: (path) => {
      const buf = Buffer.allocUnsafe(PATH_MAX);
      const n = check(c.readlink(path, buf, buf.length), 'readlink', path);
      return buf.toString('utf8', 0, n);
    },

    fanotifyInit: (flags, eventFFlags) => check(c.fanotify_init(flags >>> 0, eventFFlags >>> 0), 'fanotify_init', undefined, (e) =>
      e === 1 ? 'privileged flags, or no FAN_REPORT_FID/DIR_FID/NAME/MNT flag, without CAP_SYS_ADMIN'
        : e === 24 ? `per-user group limit ${limitText('fanotify', 'max_user_groups', 'max_fanotify_groups')} or the fd limit (ulimit -n) reached` : undefined),

    fanotifyMark: (fd, flags, mask, dirfd, path) => {
      check(c.fanotify_mark(fd, flags >>> 0, toU64(mask, path), dirfd, path), 'fanotify_mark', path ?? undefined, (e) =>
        e === 28 ? limitReason('fanotify', 'max_user_marks', 'max_fanotify_marks', 'fanotify mark') : undefined);
    },

    nameToHandleAt: (dirfd, path, flags) => {
      const fh = Buffer.alloc(8 + MAX_HANDLE_SZ);
      fh.writeUInt32LE(MAX_HANDLE_SZ, 0);
      const mountId = Buffer.alloc(8); // int, or u64 with AT_HANDLE_MNT_ID_UNIQUE
      check(c.name_to_handle_at(dirfd, path, fh, mountId, flags), 'name_to_handle_at', path);
      const bytes = fh.readUInt32LE(0);
      return {
        handleType: fh.readInt32LE(4),
        handle: Buffer.from(fh.subarray(8, 8 + bytes)),
        mountId: (flags & 0x001) !== 0 ? Number(mountId.readBigUInt64LE(0)) : mountId.readInt32LE(0),
      };
    },

    openByHandleAt: (mountFd, handle, flags) => {
      const fh = Buffer.alloc(8 + handle.handle.length);
      fh.writeUInt32LE(handle.handle.length, 0);
      fh.writeInt32LE(handle.handleType, 4);
      handle.handle.copy(fh, 8);
      return check(c.open_by_handle_at(mountFd, fh, flags), 'open_by_handle_at', undefined, (e) =>
        e === 1 ? 'open_by_handle_at needs CAP_DAC_READ_SEARCH' : undefined);
    },

    statfs: (path) => {
      const buf = Buffer.alloc(STATFS_SIZE);
      check(c.statfs(path, buf), 'statfs', path);
      return statFsOf(buf);
    },

    fstatfs: (fd) => {
      const buf = Buffer.alloc(STATFS_SIZE);
      check(c.fstatfs(fd, buf), 'fstatfs', undefined, () => `fd ${fd}`);
      return statFsOf(buf);
    },

    statIdentity: (path, follow) => {
      check(c.statx(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, STATX_IDENTITY, statxBuf), 'statx', path);
      return statIdentityOf(statxBuf);
    },

    openDir: (path, flags) => check(c.openat(AT_FDCWD, path, flags), 'open', path),

    lseek: (fd, offset, whence) => check(c.lseek(fd, offset, whence), 'lseek', undefined, () => `fd ${fd}`),

    truncate: (path, length) => {
      check(c.truncate(path, length), 'truncate', path);
    },

    renameat2: (oldDirfd, oldPath, newDirfd, newPath, flags) => {
      const r = Number(c.renameat2(oldDirfd, oldPath, newDirfd, newPath, flags >>> 0));
      if (r === -1) {
        const code = errnoName(errno());
        if (code === undefined) throw sysErrorFromErrno(errno(), 'renameat2', oldPath);
        throw new SystemError(code, { syscall: 'renameat2', path: oldPath, dest: newPath });
      }
    },

    mknod: (path, mode, dev) => {
      check(c.mknod(path, mode >>> 0, BigInt(dev)), 'mknod', path);
    },

    utimensat: (dirfd, path, atime, mtime, flags) => {
      const times = new BigInt64Array(4);
      timespec(times, 0, atime);
      timespec(times, 2, mtime);
      check(c.utimensat(dirfd, path, times, flags), 'utimensat', path);
    },

    setxattr: (path, name, value, flags, follow) => {
      const call = follow ? c.setxattr : c.lsetxattr;
      check(call(path, name, value, value.length, flags), follow ? 'setxattr' : 'lsetxattr', path);
    },

    removexattr: (path, name, follow) => {
      check((follow ? c.removexattr : c.lremovexattr)(path, name), follow ? 'removexattr' : 'lremovexattr', path);
    },

    getdents64: (fd, buffer) => check(c.getdents64(fd, buffer, buffer.length), 'getdents64', undefined, () => `fd ${fd}`),

    mount: (source, target, fstype, flags, data) => {
      check(c.mount(source, target, fstype, flags, data), 'mount', target, (e) =>
        e === 1 ? 'mount needs CAP_SYS_ADMIN' : undefined);
    },

    umount2: (target, flags) => {
      check(c.umount2(target, flags), 'umount2', target);
    },
  };
}

/** STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_INO. */
const STATX_IDENTITY = 0x1 | 0x2 | 0x4 | 0x100;
/** `struct statx` is 256 bytes; one buffer per thread serves every call (the result is copied out at once). */
const statxBuf = Buffer.alloc(256);

/**
 * The fields of a `struct statx` tsnotify reads: stx_nlink (u32 at 16),
 * stx_mode (u16 at 28), stx_ino (u64 at 32), stx_dev_major/minor (u32 at
 * 136/140). `dev` is glibc's makedev(), as libuv fills st_dev from statx.
 */
function statIdentityOf(buf: Buffer): StatIdentity {
  const major = buf.readUInt32LE(136);
  const minor = buf.readUInt32LE(140);
  const low = ((major & 0xfff) << 8) | (minor & 0xff) | ((minor & 0xffffff00) << 12);
  const high = (major & 0xfffff000) >>> 0; // bits 44..63 of the 64-bit dev, i.e. (major & ~0xfff) << 32
  const dev = (low >>> 0) + ((minor >>> 20) & 0xfff) * 2 ** 32 + high * 2 ** 32;
  return {
    dev,
    ino: buf.readUInt32LE(32) + buf.readUInt32LE(36) * 2 ** 32,
    mode: buf.readUInt16LE(28),
    nlink: buf.readUInt32LE(16),
  };
}

/**
 * `struct statfs` on 64-bit Linux (x86-64, arm64): eleven 8-byte words then
 * 4 spare words; `f_type` at 0 and `f_fsid` (int[2]) at 56. Over-allocated.
 */
const STATFS_SIZE = 256;
function statFsOf(buf: Buffer): StatFs {
  return { type: Number(buf.readBigUInt64LE(0)), fsid: [buf.readUInt32LE(56), buf.readUInt32LE(60)] };
}

/** UTIME_NOW / UTIME_OMIT (include/uapi/linux/stat.h). */
const UTIME_NOW = (1n << 30n) - 1n;
const UTIME_OMIT = (1n << 30n) - 2n;

/** Fill one `struct timespec {s64 tv_sec; s64 tv_nsec}` at `times[i]`. */
function timespec(times: BigInt64Array, i: number, t: number | 'now' | 'omit'): void {
  if (t === 'now' || t === 'omit') {
    times[i] = 0n;
    times[i + 1] = t === 'now' ? UTIME_NOW : UTIME_OMIT;
    return;
  }
  const sec = Math.floor(t);
  times[i] = BigInt(sec);
  times[i + 1] = BigInt(Math.min(999_999_999, Math.round((t - sec) * 1e9)));
}

/** The 64-bit fanotify mask as a bigint; a negative number is a 32-bit mask with bit 31 set. */
function toU64(mask: number | bigint, path: string | null): bigint {
  if (typeof mask === 'bigint') return BigInt.asUintN(64, mask);
  if (!Number.isSafeInteger(mask) || mask < -0x80000000) {
    throw new SystemError('EINVAL', { syscall: 'fanotify_mark', path: path ?? undefined, reason: `mask ${mask} is not a 64-bit integer` });
  }
  return BigInt(mask < 0 ? mask >>> 0 : mask);
}

function sysctl(path: string): string {
  try {
    return readFileSync(`/proc/sys/${path}`, 'latin1').trim();
  } catch {
    return '?';
  }
}

/**
 * The limit in force, named as the sysctl to change: `fs.<facility>.<name>`
 * (/proc/sys/fs/...), plus the per-user-namespace cap `user.max_<facility>_<leaf>`
 * when it is the lower one (inside containers).
 */
function limitText(facility: 'inotify' | 'fanotify', name: string, userName: string): string {
  const key = `fs.${facility}.${name}`;
  const global = sysctl(`fs/${facility}/${name}`);
  const user = sysctl(`user/${userName}`);
  const nsNote = user !== '?' && global !== '?' && Number(user) < Number(global) ? ` (this user namespace caps it at user.${userName}=${user})` : '';
  return `${key}=${global}${nsNote}`;
}

function limitReason(facility: 'inotify' | 'fanotify', name: string, userName: string, what: string): string {
  return `per-user ${what} limit ${limitText(facility, name, userName)} reached; raise it with ` +
    `\`sysctl fs.${facility}.${name}=N\` or by writing N to /proc/sys/fs/${facility}/${name}`;
}
