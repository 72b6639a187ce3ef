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
import type { FileHandle, FsPath, LookupOptions, Source } from '../core/index.js';
import type { Limits } from '../core/index.js';
import { runAsTask } from '../core/index.js';
import { sysError } from '../errors.js';
import { MAY_READ, O_PATH } from './constants.js';
import type { TimeSpec } from './constants.js';
import * as attr from './attr-ops.js';
import * as dirs from './dir-ops.js';
import * as files from './file-ops.js';
import type { DirEntry, Stats } from './file-ops.js';
import { Machine } from './machine.js';
import type { MachineOptions } from './machine.js';
import * as mounts from './mount-ops.js';
import { Namei } from './namei.js';
import type { OpenFile } from './objects.js';
import { VPath } from './objects.js';
import type { Cred } from './permission.js';
import { mayAccess } from './permission.js';
import { dPath } from './namei.js';

/** The *at() calls' "current directory" descriptor. */
export const AT_FDCWD = -100;

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
  /** The process id (the thread-group id; processes here have one thread). */
  readonly pid: number;
  readonly cred: Cred;
  umask: number;
  root: VPath;
  cwd: VPath;
  /** The descriptor table. */
  readonly fds = new Map<number, OpenFile>();

  constructor(machine: Machine, opts: ProcessOptions = {}) {
    this.machine = machine;
    this.pid = machine.allocPid();
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
    const start = opts.dirfd === undefined || opts.dirfd === AT_FDCWD || path.startsWith('/') ? null : this.dirStart(opts.dirfd, opts.syscall);
    const p = n.path(path, opts.follow, start);
    if (opts.directory && !p.dentry.inode.isDir()) n.fail('ENOTDIR');
    if (!mayAccess(p.dentry.inode, MAY_READ, this.cred)) n.fail('EACCES');
    return p;
  }

  /** The path of an open descriptor, for fanotify_mark with a NULL pathname. EBADF, ENOTDIR, EACCES. */
  lookupFd(fd: number, opts: LookupOptions): FsPath {
    const file = this.file(fd, opts.syscall);
    const p = file.path;
    if (opts.directory && !p.dentry.inode.isDir()) throw sysError('ENOTDIR', opts.syscall);
    if (!mayAccess(p.dentry.inode, MAY_READ, this.cred)) throw sysError('EACCES', opts.syscall);
    return p;
  }

  /** The directory a *at() call starts from. EBADF, ENOTDIR. */
  private dirStart(dirfd: number, syscall: string): VPath {
    const file = this.file(dirfd, syscall);
    if (!file.path.dentry.inode.isDir()) throw sysError('ENOTDIR', syscall);
    return file.path;
  }

  /** fanotify's create_fd(): a FMODE_NONOTIFY descriptor on `path` in this process. */
  openEventFile(path: FsPath, flags: number): number {
    if (!(path instanceof VPath)) throw sysError('EXDEV', 'fanotify read', undefined, 'the path belongs to another source');
    return files.openEventFile(this, path, flags);
  }

  closeEventFile(fd: number): void {
    this.close(fd);
  }

  pathGet(path: FsPath): void {
    if (path instanceof VPath) this.machine.pathGet(path);
  }

  pathPut(path: FsPath): void {
    if (path instanceof VPath) this.machine.pathPut(path);
  }

  /** readlink("/proc/self/fd/N"): the descriptor's path now, with " (deleted)" once unlinked. EBADF. */
  fdPath(fd: number): string {
    return dPath(this.file(fd, 'readlink').path, this.root);
  }

  /** statfs(2): the filesystem's type and f_fsid. */
  statfs(path: string): { type: string; fsid: readonly [number, number] } {
    const p = this.namei('statfs', path).path(path, true);
    return { type: p.mount.sb.fstype, fsid: p.mount.sb.fsid };
  }

  /** name_to_handle_at(2): the file handle of `path` and the mount it was found on. */
  nameToHandleAt(path: string, follow = true): { handle: FileHandle; fsid: readonly [number, number] } {
    const n: Namei = this.namei('name_to_handle_at', path);
    const p = n.path(path, follow);
    const handle = p.mount.sb.encodeFileHandle(p.dentry.inode);
    if (!handle) n.fail('EOPNOTSUPP');
    return { handle, fsid: p.mount.sb.fsid };
  }

  /**
   * open_by_handle_at(2) (root only): open the object a handle names on the
   * filesystem mounted at `mountPath`. A non-directory resolves to its most
   * recently created name that still exists, else to a removed name still
   * open (" (deleted)"). Flags: O_PATH, or a read-only open. ESTALE when the
   * object is gone, EPERM for other users.
   */
  openByHandleAt(mountPath: string, handle: FileHandle, flags = O_PATH): number {
    return runAsTask(this, () => {
      const n: Namei = this.namei('open_by_handle_at', mountPath);
      if (this.cred.uid !== 0) n.fail('EPERM');
      const mnt = n.path(mountPath, true).mount;
      const inode = mnt.sb.decodeFileHandle(handle);
      if (!inode) n.fail('ESTALE');
      const dentry = inode.aliases.find((d) => d.hashed) ?? inode.aliases[0];
      if (!dentry) n.fail('ESTALE');
      return files.openResolved(this, new VPath(mnt, dentry), flags);
    });
  }

  /** Call `hook` whenever this machine's processes close a descriptor (filp_close). Returns a remover. */
  onClose(hook: (process: VfsProcess, file: OpenFile) => void): () => void {
    const h = hook as (process: object, file: OpenFile) => void;
    this.machine.closeHooks.add(h);
    return () => this.machine.closeHooks.delete(h);
  }

  // ---------------------------------------------------------------- files

  /** open(2). Returns the descriptor. EACCES, EEXIST, EISDIR, ELOOP, ENOENT, ENOTDIR, ENXIO, EINVAL, EPERM. */
  open(path: string, flags: number, mode = 0o644): number {
    return runAsTask(this, () => files.open(this, path, flags, mode));
  }
  /** open(2) that waits for asynchronous fanotify permission answers (FAN_OPEN_PERM). */
  openAsync(path: string, flags: number, mode = 0o644): Promise<number> {
    return files.openAsync(this, path, flags, mode);
  }
  /** read(2) that waits for asynchronous fanotify permission answers (FAN_ACCESS_PERM). */
  readAsync(fd: number, count = 4096): Promise<Buffer> {
    return files.readAsync(this, fd, count);
  }
  /**
   * execve(2) of a program that exits at once: FAN_OPEN_EXEC_PERM,
   * FAN_OPEN_PERM, OPEN|OPEN_EXEC, ACCESS (the image is read), CLOSE_NOWRITE.
   * EACCES (no execute permission, not a regular file), ETXTBSY (open for
   * writing), EPERM (denied by a permission listener), ENOENT…
   */
  execve(path: string): void {
    runAsTask(this, () => files.execve(this, path));
  }
  /** execve(2) that waits for asynchronous fanotify permission answers. */
  execveAsync(path: string): Promise<void> {
    return files.execveAsync(this, path);
  }
  /** close(2): the last close of a description reports CLOSE_WRITE or CLOSE_NOWRITE. EBADF. */
  close(fd: number): void {
    runAsTask(this, () => files.close(this, fd));
  }
  /** dup(2). EBADF. */
  dup(fd: number): number {
    const f = this.file(fd, 'dup');
    f.refs++;
    return this.installFd(f);
  }
  /** read(2): returns the bytes read (IN_ACCESS when > 0). EBADF, EISDIR, EAGAIN. */
  read(fd: number, count = 4096): Buffer {
    return runAsTask(this, () => files.read(this, fd, count));
  }
  /** write(2): returns the count written (IN_MODIFY when > 0). EBADF, EINVAL, EFBIG. */
  write(fd: number, data: Uint8Array | string): number {
    return runAsTask(this, () => files.write(this, fd, typeof data === 'string' ? Buffer.from(data) : data));
  }
  /** lseek(2). EBADF, EINVAL, ESPIPE. */
  lseek(fd: number, offset: number, whence: number): number {
    return runAsTask(this, () => files.lseek(this, fd, offset, whence));
  }
  /** ftruncate(2) (IN_MODIFY). EBADF, EINVAL. */
  ftruncate(fd: number, length: number): void {
    runAsTask(this, () => files.ftruncate(this, fd, length));
  }
  /** truncate(2) (IN_MODIFY). EACCES, EISDIR, EINVAL, ENOENT. */
  truncate(path: string, length: number): void {
    runAsTask(this, () => files.truncate(this, path, length));
  }
  /** getdents64(2): the entries not yet returned; [] at the end. Each call reports IN_ACCESS. */
  getdents(fd: number): DirEntry[] {
    return runAsTask(this, () => files.getdents(this, fd));
  }
  /** Convenience: open O_DIRECTORY, getdents until empty, close; returns the names (without . and ..). */
  readdir(path: string): string[] {
    return runAsTask(this, () => files.readdir(this, path));
  }
  stat(path: string): Stats {
    return runAsTask(this, () => files.stat(this, path, true));
  }
  lstat(path: string): Stats {
    return runAsTask(this, () => files.stat(this, path, false));
  }
  fstat(fd: number): Stats {
    return runAsTask(this, () => files.fstat(this, fd));
  }
  chdir(path: string): void {
    runAsTask(this, () => files.chdir(this, path));
  }

  // ---------------------------------------------------------------- directory entries

  /** mkdir(2) (IN_CREATE|IN_ISDIR). EEXIST, ENOENT, ENOTDIR, EACCES. */
  mkdir(path: string, mode = 0o755): void {
    runAsTask(this, () => dirs.mkdir(this, path, mode));
  }
  /** rmdir(2). ENOTEMPTY, ENOTDIR, EBUSY, EINVAL, ENOENT, EACCES. */
  rmdir(path: string): void {
    runAsTask(this, () => dirs.rmdir(this, path));
  }
  /** unlink(2). EISDIR, ENOENT, EACCES, EPERM, EBUSY. */
  unlink(path: string): void {
    runAsTask(this, () => dirs.unlink(this, path));
  }
  /** rename(2) / renameat2(2) with RENAME_NOREPLACE, RENAME_EXCHANGE. */
  rename(from: string, to: string, flags = 0): void {
    runAsTask(this, () => dirs.rename(this, from, to, flags));
  }
  /** link(2): does not follow a symlink `from`. EEXIST, EPERM (directory), EXDEV, ENOENT. */
  link(from: string, to: string): void {
    runAsTask(this, () => dirs.link(this, from, to));
  }
  /** symlink(2). EEXIST, ENOENT. */
  symlink(target: string, path: string): void {
    runAsTask(this, () => dirs.symlink(this, target, path));
  }
  /** readlink(2). EINVAL when not a symlink. */
  readlink(path: string): string {
    return runAsTask(this, () => dirs.readlink(this, path));
  }
  /** mknod(2) for S_IFREG and S_IFIFO (S_IFCHR/S_IFBLK need root). */
  mknod(path: string, mode: number, dev = 0): void {
    runAsTask(this, () => dirs.mknod(this, path, mode, dev));
  }

  // ---------------------------------------------------------------- attributes

  /** chmod(2) (IN_ATTRIB). EPERM unless owner or root. */
  chmod(path: string, mode: number): void {
    runAsTask(this, () => attr.chmod(this, path, mode, true));
  }
  fchmod(fd: number, mode: number): void {
    runAsTask(this, () => attr.fchmod(this, fd, mode));
  }
  /** chown(2); -1 leaves an id unchanged; (-1, -1) changes and reports nothing. */
  chown(path: string, uid: number, gid: number): void {
    runAsTask(this, () => attr.chown(this, path, uid, gid, true));
  }
  lchown(path: string, uid: number, gid: number): void {
    runAsTask(this, () => attr.chown(this, path, uid, gid, false));
  }
  fchown(fd: number, uid: number, gid: number): void {
    runAsTask(this, () => attr.fchown(this, fd, uid, gid));
  }
  /** utimensat(2): seconds, 'now' (UTIME_NOW) or 'omit' (UTIME_OMIT); flags AT_SYMLINK_NOFOLLOW. */
  utimensat(path: string, atime: TimeSpec, mtime: TimeSpec, flags = 0): void {
    runAsTask(this, () => attr.utimensat(this, path, atime, mtime, flags));
  }
  /** setxattr(2) / lsetxattr(2) (IN_ATTRIB). EEXIST, ENODATA, EOPNOTSUPP, EPERM, ERANGE, E2BIG. */
  setxattr(path: string, name: string, value: Uint8Array | string, flags = 0, follow = true): void {
    runAsTask(this, () => attr.setxattr(this, path, name, typeof value === 'string' ? Buffer.from(value) : value, flags, follow));
  }
  getxattr(path: string, name: string, follow = true): Buffer {
    return runAsTask(this, () => attr.getxattr(this, path, name, follow));
  }
  listxattr(path: string, follow = true): string[] {
    return runAsTask(this, () => attr.listxattr(this, path, follow));
  }
  /** removexattr(2) / lremovexattr(2) (IN_ATTRIB). ENODATA. */
  removexattr(path: string, name: string, follow = true): void {
    runAsTask(this, () => attr.removexattr(this, path, name, follow));
  }

  // ---------------------------------------------------------------- mounts

  /** mount(2) of a fresh tmpfs on a directory (root only). */
  mount(path: string, fstype = 'tmpfs', opts: { mode?: number } = {}): void {
    runAsTask(this, () => mounts.mount(this, path, fstype, opts));
  }
  /** umount2(2): MNT_DETACH (lazy), MNT_FORCE, MNT_EXPIRE, UMOUNT_NOFOLLOW. EBUSY, EINVAL, EPERM. */
  umount(path: string, flags = 0): void {
    runAsTask(this, () => mounts.umount(this, path, flags));
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
