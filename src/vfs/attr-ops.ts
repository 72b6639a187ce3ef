/**
 * Attributes: chmod, chown, utimensat, xattrs (fs/attr.c notify_change and
 * fs/xattr.c). Each successful change calls notify_change's hook once with
 * the ATTR_* bits that were set, so several attributes changed together are
 * one event (SEMANTICS §2.3).
 */
import { ATTR_ATIME, ATTR_CTIME, ATTR_GID, ATTR_MODE, ATTR_MTIME, ATTR_UID, FMODE_PATH, notifyChange, notifyXattr } from '../core/index.js';
import { sysError } from '../errors.js';
import type { TimeSpec } from './constants.js';
import { AT_SYMLINK_NOFOLLOW, MAY_READ, MAY_WRITE, S_ISGID, S_ISUID, S_IXGRP, XATTR_CREATE, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX } from './constants.js';
import type { Namei } from './namei.js';
import type { Dentry } from './objects.js';
import { inGroup, isOwnerOrRoot, mayAccess } from './permission.js';
import type { VfsProcess } from './process.js';

function doChmod(p: VfsProcess, dentry: Dentry, mode: number, fail: (c: 'EPERM') => never): void {
  const inode = dentry.inode;
  if (!isOwnerOrRoot(inode, p.cred)) fail('EPERM');
  let m = mode & 0o7777;
  if (p.cred.uid !== 0 && m & S_ISGID && !inGroup(p.cred, inode.gid)) m &= ~S_ISGID;
  inode.mode = (inode.mode & ~0o7777) | m;
  inode.ctimeNs = p.machine.now();
  notifyChange(dentry, ATTR_MODE | ATTR_CTIME);
}

export function chmod(p: VfsProcess, path: string, mode: number, follow: boolean): void {
  const n: Namei = p.namei('chmod', path);
  const target = n.path(path, follow);
  doChmod(p, target.dentry, mode, (c) => n.fail(c));
}

export function fchmod(p: VfsProcess, fd: number, mode: number): void {
  const file = p.file(fd, 'fchmod');
  if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'fchmod');
  doChmod(p, file.path.dentry, mode, (c) => {
    throw sysError(c, 'fchmod');
  });
}

function doChown(p: VfsProcess, dentry: Dentry, uid: number, gid: number, fail: (c: 'EPERM') => never): void {
  const inode = dentry.inode;
  let attrs = ATTR_CTIME;
  if (uid !== -1) {
    if (p.cred.uid !== 0 && uid !== inode.uid) fail('EPERM');
    attrs |= ATTR_UID;
  }
  if (gid !== -1) {
    if (p.cred.uid !== 0 && (p.cred.uid !== inode.uid || !inGroup(p.cred, gid))) fail('EPERM');
    attrs |= ATTR_GID;
  }
  if (attrs & (ATTR_UID | ATTR_GID) && !inode.isDir()) {
    // Changing owners clears setuid, and setgid when group-executable (ATTR_KILL_S*ID).
    const kill = S_ISUID | (inode.mode & S_IXGRP ? S_ISGID : 0);
    if (inode.mode & kill && !inode.isSymlink()) {
      inode.mode &= ~kill;
      attrs |= ATTR_MODE;
    }
  }
  if (uid !== -1) inode.uid = uid;
  if (gid !== -1) inode.gid = gid;
  inode.ctimeNs = p.machine.now();
  notifyChange(dentry, attrs);
}

export function chown(p: VfsProcess, path: string, uid: number, gid: number, follow: boolean): void {
  const n: Namei = p.namei(follow ? 'chown' : 'lchown', path);
  const target = n.path(path, follow);
  doChown(p, target.dentry, uid, gid, (c) => n.fail(c));
}

export function fchown(p: VfsProcess, fd: number, uid: number, gid: number): void {
  const file = p.file(fd, 'fchown');
  if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'fchown');
  doChown(p, file.path.dentry, uid, gid, (c) => {
    throw sysError(c, 'fchown');
  });
}

