/**
 * Open files: open, close, read, write, lseek, truncate, getdents, stat
 * (fs/open.c, fs/read_write.c, fs/readdir.c). Hooks are called where the
 * kernel calls them: CREATE before OPEN, OPEN before the O_TRUNC MODIFY,
 * ACCESS/MODIFY only when bytes moved, CLOSE at the last close, then the
 * dentry reference drop that may report DELETE_SELF.
 */
import {
  ATTR_CTIME,
  ATTR_MODE,
  ATTR_MTIME,
  ATTR_SIZE,
  FMODE_EXEC,
  FMODE_NONOTIFY,
  FMODE_PATH,
  FMODE_READ,
  FMODE_WRITE,
  notifyAccess,
  notifyChange,
  notifyClose,
  notifyCreate,
  notifyAccessPerm,
  notifyModify,
  notifyOpen,
  notifyOpenPerm,
  openNotifyMode,
  runAsTask,
} from '../core/index.js';
import type { HandleResult } from '../core/index.js';
import { errnoName, sysError } from '../errors.js';
import {
  DT_CHR,
  DT_DIR,
  DT_FIFO,
  DT_LNK,
  DT_REG,
  DT_UNKNOWN,
  MAY_EXEC,
  MAY_READ,
  MAY_WRITE,
  O_ACCMODE,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_RDONLY,
  O_TMPFILE_BIT,
  O_TRUNC,
  O_WRONLY,
  O_RDWR,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  S_ISGID,
  S_ISUID,
  S_IXGRP,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from './constants.js';
import type { Namei, ParentResult } from './namei.js';
import { Dentry, Inode, OpenFile, VPath } from './objects.js';
import { inGroup, mayAccess, mayModifyDir } from './permission.js';
import type { VfsProcess } from './process.js';

/** Largest file the in-memory filesystem accepts (EFBIG beyond). */
const MAX_FILE_SIZE = 1 << 30;

export interface Stats {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  size: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isFIFO(): boolean;
}

export interface DirEntry {
  name: string;
  ino: number;
  type: number;
}

// ---------------------------------------------------------------- open

/** An open(2) resolved and checked, waiting for its permission events. */
interface PreparedOpen {
  readonly file: OpenFile;
  readonly created: boolean;
  readonly path: string;
  /** The call named in errors (default 'open'). */
  readonly syscall?: string;
}

export function open(p: VfsProcess, path: string, flags: number, mode: number): number {
  const prep = openPrepare(p, path, flags, mode);
  if (typeof prep === 'number') return prep;
  const denied = syncAnswer(notifyOpenPerm(prep.file), 'open', path);
  return openFinish(p, prep, denied);
}

/** open(2) that waits for asynchronous permission answers (fanotify FAN_OPEN_PERM). */
export async function openAsync(p: VfsProcess, path: string, flags: number, mode: number): Promise<number> {
  const prep = runAsTask(p, () => openPrepare(p, path, flags, mode));
  if (typeof prep === 'number') return prep;
  const denied = await holdWhileWaiting(p, prep.file.path, runAsTask(p, () => notifyOpenPerm(prep.file)));
  return runAsTask(p, () => openFinish(p, prep, denied));
}

/**
 * A synchronous call cannot wait for a permission answer: when a listener
 * answers asynchronously, the wait is withdrawn (the event leaves the
 * listener's queue, as for a killed task) and the call fails with EAGAIN.
 */
export function syncAnswer(r: HandleResult, syscall: string, path?: string): number {
  if (typeof r === 'number') return r;
  r.cancel?.();
  throw sysError(
    'EAGAIN',
    syscall,
    path,
    'a fanotify permission listener answers asynchronously: use the asynchronous call (openAsync, readAsync)',
  );
}

/** Keep `path` referenced while an operation waits for a permission answer. */
async function holdWhileWaiting(p: VfsProcess, path: VPath, r: HandleResult): Promise<number> {
  if (typeof r === 'number') return r;
  p.machine.pathGet(path);
  try {
    return await r;
  } finally {
    p.machine.pathPut(path);
  }
}

/** Everything open(2) does before its permission events; a number when it is already done (O_PATH, O_TMPFILE). */
function openPrepare(p: VfsProcess, path: string, flags: number, mode: number): PreparedOpen | number {
  const n: Namei = p.namei('open', path);
  if (flags & O_TMPFILE_BIT) return openTmpfile(p, n, path, flags, mode);
  if (flags & O_PATH) return openPath(p, n, path, flags);

  let target: VPath;
  let created = false;
  if (flags & O_CREAT) {
    const r = openCreate(p, n, n.parent(path), flags, mode, 0);
    target = r.path;
    created = r.created;
  } else {
    const pr = n.parent(path);
    target = n.finish(pr, !(flags & O_NOFOLLOW) || pr.trailing);
    if (flags & O_NOFOLLOW && target.dentry.inode.isSymlink()) n.fail('ELOOP');
  }
  const inode = target.dentry.inode;
  if (inode.isSymlink()) n.fail('ELOOP');
  if (flags & O_DIRECTORY && !inode.isDir()) n.fail('ENOTDIR');
  const acc = flags & O_ACCMODE;
  const wantsWrite = acc === O_WRONLY || acc === O_RDWR || (flags & O_TRUNC) !== 0;
  if (inode.isDir() && (acc !== O_RDONLY || flags & (O_CREAT | O_TRUNC))) n.fail('EISDIR');
  if (!created) {
    let may = 0;
    if (acc === O_RDONLY || acc === O_RDWR || acc === O_ACCMODE) may |= MAY_READ;
    if (wantsWrite || acc === O_ACCMODE) may |= MAY_WRITE;
    if (!mayAccess(inode, may, p.cred)) n.fail('EACCES');
  }
  if (inode.isFifo()) fifoOpenCheck(n, inode, acc, flags);

  const fmode = (acc === O_RDONLY || acc === O_RDWR ? FMODE_READ : 0) | (acc === O_WRONLY || acc === O_RDWR ? FMODE_WRITE : 0);
  const file = new OpenFile(target, fmode | openNotifyMode(target), flags);
  return { file, created, path };
}

/** The rest of open(2) once the permission events allowed it. */
function openFinish(p: VfsProcess, prep: PreparedOpen, denied: number): number {
  const { file, created } = prep;
  if (denied !== 0) throw sysError(errnoName(denied) ?? 'EPERM', prep.syscall ?? 'open', prep.path);
  const target = file.path;
  const inode = target.dentry.inode;
  p.machine.pathGet(target);
  if (inode.isFifo()) {
    if (file.fmode & FMODE_READ) inode.readers++;
    if (file.fmode & FMODE_WRITE) inode.writers++;
  }
  if (file.fmode & FMODE_WRITE) inode.writeOpens++;
  const fd = p.installFd(file);
  notifyOpen(file);
  if (file.flags & O_TRUNC && !created && inode.isReg()) doTruncate(p, target.dentry, 0, ATTR_SIZE | ATTR_MTIME | ATTR_CTIME);
  return fd;
}

/**
 * fanotify's create_fd(): a new descriptor on `target` with the group's
 * event_f_flags, FMODE_NONOTIFY (its use raises no events) and no
 * permission check, as dentry_open.
 */
export function openEventFile(p: VfsProcess, target: VPath, flags: number): number {
  const acc = flags & O_ACCMODE;
  const fmode = (acc === O_RDONLY || acc === O_RDWR ? FMODE_READ : 0) | (acc === O_WRONLY || acc === O_RDWR ? FMODE_WRITE : 0);
  const file = new OpenFile(target, fmode | FMODE_NONOTIFY, flags);
  p.machine.pathGet(target);
  const inode = target.dentry.inode;
  if (inode.isFifo()) {
    if (fmode & FMODE_READ) inode.readers++;
    if (fmode & FMODE_WRITE) inode.writers++;
  }
  if (fmode & FMODE_WRITE) inode.writeOpens++;
  return p.installFd(file);
}

function fifoOpenCheck(n: Namei, inode: Inode, acc: number, flags: number): void {
  if (acc === O_RDWR) return;
  if (acc === O_WRONLY && inode.readers === 0) {
    if (flags & O_NONBLOCK) n.fail('ENXIO');
    throw sysError('EAGAIN', 'open', undefined, 'opening a FIFO for writing would block: no reader, and no other process can open one while this call waits');
  }
  if (acc === O_RDONLY && inode.writers === 0 && !(flags & O_NONBLOCK)) {
    throw sysError('EAGAIN', 'open', undefined, 'opening a FIFO for reading would block: no writer, and no other process can open one while this call waits');
  }
}

/** O_CREAT: create the last component if missing (following a dangling symlink's target unless O_EXCL). */
function openCreate(
  p: VfsProcess,
  n: Namei,
  pr: ParentResult,
  flags: number,
  mode: number,
  depth: number,
): { path: VPath; created: boolean } {
  if (pr.last !== 'norm') {
    const found = n.finish(pr, true);
    if (flags & O_EXCL) n.fail('EEXIST');
    if (found.dentry.inode.isDir()) n.fail('EISDIR');
    return { path: found, created: false };
  }
  const existing = n.child(pr.dir, pr.name);
  if (existing) {
    if (flags & O_EXCL) n.fail('EEXIST');
    if (existing.dentry.inode.isSymlink()) {
      if (flags & O_NOFOLLOW) n.fail('ELOOP');
      const lp = n.linkParent(pr.dir, existing.dentry, depth);
      return openCreate(p, n, lp, flags, mode, depth + 1);
    }
    // O_CREAT on an existing name: a trailing slash or a directory is EISDIR.
    if (pr.trailing || existing.dentry.inode.isDir()) n.fail('EISDIR');
    return { path: existing, created: false };
  }
  if (pr.trailing) n.fail('EISDIR');
  const dir = pr.dir.dentry.inode;
  if (dir.dead) n.fail('ENOENT');
  if (!mayModifyDir(dir, p.cred)) n.fail('EACCES');
  const inode = newInode(p, dir, S_IFREG | (mode & 0o7777 & ~p.umask));
  inode.nlink = 1;
  const dentry = addEntry(dir, pr.dir.dentry, pr.name, inode);
  notifyCreate(dir, dentry);
  return { path: new VPath(pr.dir.mount, dentry), created: true };
}

/** O_PATH: no permission check on the object, no events; only O_DIRECTORY and O_NOFOLLOW count. */
function openPath(p: VfsProcess, n: Namei, path: string, flags: number): number {
  const target = n.path(path, !(flags & O_NOFOLLOW));
  if (flags & O_DIRECTORY && !target.dentry.inode.isDir()) n.fail('ENOTDIR');
  const file = new OpenFile(target, FMODE_PATH, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW));
  p.machine.pathGet(target);
  return p.installFd(file);
}

