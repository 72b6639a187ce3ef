/**
 * A process of the in-memory filesystem: credentials, umask, working
 * directory and a descriptor table, with syscall-shaped methods that fail
 * with the kernel's errno (a SystemError naming the call and the path) and
 * call the core hook the kernel calls at the same point.
 *
 * Every method is synchronous: the events an operation causes are queued
 * before it returns. Methods are grouped by concern in sibling modules
 * (file-ops.ts, dir-ops.ts, attr-ops.ts, mount-ops.ts); this class is their
 * one surface and also the `Source` the front-ends resolve paths through.
 */
import type { FsPath, LookupOptions, Source } from '../core/index.js';
import type { Limits } from '../core/index.js';
import { sysError } from '../errors.js';
import { MAY_READ } from './constants.js';
import type { TimeSpec } from './constants.js';
import * as attr from './attr-ops.js';
import * as dirs from './dir-ops.js';
import * as files from './file-ops.js';
import type { DirEntry, Stats } from './file-ops.js';
import { Machine } from './machine.js';
import type { MachineOptions } from './machine.js';
import * as mounts from './mount-ops.js';
import { Namei } from './namei.js';
import type { OpenFile, VPath } from './objects.js';
import type { Cred } from './permission.js';
import { mayAccess } from './permission.js';

export interface ProcessOptions {
  uid?: number;
  gid?: number;
  groups?: number[];
  umask?: number;
  /** Working directory (default: the root). */
  cwd?: string;
}

export class VfsProcess implements Source {
  readonly kind = 'vfs';
  readonly machine: Machine;
  readonly cred: Cred;
  umask: number;
  root: VPath;
  cwd: VPath;
  /** The descriptor table. */
  readonly fds = new Map<number, OpenFile>();

  constructor(machine: Machine, opts: ProcessOptions = {}) {
    this.machine = machine;
    this.cred = { uid: opts.uid ?? 0, gid: opts.gid ?? opts.uid ?? 0, groups: opts.groups ?? [] };
    this.umask = opts.umask ?? 0o022;
    this.root = machine.rootPath();
    this.cwd = this.root;
    machine.pathGet(this.cwd);
    if (opts.cwd !== undefined) this.chdir(opts.cwd);
  }

  get uid(): number {
    return this.cred.uid;
  }

  get limits(): Limits {
    return this.machine.limits;
  }

  /** A new process on the same filesystem (another user, its own descriptors). */
  spawn(opts: ProcessOptions = {}): VfsProcess {
    return new VfsProcess(this.machine, opts);
  }

  namei(syscall: string, path: string): Namei {
    return new Namei(this, syscall, path);
  }

  /** The open file behind a descriptor, or EBADF. */
  file(fd: number, syscall: string): OpenFile {
    const f = this.fds.get(fd);
    if (!f) throw sysError('EBADF', syscall);
    return f;
  }