export function utimensat(p: VfsProcess, path: string, atime: TimeSpec, mtime: TimeSpec, flags: number): void {
  const n: Namei = p.namei('utimensat', path);
  if (flags & ~AT_SYMLINK_NOFOLLOW) n.fail('EINVAL');
  for (const t of [atime, mtime]) if (typeof t === 'number' && (!Number.isFinite(t) || t < 0)) n.fail('EINVAL');
  const target = n.path(path, !(flags & AT_SYMLINK_NOFOLLOW));
  if (atime === 'omit' && mtime === 'omit') return;
  const inode = target.dentry.inode;
  const onlyNow = (atime === 'now' || atime === 'omit') && (mtime === 'now' || mtime === 'omit');
  if (!isOwnerOrRoot(inode, p.cred)) {
    if (!onlyNow) n.fail('EPERM');
    if (!mayAccess(inode, MAY_WRITE, p.cred)) n.fail('EACCES');
  }
  const now = p.machine.now();
  let attrs = ATTR_CTIME;
  if (atime !== 'omit') {
    attrs |= ATTR_ATIME;
    inode.atimeNs = atime === 'now' ? now : BigInt(Math.trunc(atime)) * 1_000_000_000n;
  }
  if (mtime !== 'omit') {
    attrs |= ATTR_MTIME;
    inode.mtimeNs = mtime === 'now' ? now : BigInt(Math.trunc(mtime)) * 1_000_000_000n;
  }
  inode.ctimeNs = now;
  notifyChange(target.dentry, attrs);
}

// ---------------------------------------------------------------- xattrs

type XattrCall = 'setxattr' | 'getxattr' | 'listxattr' | 'removexattr';

function xattrTarget(p: VfsProcess, call: XattrCall, path: string, follow: boolean): { n: Namei; dentry: Dentry } {
  const n: Namei = p.namei(follow ? call : `l${call}`, path);
  return { n, dentry: n.path(path, follow).dentry };
}

/** xattr_permission(): the namespace decides who may read or write a name. */
function checkName(p: VfsProcess, n: Namei, dentry: Dentry, name: string, write: boolean): void {
  if (name === '' || Buffer.byteLength(name) > XATTR_NAME_MAX) n.fail('ERANGE');
  const inode = dentry.inode;
  if (name.startsWith('user.')) {
    if (!inode.isReg() && !inode.isDir()) n.fail(write ? 'EPERM' : 'ENODATA');
    if (!mayAccess(inode, write ? MAY_WRITE : MAY_READ, p.cred)) n.fail('EACCES');
    return;
  }
  if (name.startsWith('trusted.')) {
    if (p.cred.uid !== 0) n.fail(write ? 'EPERM' : 'ENODATA');
    return;
  }
  if (name.startsWith('security.')) {
    if (write && p.cred.uid !== 0) n.fail('EPERM');
    return;
  }
  n.fail('EOPNOTSUPP');
}

export function setxattr(p: VfsProcess, path: string, name: string, value: Uint8Array, flags: number, follow: boolean): void {
  const { n, dentry } = xattrTarget(p, 'setxattr', path, follow);
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) n.fail('EINVAL');
  if (value.length > XATTR_SIZE_MAX) n.fail('E2BIG');
  checkName(p, n, dentry, name, true);
  const inode = dentry.inode;
  const exists = inode.xattrs.has(name);
  if (flags & XATTR_CREATE && exists) n.fail('EEXIST');
  if (flags & XATTR_REPLACE && !exists) n.fail('ENODATA');
  inode.xattrs.set(name, Buffer.from(value));
  inode.ctimeNs = p.machine.now();
  notifyXattr(dentry);
}

export function getxattr(p: VfsProcess, path: string, name: string, follow: boolean): Buffer {
  const { n, dentry } = xattrTarget(p, 'getxattr', path, follow);
  checkName(p, n, dentry, name, false);
  const v = dentry.inode.xattrs.get(name);
  if (!v) return n.fail('ENODATA');
  return Buffer.from(v);
}

export function listxattr(p: VfsProcess, path: string, follow: boolean): string[] {
  const { dentry } = xattrTarget(p, 'listxattr', path, follow);
  return [...dentry.inode.xattrs.keys()].filter((k) => p.cred.uid === 0 || !k.startsWith('trusted.'));
}

export function removexattr(p: VfsProcess, path: string, name: string, follow: boolean): void {
  const { n, dentry } = xattrTarget(p, 'removexattr', path, follow);
  checkName(p, n, dentry, name, true);
  if (!dentry.inode.xattrs.delete(name)) n.fail('ENODATA');
  dentry.inode.ctimeNs = p.machine.now();
  notifyXattr(dentry);
}
