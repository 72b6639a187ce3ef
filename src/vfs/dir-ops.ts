/**
 * Directory entries: mkdir, rmdir, unlink, rename, link, symlink, mknod
 * (fs/namei.c vfs_* functions). The hook order is the kernel's: a victim's
 * link-count ATTRIB and self events come before its directory's DELETE; a
 * rename reports MOVED_FROM, MOVED_TO, the overwritten target's ATTRIB, the
 * source's MOVE_SELF, and only then the target's DELETE_SELF (when its
 * dentry is dropped at the end of the call).
 */
import { notifyCreate, notifyDelete, notifyLink, notifyLinkCount, notifyMkdir, notifyMove } from '../core/index.js';
import { sysError } from '../errors.js';
import { RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './constants.js';
import { addEntry, newInode } from './file-ops.js';
import type { Namei, ParentResult } from './namei.js';
import type { Dentry, Inode } from './objects.js';
import { VPath } from './objects.js';
import { mayModifyDir, stickyForbids } from './permission.js';
import type { VfsProcess } from './process.js';

/** Resolve the parent of a new entry and check it may be created. */
function prepareCreate(p: VfsProcess, n: Namei, path: string): ParentResult {
  const pr = n.parent(path);
  if (pr.last !== 'norm') n.fail('EEXIST');
  if (n.child(pr.dir, pr.name)) n.fail('EEXIST');
  const dir = pr.dir.dentry.inode;
  if (dir.dead) n.fail('ENOENT');
  if (!mayModifyDir(dir, p.cred)) n.fail('EACCES');
  return pr;
}

export function mkdir(p: VfsProcess, path: string, mode: number): void {
  const n: Namei = p.namei('mkdir', path);
  const pr = prepareCreate(p, n, path);
  const dir = pr.dir.dentry.inode;
  const inode = newInode(p, dir, S_IFDIR | (mode & 0o1777 & ~p.umask));
  inode.nlink = 2;
  dir.nlink++;
  const dentry = addEntry(dir, pr.dir.dentry, pr.name, inode);
  dir.mtimeNs = dir.ctimeNs = p.machine.now();
  notifyMkdir(dir, dentry);
}

export function symlink(p: VfsProcess, target: string, path: string): void {
  const n: Namei = p.namei('symlink', path);
  if (target === '') n.fail('ENOENT');
  const pr = prepareCreate(p, n, path);
  if (pr.trailing) n.fail('ENOENT');
  const dir = pr.dir.dentry.inode;
  const inode = newInode(p, dir, S_IFLNK | 0o777);
  inode.target = target;
  inode.nlink = 1;
  const dentry = addEntry(dir, pr.dir.dentry, pr.name, inode);
  notifyCreate(dir, dentry);
}

export function readlink(p: VfsProcess, path: string): string {
  const n: Namei = p.namei('readlink', path);
  const target = n.path(path, false);
  if (!target.dentry.inode.isSymlink()) n.fail('EINVAL');
  return target.dentry.inode.target;
}

export function mknod(p: VfsProcess, path: string, mode: number, _dev: number): void {
  const n: Namei = p.namei('mknod', path);
  const type = mode & S_IFMT || S_IFREG;
  if (type === S_IFDIR) n.fail('EPERM');
  if (type !== S_IFREG && type !== S_IFIFO && type !== S_IFCHR && type !== S_IFBLK && type !== S_IFSOCK) n.fail('EINVAL');
  if ((type === S_IFCHR || type === S_IFBLK) && p.cred.uid !== 0) n.fail('EPERM');
  const pr = prepareCreate(p, n, path);
  const dir = pr.dir.dentry.inode;
  const inode = newInode(p, dir, type | (mode & 0o7777 & ~p.umask));
  inode.nlink = 1;
  const dentry = addEntry(dir, pr.dir.dentry, pr.name, inode);
  notifyCreate(dir, dentry);
}

/** Resolve an existing entry for removal: its directory, its dentry, and the may_delete checks. */
function prepareRemove(p: VfsProcess, n: Namei, path: string, wantDir: boolean): { dir: VPath; victim: VPath } {
  const pr = n.parent(path);
  if (pr.last === 'dot') n.fail(wantDir ? 'EINVAL' : 'EISDIR');
  if (pr.last === 'dotdot') n.fail(wantDir ? 'ENOTEMPTY' : 'EISDIR');
  if (pr.last === 'root') n.fail(wantDir ? 'EBUSY' : 'EISDIR');
  const dirInode = pr.dir.dentry.inode;
  const d = (n.child(pr.dir, pr.name), dirInode.entries.get(pr.name));
  if (!d) n.fail('ENOENT');
  const victim = new VPath(pr.dir.mount, d);
  if (!wantDir && pr.trailing) n.fail(d.inode.isDir() ? 'EISDIR' : 'ENOTDIR');
  if (!mayModifyDir(dirInode, p.cred)) n.fail('EACCES');
  if (stickyForbids(dirInode, d.inode, p.cred)) n.fail('EPERM');
  if (wantDir && !d.inode.isDir()) n.fail('ENOTDIR');
  if (!wantDir && d.inode.isDir()) n.fail('EISDIR');
  if (d.mounts.some((m) => m.parent === pr.dir.mount)) n.fail('EBUSY');
  return { dir: pr.dir, victim };
}

export function unlink(p: VfsProcess, path: string): void {
  const n: Namei = p.namei('unlink', path);
  const { dir, victim } = prepareRemove(p, n, path, false);
  const dirInode = dir.dentry.inode;
  const dentry = victim.dentry;
  const inode = dentry.inode;
  dirInode.entries.delete(dentry.name);
  inode.nlink--;
  inode.ctimeNs = dirInode.mtimeNs = dirInode.ctimeNs = p.machine.now();
  notifyLinkCount(inode);
  p.machine.dDelete(dentry);
  notifyDelete(dirInode, inode, dentry.name);
}

export function rmdir(p: VfsProcess, path: string): void {
  const n: Namei = p.namei('rmdir', path);
  const { dir, victim } = prepareRemove(p, n, path, true);
  const dirInode = dir.dentry.inode;
  const dentry = victim.dentry;
  const inode = dentry.inode;
  if (inode.entries.size > 0) n.fail('ENOTEMPTY');
  dirInode.entries.delete(dentry.name);
  inode.nlink = 0;
  inode.dead = true;
  dirInode.nlink--;
  dirInode.mtimeNs = dirInode.ctimeNs = p.machine.now();
  p.machine.dDelete(dentry);
  notifyDelete(dirInode, inode, dentry.name);
}

export function link(p: VfsProcess, from: string, to: string): void {
  const n: Namei = p.namei('link', from);
  const src = n.path(from, false);
  const n2: Namei = p.namei('link', to);
  const pr = n2.parent(to);
  if (pr.last !== 'norm') n2.fail('EEXIST');
  if (n2.child(pr.dir, pr.name)) n2.fail('EEXIST');
  const inode = src.dentry.inode;
  if (src.mount !== pr.dir.mount) n.fail('EXDEV');
  if (inode.isDir()) n.fail('EPERM');
  const dir = pr.dir.dentry.inode;
  if (dir.dead) n2.fail('ENOENT');
  if (!mayModifyDir(dir, p.cred)) n2.fail('EACCES');
  if (inode.nlink === 0 && src.dentry.isUnlinked()) n.fail('ENOENT');
  inode.nlink++;
  inode.ctimeNs = p.machine.now();
  const dentry = addEntry(dir, pr.dir.dentry, pr.name, inode);
  notifyLink(dir, inode, dentry);
}

interface RenameSide {
  pr: ParentResult;
  dentry: Dentry | null;
}

function renameSide(p: VfsProcess, n: Namei, path: string): RenameSide {
  const pr = n.parent(path);
  if (pr.last !== 'norm') n.fail('EBUSY');
  n.child(pr.dir, pr.name);
  return { pr, dentry: pr.dir.dentry.inode.entries.get(pr.name) ?? null };
}

function isAncestor(maybeAncestor: Dentry, d: Dentry): boolean {
  for (let cur: Dentry | null = d; cur; cur = cur.parent) if (cur === maybeAncestor) return true;
  return false;
}

export function rename(p: VfsProcess, from: string, to: string, flags: number): void {
  const syscall = flags ? 'renameat2' : 'rename';
  const n: Namei = p.namei(syscall, from);
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) n.fail('EINVAL');
  if (flags & RENAME_NOREPLACE && flags & RENAME_EXCHANGE) n.fail('EINVAL');
  if (flags & RENAME_WHITEOUT) n.fail('EINVAL');
  const n2: Namei = p.namei(syscall, to);
  const oldSide = renameSide(p, n, from);
  const newSide = renameSide(p, n2, to);
  // The kernel compares mounts before it looks the names up.
  if (oldSide.pr.dir.mount !== newSide.pr.dir.mount) n.fail('EXDEV');
  const src = oldSide.dentry;
  if (!src) n.fail('ENOENT');
  let target = newSide.dentry;
  const exchange = (flags & RENAME_EXCHANGE) !== 0;
  if (exchange && !target) n2.fail('ENOENT');
  if (flags & RENAME_NOREPLACE && target) n2.fail('EEXIST');
  const srcIsDir = src.inode.isDir();
  if (oldSide.pr.trailing && !srcIsDir) n.fail('ENOTDIR');
  if (newSide.pr.trailing && !srcIsDir && !target) n2.fail('ENOTDIR');
  const oldDir = oldSide.pr.dir.dentry.inode;
  const newDir = newSide.pr.dir.dentry.inode;
  if (newDir.dead) n2.fail('ENOENT');
  // Renaming onto another link of the same inode is a successful no-op.
  if (target && target.inode === src.inode) return;
  if (!mayModifyDir(oldDir, p.cred) || !mayModifyDir(newDir, p.cred)) n.fail('EACCES');
  if (stickyForbids(oldDir, src.inode, p.cred)) n.fail('EPERM');
  if (target && stickyForbids(newDir, target.inode, p.cred)) n2.fail('EPERM');
  const targetIsDir = target ? target.inode.isDir() : false;
  if (target && !exchange) {
    if (srcIsDir && !targetIsDir) n2.fail('ENOTDIR');
    if (!srcIsDir && targetIsDir) n2.fail('EISDIR');
    if (targetIsDir && target.inode.entries.size > 0) n2.fail('ENOTEMPTY');
  }
  // A directory cannot move below itself.
  if (srcIsDir && isAncestor(src, newSide.pr.dir.dentry)) n.fail('EINVAL');
  if (exchange && targetIsDir && target && isAncestor(target, oldSide.pr.dir.dentry)) n.fail('EINVAL');
  const busy = (d: Dentry): boolean => d.mounts.length > 0;
  if (busy(src) || (target && busy(target))) n.fail('EBUSY');

  const now = p.machine.now();
  const oldName = src.name;
  const newName = newSide.pr.name;
  const oldDirDentry = oldSide.pr.dir.dentry;
  const newDirDentry = newSide.pr.dir.dentry;
  if (exchange && target) {
    oldDir.entries.set(oldName, target);
    newDir.entries.set(newName, src);
    src.parent = newDirDentry;
    src.name = newName;
    target.parent = oldDirDentry;
    target.name = oldName;
    if (srcIsDir !== targetIsDir && oldDir !== newDir) {
      const delta = srcIsDir ? 1 : -1;
      newDir.nlink += delta;
      oldDir.nlink -= delta;
    }
    oldDir.mtimeNs = newDir.mtimeNs = now;
    notifyMove(oldDir, newDir, oldName, srcIsDir, null, src);
    notifyMove(newDir, oldDir, newName, targetIsDir, null, target);
    return;
  }
  oldDir.entries.delete(oldName);
  if (target) {
    target.hashed = false;
    newDir.entries.delete(newName);
    if (targetIsDir) {
      target.inode.nlink = 0;
      target.inode.dead = true;
      newDir.nlink--;
    } else {
      target.inode.nlink--;
    }
    target.inode.ctimeNs = now;
  }
  newDir.entries.set(newName, src);
  src.parent = newDirDentry;
  src.name = newName;
  if (srcIsDir && oldDir !== newDir) {
    oldDir.nlink--;
    newDir.nlink++;
  }
  src.inode.ctimeNs = oldDir.mtimeNs = newDir.mtimeNs = now;
  notifyMove(oldDir, newDir, oldName, srcIsDir, target ? target.inode : null, src);
  // The overwritten entry's dentry is dropped at the end of the call.
  if (target) p.machine.dDelete(target);
}

export function removedEntryInode(d: Dentry): Inode {
  return d.inode;
}

export { sysError };