  /** Lowest free descriptor number (from 3, as if 0–2 were the standard streams). */
  installFd(file: OpenFile): number {
    let fd = 3;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, file);
    return fd;
  }

  // ---------------------------------------------------------------- Source

  /** Resolve a path for inotify_add_watch / fanotify_mark: lookup, then read permission (EACCES). */
  lookup(path: string, opts: LookupOptions): FsPath {
    const n = this.namei(opts.syscall, path);
    const p = n.path(path, opts.follow);
    if (opts.directory && !p.dentry.inode.isDir()) n.fail('ENOTDIR');
    if (!mayAccess(p.dentry.inode, MAY_READ, this.cred)) n.fail('EACCES');
    return p;
  }

  // ---------------------------------------------------------------- files

  /** open(2). Returns the descriptor. EACCES, EEXIST, EISDIR, ELOOP, ENOENT, ENOTDIR, ENXIO, EINVAL, EPERM. */
  open(path: string, flags: number, mode = 0o644): number {
    return files.open(this, path, flags, mode);
  }
  /** close(2): the last close of a description reports CLOSE_WRITE or CLOSE_NOWRITE. EBADF. */
  close(fd: number): void {
    files.close(this, fd);
  }
  /** dup(2). EBADF. */
  dup(fd: number): number {
    const f = this.file(fd, 'dup');
    f.refs++;
    return this.installFd(f);
  }
  /** read(2): returns the bytes read (IN_ACCESS when > 0). EBADF, EISDIR, EAGAIN. */
  read(fd: number, count = 4096): Buffer {
    return files.read(this, fd, count);
  }
  /** write(2): returns the count written (IN_MODIFY when > 0). EBADF, EINVAL, EFBIG. */
  write(fd: number, data: Uint8Array | string): number {
    return files.write(this, fd, typeof data === 'string' ? Buffer.from(data) : data);
  }
  /** lseek(2). EBADF, EINVAL, ESPIPE. */
  lseek(fd: number, offset: number, whence: number): number {
    return files.lseek(this, fd, offset, whence);
  }
  /** ftruncate(2) (IN_MODIFY). EBADF, EINVAL. */
  ftruncate(fd: number, length: number): void {
    files.ftruncate(this, fd, length);
  }
  /** truncate(2) (IN_MODIFY). EACCES, EISDIR, EINVAL, ENOENT. */
  truncate(path: string, length: number): void {
    files.truncate(this, path, length);
  }
  /** getdents64(2): the entries not yet returned; [] at the end. Each call reports IN_ACCESS. */
  getdents(fd: number): DirEntry[] {
    return files.getdents(this, fd);
  }
  /** Convenience: open O_DIRECTORY, getdents until empty, close; returns the names (without . and ..). */
  readdir(path: string): string[] {
    return files.readdir(this, path);
  }
  stat(path: string): Stats {
    return files.stat(this, path, true);
  }
  lstat(path: string): Stats {
    return files.stat(this, path, false);
  }
  fstat(fd: number): Stats {
    return files.fstat(this, fd);
  }
  chdir(path: string): void {
    files.chdir(this, path);
  }

  // ---------------------------------------------------------------- directory entries

  /** mkdir(2) (IN_CREATE|IN_ISDIR). EEXIST, ENOENT, ENOTDIR, EACCES. */
  mkdir(path: string, mode = 0o755): void {
    dirs.mkdir(this, path, mode);
  }
  /** rmdir(2). ENOTEMPTY, ENOTDIR, EBUSY, EINVAL, ENOENT, EACCES. */
  rmdir(path: string): void {
    dirs.rmdir(this, path);
  }
  /** unlink(2). EISDIR, ENOENT, EACCES, EPERM, EBUSY. */
  unlink(path: string): void {
    dirs.unlink(this, path);
  }
  /** rename(2) / renameat2(2) with RENAME_NOREPLACE, RENAME_EXCHANGE. */
  rename(from: string, to: string, flags = 0): void {
    dirs.rename(this, from, to, flags);
  }
  /** link(2): does not follow a symlink `from`. EEXIST, EPERM (directory), EXDEV, ENOENT. */
  link(from: string, to: string): void {
    dirs.link(this, from, to);
  }
  /** symlink(2). EEXIST, ENOENT. */
  symlink(target: string, path: string): void {
    dirs.symlink(this, target, path);
  }
  /** readlink(2). EINVAL when not a symlink. */
  readlink(path: string): string {
    return dirs.readlink(this, path);
  }
  /** mknod(2) for S_IFREG and S_IFIFO (S_IFCHR/S_IFBLK need root). */
  mknod(path: string, mode: number, dev = 0): void {
    dirs.mknod(this, path, mode, dev);
  }

  // ---------------------------------------------------------------- attributes

  /** chmod(2) (IN_ATTRIB). EPERM unless owner or root. */
  chmod(path: string, mode: number): void {
    attr.chmod(this, path, mode, true);
  }
  fchmod(fd: number, mode: number): void {
    attr.fchmod(this, fd, mode);
  }
  /** chown(2); -1 leaves an id unchanged; (-1, -1) changes and reports nothing. */
  chown(path: string, uid: number, gid: number): void {
    attr.chown(this, path, uid, gid, true);
  }
  lchown(path: string, uid: number, gid: number): void {
    attr.chown(this, path, uid, gid, false);
  }
  fchown(fd: number, uid: number, gid: number): void {
    attr.fchown(this, fd, uid, gid);
  }
  /** utimensat(2): seconds, 'now' (UTIME_NOW) or 'omit' (UTIME_OMIT); flags AT_SYMLINK_NOFOLLOW. */
  utimensat(path: string, atime: TimeSpec, mtime: TimeSpec, flags = 0): void {
    attr.utimensat(this, path, atime, mtime, flags);
  }
  /** setxattr(2) / lsetxattr(2) (IN_ATTRIB). EEXIST, ENODATA, EOPNOTSUPP, EPERM, ERANGE, E2BIG. */
  setxattr(path: string, name: string, value: Uint8Array | string, flags = 0, follow = true): void {
    attr.setxattr(this, path, name, typeof value === 'string' ? Buffer.from(value) : value, flags, follow);
  }
  getxattr(path: string, name: string, follow = true): Buffer {
    return attr.getxattr(this, path, name, follow);
  }
  listxattr(path: string, follow = true): string[] {
    return attr.listxattr(this, path, follow);
  }
  /** removexattr(2) / lremovexattr(2) (IN_ATTRIB). ENODATA. */
  removexattr(path: string, name: string, follow = true): void {
    attr.removexattr(this, path, name, follow);
  }

  // ---------------------------------------------------------------- mounts

  /** mount(2) of a fresh tmpfs on a directory (root only). */
  mount(path: string, fstype = 'tmpfs', opts: { mode?: number } = {}): void {
    mounts.mount(this, path, fstype, opts);
  }
  /** umount2(2): MNT_DETACH (lazy), MNT_FORCE, MNT_EXPIRE, UMOUNT_NOFOLLOW. EBUSY, EINVAL, EPERM. */
  umount(path: string, flags = 0): void {
    mounts.umount(this, path, flags);
  }

  /** Close every descriptor and leave the working directory (process exit). */
  exit(): void {
    for (const fd of [...this.fds.keys()]) this.close(fd);
    this.machine.pathPut(this.cwd);
  }
}

/** A new in-memory filesystem and its first process (root, umask 022, cwd `/`). */
export function createVfs(opts: MachineOptions & ProcessOptions = {}): VfsProcess {
  return new VfsProcess(new Machine(opts), opts);
}