/** open_by_handle_at()'s open of an already resolved path: O_PATH, else a read-only open with its events. */
export function openResolved(p: VfsProcess, target: VPath, flags: number): number {
  if (flags & O_PATH) {
    const file = new OpenFile(target, FMODE_PATH, flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW));
    p.machine.pathGet(target);
    return p.installFd(file);
  }
  if ((flags & O_ACCMODE) !== O_RDONLY) throw sysError('EINVAL', 'open_by_handle_at');
  const file = new OpenFile(target, FMODE_READ | openNotifyMode(target), flags);
  const denied = syncAnswer(notifyOpenPerm(file), 'open_by_handle_at');
  return openFinish(p, { file, created: false, path: '' }, denied);
}

// ---------------------------------------------------------------- exec

/**
 * execve(2) of a program that exits at once: do_open_execat() (MAY_EXEC on a
 * regular file, else EACCES; FMODE_EXEC, so OPEN_EXEC_PERM then OPEN_PERM,
 * then OPEN|OPEN_EXEC), ETXTBSY when the file is open for writing (after the
 * open events, as the kernel checks it), the loader's read of the image
 * (ACCESS_PERM, ACCESS), and the last close at exit (CLOSE_NOWRITE), as
 * Linux 6.18 reports for a binary on tmpfs.
 */
