/**
 * The filesystem side of a scenario (FORMAT.md §2): one interface, one
 * implementation per source. Every method performs exactly the system
 * call(s) the format names and throws a SystemError on failure.
 */
import type { FileHandle, Source } from '../core/index.js';
import type { DnotifyTask } from '../dnotify/index.js';
import type { FanotifyApi } from '../fanotify/index.js';
import type { TimeSpec } from '../vfs/index.js';
import { createVfs, O_CREAT, O_DIRECTORY, O_RDONLY, O_TRUNC, O_WRONLY, S_IFIFO, S_IFREG } from '../vfs/index.js';

/**
 * What fanotify and dnotify scenarios need beyond the filesystem ops
 * (FORMAT.md §3.3, §3.4, §5.2): a source without it skips them.
 */
export interface ScenarioNotifyFs {
  /** The scenario process's id (`self_pid`). */
  readonly pid: number;
  /** The scenario root as descriptor paths show it (absolute). */
  readonly rootPath: string;
  /** readlink("/proc/self/fd/N"), absolute, with " (deleted)" when unlinked. */
  fdPath(fd: number): string;
  /** statfs(path) f_fsid. */
  statfsFsid(path: string): readonly [number, number];
  /** open_by_handle_at(O_PATH) on the filesystem mounted at `mountPath` ('.' for the root); returns a descriptor. */
  openByHandle(mountPath: string, handle: FileHandle): number;
  /** The process dnotify registers in; absent: dnotify scenarios are skipped with `dnotifySkipReason`. */
  readonly dnotifyTask?: DnotifyTask;
  /** Why this filesystem cannot run dnotify scenarios (when `dnotifyTask` is absent). */
  readonly dnotifySkipReason?: string;
  /**
   * A fanotify group of this filesystem's own backend (the kernel's on the
   * host); absent: the in-memory front-end over `source`. `respond` is the
   * scenario's policy (FORMAT.md §3.3), which a backend whose permission
   * events block real system calls applies off the main thread.
   */
  fanotifyInit?(opts: ScenarioFanotifyInit): FanotifyApi;
}

/** A scenario's fanotify_init (FORMAT.md §3.3), with the names already turned into bits. */
export interface ScenarioFanotifyInit {
  flags: number;
  eventFFlags: number;
  maxQueuedEvents?: number;
  respond: {
    default: 'allow' | 'deny';
    rules: readonly { path?: string; event?: number; nth?: number; response: 'allow' | 'deny' }[];
  };
}

export interface ScenarioFs {
  /** What the front-ends resolve paths through. */
  readonly source: Source;
  /** fanotify/dnotify support; absent: those scenarios are skipped. */
  readonly notify?: ScenarioNotifyFs;
  open(path: string, flags: number, mode: number): number;
  close(fd: number): void;
  read(fd: number, count: number): number;
  write(fd: number, data: Buffer): number;
  lseek(fd: number, offset: number, whence: number): void;
  ftruncate(fd: number, length: number): void;
  truncate(path: string, length: number): void;
  rename(from: string, to: string, flags: number): void;
  unlink(path: string): void;
  rmdir(path: string): void;
  mkdir(path: string, mode: number): void;
  link(from: string, to: string): void;
  symlink(target: string, path: string): void;
  mknod(path: string, type: 'reg' | 'fifo', mode: number): void;
  chmod(path: string, mode: number): void;
  fchmod(fd: number, mode: number): void;
  chown(path: string, uid: number, gid: number, follow: boolean): void;
  utimes(path: string, atime: TimeSpec, mtime: TimeSpec, follow: boolean): void;
  setxattr(path: string, name: string, value: Buffer, flags: number, follow: boolean): void;
  removexattr(path: string, name: string, follow: boolean): void;
  /** open O_RDONLY|O_DIRECTORY, getdents until 0, close. */
  readdir(path: string): void;
  mountTmpfs(path: string): void;
  umount(path: string, flags: number): void;
  /** Close every descriptor and unmount everything (not recorded). */
  teardown(): void;
  /**
   * For asynchronous sources: resolve once every event caused so far has been
   * dispatched into the core (FORMAT.md §1.1: delivery is synchronous in the
   * kernel, so the runner waits here after each step).
   */
  settle?(): Promise<void>;
}

/** `mkfile` (§2): open(O_WRONLY|O_CREAT|O_TRUNC), write only if non-empty, close. Result: the open's. */
export function mkfile(fs: ScenarioFs, path: string, data: Buffer, mode: number): void {
  const fd = fs.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  try {
    if (data.length > 0) fs.write(fd, data);
  } finally {
    fs.close(fd);
  }
}

/** The in-memory filesystem: a fresh machine per scenario, root with umask 022. */
export function vfsScenarioFs(): ScenarioFs {
  const p = createVfs({ umask: 0o022 });
  return {
    source: p,
    notify: {
      pid: p.pid,
      rootPath: '/',
      fdPath: (fd) => p.fdPath(fd),
      statfsFsid: (path) => p.statfs(path).fsid,
      openByHandle: (mountPath, handle) => p.openByHandleAt(mountPath, handle),
      dnotifyTask: p,
    },
    open: (path, flags, mode) => p.open(path, flags, mode),
    close: (fd) => p.close(fd),
    read: (fd, count) => p.read(fd, count).length,
    write: (fd, data) => p.write(fd, data),
    lseek: (fd, offset, whence) => void p.lseek(fd, offset, whence),
    ftruncate: (fd, length) => p.ftruncate(fd, length),
    truncate: (path, length) => p.truncate(path, length),
    rename: (from, to, flags) => p.rename(from, to, flags),
    unlink: (path) => p.unlink(path),
    rmdir: (path) => p.rmdir(path),
    mkdir: (path, mode) => p.mkdir(path, mode),
    link: (from, to) => p.link(from, to),
    symlink: (target, path) => p.symlink(target, path),
    mknod: (path, type, mode) => p.mknod(path, (type === 'fifo' ? S_IFIFO : S_IFREG) | mode),
    chmod: (path, mode) => p.chmod(path, mode),
    fchmod: (fd, mode) => p.fchmod(fd, mode),
    chown: (path, uid, gid, follow) => (follow ? p.chown(path, uid, gid) : p.lchown(path, uid, gid)),
    utimes: (path, atime, mtime, follow) => p.utimensat(path, atime, mtime, follow ? 0 : 0x100),
    setxattr: (path, name, value, flags, follow) => p.setxattr(path, name, value, flags, follow),
    removexattr: (path, name, follow) => p.removexattr(path, name, follow),
    readdir: (path) => {
      const fd = p.open(path, O_RDONLY | O_DIRECTORY);
      try {
        while (p.getdents(fd).length > 0);
      } finally {
        p.close(fd);
      }
    },
    mountTmpfs: (path) => p.mount(path, 'tmpfs'),
    umount: (path, flags) => p.umount(path, flags),
    teardown: () => p.exit(),
  };
}
