/**
 * The real filesystem as a scenario filesystem (issue 4's differential
 * conformance): every scenario runs on its own freshly mounted private tmpfs
 * (mode 0755) under the system's temp directory, with the process's working
 * directory inside it and umask 022, exactly as the oracle recorder runs it.
 * The system calls are the ones FORMAT.md names (through Node's fs where it
 * issues exactly that call, through the FFI where it does not: truncate,
 * lseek, renameat2, mknod, xattrs, utimensat, mount, umount2, getdents64).
 *
 * Without root no tmpfs can be mounted: scenarios then run in a scratch
 * directory, and those that need mounts or sysctl-sized queues are skipped
 * with the reason.
 *
 * fanotify steps run on the kernel's own fanotify (HostFanotify), one kernel
 * group per scenario instance. The steps' system calls are synchronous on
 * the main thread, so a permission event they cause must be answered by
 * another thread while the call is blocked: the scenario's `respond` policy
 * goes to the group's reader thread, which reads every event as soon as it
 * is queued — the recorder's responder thread, exactly — and answers by the
 * policy before the blocked call can continue (fanotify-responder.ts).
 * `settle()` then waits until the reader has delivered everything queued, so
 * a drain sees the same events in the same order as the recorder's.
 *
 * dnotify steps run the dnotify front-end over the host inotify source (the
 * kernel's dnotify delivers real-time signals carrying si_fd, which Node
 * cannot receive): F_NOTIFY on a descriptor becomes a mark on the object
 * /proc/self/fd/N names, and closing any descriptor through this filesystem
 * runs the close hook (dnotify_flush). That covers descriptors this
 * filesystem opened and closed, which is all a scenario has.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileHandle, FsFile } from '../core/index.js';
import type { DnotifyTask } from '../dnotify/index.js';
import type { Scenario } from './format.js';
import type { ScenarioFanotifyInit, ScenarioFs, ScenarioNotifyFs } from './fs-driver.js';
import type { SourceFactory } from './index.js';
import { LinuxInotifySource } from '../host/linux/inotify-source.js';
import { linuxSyscalls } from '../host/linux/ffi.js';
import { hostFanotifyInit, type HostFanotify } from '../host/linux/fanotify-group.js';
import type { TimeSpec } from '../vfs/constants.js';
import { ERRNO, SystemError } from '../errors.js';
import type { ErrnoCode } from '../errors.js';

const MS_PRIVATE = 1 << 18;
const MNT_DETACH = 2;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const S_IFREG = 0o100000;
const S_IFIFO = 0o010000;
const O_RDONLY = 0;
const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;
const O_PATH = 0o10000000;
/** A blocked step is released after this long (the recorder's watchdog); the scenario then fails. */
const PERMISSION_WATCHDOG_MS = 10_000;

/** Node's fs errors carry the errno name in `code`: turn them into SystemError like every other failure. */
function sys<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof SystemError || typeof err.code !== 'string' || !(err.code in ERRNO)) throw e;
    throw new SystemError(err.code as ErrnoCode, { syscall: err.syscall ?? 'unknown', path: err.path, dest: (err as { dest?: string }).dest });
  }
}

function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** Why this scenario cannot run without root, or null. */
function needsRoot(s: Scenario): string | null {
  for (const op of [...(s.setup ?? []), ...s.steps]) {
    if (op.op === 'mount_tmpfs' || op.op === 'umount') return 'needs root to mount a tmpfs';
    if (op.op === 'chown') return 'needs root to change owners';
    if (op.op.startsWith('fanotify_')) return 'fanotify needs root (CAP_SYS_ADMIN)';
  }
  return null;
}

class HostScenarioFs implements ScenarioFs {
  readonly source = new LinuxInotifySource();
  readonly notify: ScenarioNotifyFs;
  private readonly fds = new Set<number>();
  private readonly prevCwd = process.cwd();
  private readonly prevUmask: number;
  private readonly groups: HostFanotify[] = [];
  private readonly dnotify: HostDnotifyTask;