export function execve(p: VfsProcess, path: string): void {
  const file = execPrepare(p, path);
  const denied = syncAnswer(notifyOpenPerm(file), 'execve', path);
  const fd = openFinish(p, { file, created: false, path, syscall: 'execve' }, denied);
  const readDenied = execDenyWrite(p, fd, path) ?? syncAnswer(notifyAccessPerm(file), 'execve', path);
  execFinish(p, fd, path, readDenied);
}

/** execve(2) that waits for asynchronous permission answers (FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM, FAN_ACCESS_PERM). */
export async function execveAsync(p: VfsProcess, path: string): Promise<void> {
  const file = runAsTask(p, () => execPrepare(p, path));
  const denied = await holdWhileWaiting(p, file.path, runAsTask(p, () => notifyOpenPerm(file)));
  const fd = runAsTask(p, () => openFinish(p, { file, created: false, path, syscall: 'execve' }, denied));
  const early = runAsTask(p, () => execDenyWrite(p, fd, path));
  const readDenied = early ?? (await holdWhileWaiting(p, file.path, runAsTask(p, () => notifyAccessPerm(file))));
  runAsTask(p, () => execFinish(p, fd, path, readDenied));
}

function execPrepare(p: VfsProcess, path: string): OpenFile {
  const n: Namei = p.namei('execve', path);
  const target = n.path(path, true);
  const inode = target.dentry.inode;
  if (!inode.isReg() || !mayAccess(inode, MAY_EXEC, p.cred)) n.fail('EACCES');
  return new OpenFile(target, FMODE_READ | FMODE_EXEC | openNotifyMode(target), O_RDONLY);
}

