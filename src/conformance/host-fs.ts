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
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Scenario } from './format.js';
import type { ScenarioFs } from './fs-driver.js';
import type { SourceFactory } from './index.js';
import { LinuxInotifySource } from '../host/linux/inotify-source.js';
import { linuxSyscalls } from '../host/linux/ffi.js';
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
  private readonly fds = new Set<number>();
  private readonly prevCwd = process.cwd();
  private readonly prevUmask: number;

  constructor(
    private readonly root: string,
    private readonly mounted: boolean,
  ) {
    this.prevUmask = process.umask(0o022);
    process.chdir(root);
  }

  open(path: string, flags: number, mode: number): number {
    const fd = sys(() => fs.openSync(path, flags | O_CLOEXEC, mode));
    this.fds.add(fd);
    return fd;
  }
  close(fd: number): void {
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
  settle(): Promise<void> {
    return this.source.flush();
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