  constructor(
    private readonly root: string,
    private readonly mounted: boolean,
  ) {
    this.prevUmask = process.umask(0o022);
    process.chdir(root);
    const rootPath = fs.realpathSync(root);
    this.dnotify = new HostDnotifyTask(this.source);
    this.notify = {
      pid: process.pid,
      rootPath,
      fdPath: (fd) => linuxSyscalls().readlink(`/proc/self/fd/${fd}`),
      statfsFsid: (path) => linuxSyscalls().statfs(path).fsid,
      openByHandle: (mountPath, handle) => this.openByHandle(rootPath, mountPath, handle),
      dnotifyTask: this.dnotify,
      fanotifyInit: (opts) => this.fanotifyInit(rootPath, opts),
    };
  }

  private fanotifyInit(rootPath: string, opts: ScenarioFanotifyInit): HostFanotify {
    const group = hostFanotifyInit({
      flags: opts.flags,
      eventFFlags: opts.eventFFlags,
      ...(opts.maxQueuedEvents !== undefined ? { maxQueuedEvents: opts.maxQueuedEvents } : {}),
      permissionPolicy: { root: rootPath, default: opts.respond.default, rules: opts.respond.rules },
      permissionTimeout: { ms: PERMISSION_WATCHDOG_MS, response: 'allow' },
    });
    this.groups.push(group);
    return group;
  }

  /** The recorder's way: open_by_handle_at(AT_FDCWD) from inside the mount (no descriptor opened on it, so no event). */
  private openByHandle(rootPath: string, mountPath: string, handle: FileHandle): number {
    const h = { handleType: handle.type, handle: Buffer.from(handle.bytes) };
    if (mountPath === '.') return linuxSyscalls().openByHandleAt(AT_FDCWD, h, O_PATH | O_CLOEXEC);
    process.chdir(mountPath);
    try {
      return linuxSyscalls().openByHandleAt(AT_FDCWD, h, O_PATH | O_CLOEXEC);
    } finally {
      process.chdir(rootPath);
    }
  }

  open(path: string, flags: number, mode: number): number {
    const fd = sys(() => fs.openSync(path, flags | O_CLOEXEC, mode));
    this.fds.add(fd);
    return fd;
  }
  close(fd: number): void {
    this.dnotify.closing(fd);
    sys(() => fs.closeSync(fd));
    this.fds.delete(fd);
  }
  read(fd: number, count: number): number {
    return sys(() => fs.readSync(fd, Buffer.alloc(count), 0, count, null));
  }
  write(fd: number, data: Buffer): number {
    return sys(() => fs.writeSync(fd, data, 0, data.length, null));
  }
  lseek(fd: number, offset: number, whence: number): void {
    linuxSyscalls().lseek(fd, offset, whence);
  }
  ftruncate(fd: number, length: number): void {
    sys(() => fs.ftruncateSync(fd, length));
  }
  truncate(path: string, length: number): void {
    linuxSyscalls().truncate(path, length);
  }
  rename(from: string, to: string, flags: number): void {
    if (flags === 0) sys(() => fs.renameSync(from, to));
    else linuxSyscalls().renameat2(AT_FDCWD, from, AT_FDCWD, to, flags);
  }
  unlink(path: string): void {
    sys(() => fs.unlinkSync(path));
  }
  rmdir(path: string): void {
    sys(() => fs.rmdirSync(path));
  }
  mkdir(path: string, mode: number): void {
    sys(() => fs.mkdirSync(path, { mode }));
  }
  link(from: string, to: string): void {
    sys(() => fs.linkSync(from, to));
  }
  symlink(target: string, path: string): void {
    sys(() => fs.symlinkSync(target, path));
  }
  mknod(path: string, type: 'reg' | 'fifo', mode: number): void {
    linuxSyscalls().mknod(path, (type === 'fifo' ? S_IFIFO : S_IFREG) | mode, 0);
  }
  chmod(path: string, mode: number): void {
    sys(() => fs.chmodSync(path, mode));
  }
  fchmod(fd: number, mode: number): void {
    sys(() => fs.fchmodSync(fd, mode));
  }
  chown(path: string, uid: number, gid: number, follow: boolean): void {
    if (follow) sys(() => fs.chownSync(path, uid, gid));
    else sys(() => fs.lchownSync(path, uid, gid));
  }
  utimes(path: string, atime: TimeSpec, mtime: TimeSpec, follow: boolean): void {
    linuxSyscalls().utimensat(AT_FDCWD, path, atime, mtime, follow ? 0 : AT_SYMLINK_NOFOLLOW);
  }
  setxattr(path: string, name: string, value: Buffer, flags: number, follow: boolean): void {
    linuxSyscalls().setxattr(path, name, value, flags, follow);
  }
  removexattr(path: string, name: string, follow: boolean): void {
    linuxSyscalls().removexattr(path, name, follow);
  }
  readdir(path: string): void {
    const sys = linuxSyscalls();
    const fd = sys.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    try {
      const buf = Buffer.alloc(32768);
      while (sys.getdents64(fd, buf) > 0);
    } finally {
      sys.close(fd);
    }
  }
  mountTmpfs(path: string): void {
    const sys = linuxSyscalls();
    sys.mount('tmpfs', path, 'tmpfs', 0, 'mode=0755,size=16m');
    sys.mount(null, path, null, MS_PRIVATE, null);
  }
  umount(path: string, flags: number): void {
    linuxSyscalls().umount2(path, flags);
  }
  async settle(): Promise<void> {
    await Promise.all([this.source.flush(), ...this.groups.filter((g) => !g.closed).map((g) => g.flush())]);
  }
  teardown(): void {
    for (const fd of this.fds) {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
    }
    this.fds.clear();
    for (const g of this.groups) if (!g.closed) g.close();
    process.chdir(this.prevCwd);
    process.umask(this.prevUmask);
    void this.source.close();
    if (this.mounted) {
      unmountAll(this.root);
      fs.rmdirSync(this.root);
    } else {
      fs.rmSync(this.root, { recursive: true, force: true });
    }
  }
}