/** exe_file_deny_write_access(): ETXTBSY (after the open events; the file is closed again). */
function execDenyWrite(p: VfsProcess, fd: number, path: string): number | null {
  const file = p.file(fd, 'execve');
  if (file.inode.writeOpens === 0) return null;
  close(p, fd);
  throw sysError('ETXTBSY', 'execve', path);
}

function execFinish(p: VfsProcess, fd: number, path: string, denied: number): void {
  const file = p.file(fd, 'execve');
  try {
    if (denied !== 0) throw sysError(errnoName(denied) ?? 'EPERM', 'execve', path);
    if (file.inode.size > 0) notifyAccess(file);
  } finally {
    close(p, fd);
  }
}

/** O_TMPFILE: an unnamed regular file in a directory, reported to it as `#<ino>` (tmpfs's dentry name). */
function openTmpfile(p: VfsProcess, n: Namei, path: string, flags: number, mode: number): number {
  const acc = flags & O_ACCMODE;
  if (acc !== O_WRONLY && acc !== O_RDWR) n.fail('EINVAL');
  const dirPath = n.path(path, true);
  const dir = dirPath.dentry.inode;
  if (!dir.isDir()) n.fail('ENOTDIR');
  if (!mayModifyDir(dir, p.cred)) n.fail('EACCES');
  const inode = newInode(p, dir, S_IFREG | (mode & 0o7777 & ~p.umask));
  const dentry = new Dentry(inode, dirPath.dentry, `#${inode.ino}`, false);
  const target = new VPath(dirPath.mount, dentry);
  const file = new OpenFile(target, (acc === O_RDWR ? FMODE_READ : 0) | FMODE_WRITE | openNotifyMode(target), flags);
  let denied: number;
  try {
    denied = syncAnswer(notifyOpenPerm(file), 'open', path);
  } catch (e) {
    p.machine.killDentry(dentry);
    throw e;
  }
  if (denied !== 0) {
    p.machine.killDentry(dentry);
    throw sysError(errnoName(denied) ?? 'EPERM', 'open', path);
  }
  p.machine.pathGet(target);
  inode.writeOpens++;
  const fd = p.installFd(file);
  notifyOpen(file);
  return fd;
}

/** A new inode owned by the caller (group from a setgid directory). */
export function newInode(p: VfsProcess, dir: Inode, mode: number): Inode {
  const gid = dir.mode & S_ISGID ? dir.gid : p.cred.gid;
  if ((mode & S_IFMT) === S_IFDIR && dir.mode & S_ISGID) mode |= S_ISGID;
  else if (mode & S_ISGID && p.cred.uid !== 0 && !inGroup(p.cred, gid)) mode &= ~S_ISGID;
  return new Inode(dir.sb, mode, p.cred.uid, gid, p.machine.now());
}

/** d_add(): a new hashed entry in a directory. */
export function addEntry(dir: Inode, dirDentry: Dentry, name: string, inode: Inode): Dentry {
  const dentry = new Dentry(inode, dirDentry, name, true);
  dir.entries.set(name, dentry);
  return dentry;
}

// ---------------------------------------------------------------- close

export function close(p: VfsProcess, fd: number): void {
  const file = p.file(fd, 'close');
  p.fds.delete(fd);
  // filp_close(): dnotify_flush() and friends run for every descriptor closed.
  for (const hook of p.machine.closeHooks) hook(p, file);
  file.refs--;
  if (file.refs > 0) return;
  // __fput(): the close event, then the path references (which may kill an unlinked dentry).
  const inode = file.inode;
  if (inode.isFifo()) {
    if (file.fmode & FMODE_READ) inode.readers--;
    if (file.fmode & FMODE_WRITE) inode.writers--;
  }
  if (file.fmode & FMODE_WRITE) inode.writeOpens--;
  notifyClose(file);
  p.machine.pathPut(file.path);
}

// ---------------------------------------------------------------- read / write

export function read(p: VfsProcess, fd: number, count: number): Buffer {
  const file = readPrepare(p, fd, count);
  const denied = syncAnswer(notifyAccessPerm(file), 'read');
  return readFinish(p, file, count, denied);
}

/** read(2) that waits for asynchronous permission answers (fanotify FAN_ACCESS_PERM). */
export async function readAsync(p: VfsProcess, fd: number, count: number): Promise<Buffer> {
  const file = runAsTask(p, () => readPrepare(p, fd, count));
  const denied = await holdWhileWaiting(p, file.path, runAsTask(p, () => notifyAccessPerm(file)));
  return runAsTask(p, () => readFinish(p, file, count, denied));
}

/** vfs_read() up to rw_verify_area(), whose permission event comes next. */
function readPrepare(p: VfsProcess, fd: number, count: number): OpenFile {
  const file = p.file(fd, 'read');
  if (!(file.fmode & FMODE_READ)) throw sysError('EBADF', 'read');
  if (count < 0) throw sysError('EINVAL', 'read');
  return file;
}

function readFinish(_p: VfsProcess, file: OpenFile, count: number, denied: number): Buffer {
  if (denied !== 0) throw sysError(errnoName(denied) ?? 'EPERM', 'read');
  const inode = file.inode;
  if (inode.isDir()) throw sysError('EISDIR', 'read');
  let out: Buffer;
  if (inode.isFifo()) {
    const n = Math.min(count, inode.size);
    if (n === 0 && inode.writers > 0) throw sysError('EAGAIN', 'read');
    out = Buffer.from(inode.data.subarray(0, n));
    inode.data = inode.data.subarray(n);
    inode.size -= n;
    // Linux 6.18 reports no IN_ACCESS/IN_MODIFY for FIFO I/O (open and close
    // still are): recorded in test/conformance/extra/in-fifo-open-rdwr-io.
    return out;
  } else {
    const start = Math.min(file.pos, inode.size);
    const end = Math.min(inode.size, start + count);
    out = Buffer.from(inode.data.subarray(start, end));
    file.pos = end;
  }
  if (out.length > 0) notifyAccess(file);
  return out;
}