/**
 * The scenario process as dnotify sees it: its descriptors (each one open
 * file, looked up through /proc/self/fd/N on the host source) and its close
 * hook. Descriptors are keyed by number until closed.
 */
class HostDnotifyTask implements DnotifyTask {
  private readonly files = new Map<number, FsFile>();
  private readonly hooks = new Set<(closer: object, file: FsFile) => void>();

  constructor(private readonly source: LinuxInotifySource) {}

  get limits(): LinuxInotifySource['limits'] {
    return this.source.limits;
  }

  file(fd: number, syscall: string): FsFile {
    let file = this.files.get(fd);
    if (!file) {
      let path;
      try {
        path = this.source.lookup(`/proc/self/fd/${fd}`, { follow: true, directory: false, syscall });
      } catch (e) {
        if (e instanceof SystemError && e.code === 'ENOENT') throw new SystemError('EBADF', { syscall, reason: `fd ${fd}` });
        throw e;
      }
      file = { path, fmode: 0 };
      this.files.set(fd, file);
    }
    return file;
  }

  onClose(hook: (closer: object, file: FsFile) => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /** filp_close(): dnotify_flush for the open file behind `fd`. */
  closing(fd: number): void {
    const file = this.files.get(fd);
    if (!file) return;
    this.files.delete(fd);
    for (const hook of [...this.hooks]) hook(this, file);
  }
}

/** Unmount every mount at or below `root`, deepest first, lazily. */
function unmountAll(root: string): void {
  const mounts = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' ') ?? '')
    .filter((m) => m === root || m.startsWith(root + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) linuxSyscalls().umount2(m, MNT_DETACH);
}

/** A factory that gives each scenario a fresh private tmpfs (root), or a scratch directory. */
export function hostFactory(): SourceFactory {
  return (scenario: Scenario) => {
    if (process.platform !== 'linux') return { skip: 'the host source needs Linux' };
    const root = fs.mkdtempSync(join(tmpdir(), 'tsnotify-conf-'));
    if (!isRoot()) {
      const why = needsRoot(scenario);
      if (why) {
        fs.rmdirSync(root);
        return { skip: `${why}; running unprivileged in a scratch directory` };
      }
      return new HostScenarioFs(root, false);
    }
    const sys = linuxSyscalls();
    sys.mount('tmpfs', root, 'tmpfs', 0, 'mode=0755');
    sys.mount(null, root, null, MS_PRIVATE, null);
    return new HostScenarioFs(root, true);
  };
}