export function write(p: VfsProcess, fd: number, data: Uint8Array): number {
  const file = p.file(fd, 'write');
  if (!(file.fmode & FMODE_WRITE)) throw sysError('EBADF', 'write');
  const inode = file.inode;
  if (data.length === 0) return 0;
  if (inode.isFifo()) {
    if (inode.readers === 0) throw sysError('EPIPE', 'write');
    append(inode, inode.size, data);
    return data.length;
  }
  const pos = file.flags & O_APPEND ? inode.size : file.pos;
  if (pos + data.length > MAX_FILE_SIZE) throw sysError('EFBIG', 'write');
  // file_remove_privs(): a write by an unprivileged user clears setuid/setgid first.
  killPrivs(p, file.path.dentry);
  append(inode, pos, data);
  file.pos = pos + data.length;
  inode.mtimeNs = inode.ctimeNs = p.machine.now();
  notifyModify(file);
  return data.length;
}

function append(inode: Inode, pos: number, data: Uint8Array): void {
  const end = pos + data.length;
  if (end > inode.data.length) {
    const grown = Buffer.alloc(Math.max(end, inode.data.length * 2, 64));
    inode.data.copy(grown, 0, 0, inode.size);
    inode.data = grown;
  }
  if (pos > inode.size) inode.data.fill(0, inode.size, pos);
  inode.data.set(data, pos);
  if (end > inode.size) inode.size = end;
}

/** should_remove_suid(): the ATTR_* bits a write or truncate by `p` must add to clear privileges. */
function privBits(p: VfsProcess, inode: Inode): number {
  if (p.cred.uid === 0 || !inode.isReg()) return 0;
  if (inode.mode & S_ISUID || (inode.mode & S_ISGID && inode.mode & S_IXGRP)) return ATTR_MODE;
  return 0;
}

function killPrivs(p: VfsProcess, dentry: Dentry): void {
  const inode = dentry.inode;
  if (!privBits(p, inode)) return;
  inode.mode &= ~(S_ISUID | (inode.mode & S_IXGRP ? S_ISGID : 0));
  notifyChange(dentry, ATTR_MODE | ATTR_CTIME);
}

export function lseek(p: VfsProcess, fd: number, offset: number, whence: number): number {
  const file = p.file(fd, 'lseek');
  if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'lseek');
  const inode = file.inode;
  if (inode.isFifo()) throw sysError('ESPIPE', 'lseek');
  let base: number;
  if (whence === SEEK_SET) base = 0;
  else if (whence === SEEK_CUR) base = file.pos;
  else if (whence === SEEK_END && !inode.isDir()) base = inode.size;
  else throw sysError('EINVAL', 'lseek'); // tmpfs directories take SEEK_SET and SEEK_CUR only
  const pos = base + offset;
  if (pos < 0) throw sysError('EINVAL', 'lseek');
  file.pos = pos;
  if (inode.isDir()) file.dirPos = pos;
  return pos;
}

// ---------------------------------------------------------------- truncate

/** do_truncate(): notify_change(ATTR_SIZE|…) reports MODIFY (plus ATTRIB when privileges are cleared). */
export function doTruncate(p: VfsProcess, dentry: Dentry, length: number, attrs: number): void {
  const inode = dentry.inode;
  const kill = privBits(p, inode);
  if (kill) inode.mode &= ~(S_ISUID | (inode.mode & S_IXGRP ? S_ISGID : 0));
  if (length < inode.size) {
    inode.data.fill(0, length, inode.size);
    inode.size = length;
  } else if (length > inode.size) {
    append(inode, length, new Uint8Array(0));
    inode.data.fill(0, inode.size, length);
    inode.size = length;
  }
  inode.mtimeNs = inode.ctimeNs = p.machine.now();
  notifyChange(dentry, attrs | kill);
}

export function ftruncate(p: VfsProcess, fd: number, length: number): void {
  const file = p.file(fd, 'ftruncate');
  if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'ftruncate');
  if (length < 0 || !file.inode.isReg() || !(file.fmode & FMODE_WRITE)) throw sysError('EINVAL', 'ftruncate');
  if (length > MAX_FILE_SIZE) throw sysError('EFBIG', 'ftruncate');
  doTruncate(p, file.path.dentry, length, ATTR_SIZE | ATTR_MTIME | ATTR_CTIME);
}

export function truncate(p: VfsProcess, path: string, length: number): void {
  const n: Namei = p.namei('truncate', path);
  if (length < 0) n.fail('EINVAL');
  const target = n.path(path, true);
  const inode = target.dentry.inode;
  if (inode.isDir()) n.fail('EISDIR');
  if (!inode.isReg()) n.fail('EINVAL');
  if (!mayAccess(inode, MAY_WRITE, p.cred)) n.fail('EACCES');
  if (length > MAX_FILE_SIZE) n.fail('EFBIG');
  doTruncate(p, target.dentry, length, ATTR_SIZE | ATTR_MTIME | ATTR_CTIME);
}

// ---------------------------------------------------------------- directories

function dtype(inode: Inode): number {
  switch (inode.mode & S_IFMT) {
    case S_IFREG:
      return DT_REG;
    case S_IFDIR:
      return DT_DIR;
    case S_IFLNK:
      return DT_LNK;
    case S_IFIFO:
      return DT_FIFO;
    case S_IFCHR:
      return DT_CHR;
    default:
      return DT_UNKNOWN;
  }
}

export function getdents(p: VfsProcess, fd: number): DirEntry[] {
  const file = p.file(fd, 'getdents64');
  if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'getdents64');
  const inode = file.inode;
  if (!inode.isDir()) throw sysError('ENOTDIR', 'getdents64');
  // iterate_dir(): the access permission event comes before the dead-directory check.
  const denied = syncAnswer(notifyAccessPerm(file), 'getdents64');
  if (denied !== 0) throw sysError(errnoName(denied) ?? 'EPERM', 'getdents64');
  if (inode.dead) throw sysError('ENOENT', 'getdents64');
  const all: DirEntry[] = [
    { name: '.', ino: inode.ino, type: DT_DIR },
    { name: '..', ino: (file.path.dentry.parent ?? file.path.dentry).inode.ino, type: DT_DIR },
  ];
  for (const [name, d] of inode.entries) all.push({ name, ino: d.inode.ino, type: dtype(d.inode) });
  // Once a listing reached its end the cursor stays there (tmpfs): entries
  // created later show up only after a rewind.
  const out = all.slice(file.dirPos);
  file.dirPos = out.length === 0 ? Number.MAX_SAFE_INTEGER : all.length;
  file.pos = file.dirPos;
  notifyAccess(file);
  return out;
}

export function readdir(p: VfsProcess, path: string): string[] {
  const fd = open(p, path, O_RDONLY | O_DIRECTORY, 0);
  try {
    const names: string[] = [];
    for (let batch = getdents(p, fd); batch.length > 0; batch = getdents(p, fd)) {
      for (const e of batch) if (e.name !== '.' && e.name !== '..') names.push(e.name);
    }
    return names;
  } finally {
    close(p, fd);
  }
}

export function chdir(p: VfsProcess, path: string): void {
  const n: Namei = p.namei('chdir', path);
  const target = n.path(path, true);
  if (!target.dentry.inode.isDir()) n.fail('ENOTDIR');
  p.machine.pathGet(target);
  p.machine.pathPut(p.cwd);
  p.cwd = target;
}

// ---------------------------------------------------------------- stat

export function statOf(inode: Inode): Stats {
  const type = inode.mode & S_IFMT;
  return {
    dev: inode.sb.dev,
    ino: inode.ino,
    mode: inode.mode,
    nlink: inode.nlink,
    uid: inode.uid,
    gid: inode.gid,
    size: inode.isSymlink() ? Buffer.byteLength(inode.target) : inode.size,
    atimeNs: inode.atimeNs,
    mtimeNs: inode.mtimeNs,
    ctimeNs: inode.ctimeNs,
    isFile: () => type === S_IFREG,
    isDirectory: () => type === S_IFDIR,
    isSymbolicLink: () => type === S_IFLNK,
    isFIFO: () => type === S_IFIFO,
  };
}

export function stat(p: VfsProcess, path: string, follow: boolean): Stats {
  return statOf(p.namei(follow ? 'stat' : 'lstat', path).path(path, follow).dentry.inode);
}

export function fstat(p: VfsProcess, fd: number): Stats {
  return statOf(p.file(fd, 'fstat').inode);
}

export { FMODE_EXEC };
