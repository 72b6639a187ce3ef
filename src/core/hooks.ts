/**
 * The hooks (include/linux/fsnotify.h): one small function per filesystem
 * operation, called by a source at the point the kernel calls it. Rules like
 * "a rename also tells the moved object" or "unlink reports the link count
 * before the name" live here once, not at every call site.
 *
 * This is the only door through which the in-memory filesystem talks to the
 * core.
 */
import { objectMask, watchesChildren } from './connector.js';
import { fsnotify, fsnotifyParent, thenAnswer } from './dispatch.js';
import type { HandleResult } from './group.js';
import { destroyObjectMarks } from './mark.js';
import {
  FS_ACCESS,
  FS_ACCESS_PERM,
  FS_ATTRIB,
  FS_CLOSE_NOWRITE,
  FS_CLOSE_WRITE,
  FS_CREATE,
  FS_DELETE,
  FS_DELETE_SELF,
  FS_ISDIR,
  FS_MODIFY,
  FS_MOVE_SELF,
  FS_MOVED_FROM,
  FS_MOVED_TO,
  FS_OPEN,
  FS_OPEN_EXEC,
  FS_OPEN_EXEC_PERM,
  FS_OPEN_PERM,
  FS_RENAME,
  FS_UNMOUNT,
} from './mask.js';
import type { FsDentry, FsFile, FsInode, FsMount, FsPath, FsSuperBlock } from './object.js';
import { FMODE_EXEC, FMODE_NONOTIFY, FMODE_NONOTIFY_PERM, FMODE_PATH, FMODE_WRITE } from './object.js';

// notify_change() attribute bits (include/linux/fs.h ATTR_*).
export const ATTR_MODE = 1 << 0;
export const ATTR_UID = 1 << 1;
export const ATTR_GID = 1 << 2;
export const ATTR_SIZE = 1 << 3;
export const ATTR_ATIME = 1 << 4;
export const ATTR_MTIME = 1 << 5;
export const ATTR_CTIME = 1 << 6;

let cookie = 0;

/** fsnotify_get_cookie(): one global counter, never 0. */
export function nextCookie(): number {
  cookie = (cookie + 1) >>> 0;
  if (cookie === 0) cookie = 1;
  return cookie;
}

// ---------------------------------------------------------------- file events (H1)

/** fsnotify_file(): skipped for O_PATH files and fanotify's own descriptors. */
export function notifyFile(file: FsFile, mask: number): HandleResult {
  if (file.fmode & (FMODE_NONOTIFY | FMODE_PATH)) return 0;
  return notifyPath(file.path, mask, file);
}

/** fsnotify_path(): a path event on the victim, its watching parent, its mount and its sb. */
export function notifyPath(path: FsPath, mask: number, file: FsFile | null = null): HandleResult {
  return fsnotifyParent(path.dentry, mask, { type: 'path', path, file });
}

/** fsnotify_open(). */
export function notifyOpen(file: FsFile): void {
  let mask = FS_OPEN;
  if (file.fmode & FMODE_EXEC) mask |= FS_OPEN_EXEC;
  notifyFile(file, mask);
}

/** fsnotify_access(): a read that returned data, or a getdents call. */
export function notifyAccess(file: FsFile): void {
  notifyFile(file, FS_ACCESS);
}

/** fsnotify_modify(): a write that wrote data. */
export function notifyModify(file: FsFile): void {
  notifyFile(file, FS_MODIFY);
}

/** fsnotify_close(): the last close of an open file. */
export function notifyClose(file: FsFile): void {
  notifyFile(file, file.fmode & FMODE_WRITE ? FS_CLOSE_WRITE : FS_CLOSE_NOWRITE);
}

/**
 * fsnotify_open_perm(): permission events before an open completes
 * (OPEN_EXEC_PERM first for exec). Returns 0 or the errno that denies it.
 */
export function notifyOpenPerm(file: FsFile): HandleResult {
  if (file.fmode & (FMODE_NONOTIFY | FMODE_PATH)) return 0;
  if (file.fmode & FMODE_EXEC) {
    const r = notifyPath(file.path, FS_OPEN_EXEC_PERM, file);
    if (typeof r !== 'number') return thenAnswer(r, (v) => (v !== 0 ? v : notifyPath(file.path, FS_OPEN_PERM, file)));
    if (r !== 0) return r;
  }
  return notifyPath(file.path, FS_OPEN_PERM, file);
}

/**
 * file_set_fsnotify_mode() at open (rule C15): the FMODE_* bits a new open
 * file gets. FMODE_NONOTIFY_PERM unless a mark on the inode, its mount, its
 * superblock or its watching parent asks for FS_ACCESS_PERM right now, so a
 * permission mark added later does not gate reads on files already open.
 */
export function openNotifyMode(path: FsPath): number {
  const dentry = path.dentry;
  let pMask = objectMask(dentry.inode) | objectMask(dentry.inode.sb) | objectMask(path.mount);
  if (dentry.parent) pMask |= watchesChildren(dentry.parent.inode);
  return pMask & FS_ACCESS_PERM ? 0 : FMODE_NONOTIFY_PERM;
}

/** fsnotify_file_perm(MAY_READ): permission event before a read or readdir. */
export function notifyAccessPerm(file: FsFile): HandleResult {
  if (file.fmode & (FMODE_NONOTIFY | FMODE_PATH | FMODE_NONOTIFY_PERM)) return 0;
  return notifyPath(file.path, FS_ACCESS_PERM, file);
}

// ---------------------------------------------------------------- dentry events (H2)

/** fsnotify_dentry(): no path, so mount marks do not see it. */
export function notifyDentry(dentry: FsDentry, mask: number): void {
  fsnotifyParent(dentry, mask, { type: 'dentry', dentry });
}

/** fsnotify_change(): the event for one notify_change() with these ATTR_* bits (SEMANTICS §2.3). */
export function changeMask(attrs: number): number {
  let mask = 0;
  if (attrs & (ATTR_UID | ATTR_GID | ATTR_MODE)) mask |= FS_ATTRIB;
  if (attrs & ATTR_SIZE) mask |= FS_MODIFY;
  if ((attrs & (ATTR_ATIME | ATTR_MTIME)) === (ATTR_ATIME | ATTR_MTIME)) mask |= FS_ATTRIB;
  else if (attrs & ATTR_ATIME) mask |= FS_ACCESS;
  else if (attrs & ATTR_MTIME) mask |= FS_MODIFY;
  return mask;
}

export function notifyChange(dentry: FsDentry, attrs: number): void {
  const mask = changeMask(attrs);
  if (mask) notifyDentry(dentry, mask);
}

/** fsnotify_xattr(): setxattr / removexattr. */
export function notifyXattr(dentry: FsDentry): void {
  notifyDentry(dentry, FS_ATTRIB);
}

// ---------------------------------------------------------------- inode events (H3)

/** fsnotify_inode(): the victim's own marks and its sb only; never a parent. */
export function notifyInode(inode: FsInode, mask: number): void {
  if (inode.isDir()) mask |= FS_ISDIR;
  fsnotify(mask >>> 0, { type: 'inode', inode }, null, null, inode, 0);
}

/** fsnotify_link_count(): link, unlink, rename-over target. */
export function notifyLinkCount(inode: FsInode): void {
  notifyInode(inode, FS_ATTRIB);
}

/**
 * fsnotify_inoderemove(): the last link and the last dentry are gone:
 * FS_DELETE_SELF, then every mark on the inode is destroyed.
 */
export function notifyInodeRemove(inode: FsInode): void {
  notifyInode(inode, FS_DELETE_SELF);
  destroyObjectMarks(inode);
}

/** fsnotify_inode_delete(): the inode is evicted; its remaining marks die silently. */
export function notifyInodeDelete(inode: FsInode): void {
  destroyObjectMarks(inode);
}

// ---------------------------------------------------------------- dirent events (H4)

/** fsnotify_name(): a dirent event on `dir` carrying `name`. */
function notifyName(mask: number, data: import('./object.js').EventData, dir: FsInode, name: string, cookie: number): void {
  fsnotify(mask >>> 0, data, dir, name, null, cookie);
}

/** fsnotify_create(): a new non-directory entry (creat, mknod, symlink, O_CREAT). */
export function notifyCreate(dir: FsInode, dentry: FsDentry): void {
  notifyName(FS_CREATE, { type: 'dentry', dentry }, dir, dentry.name, 0);
}

/** fsnotify_mkdir(). */
export function notifyMkdir(dir: FsInode, dentry: FsDentry): void {
  notifyName(FS_CREATE | FS_ISDIR, { type: 'dentry', dentry }, dir, dentry.name, 0);
}

/** fsnotify_link(): the old inode's link count changes, then the new name appears. */
export function notifyLink(dir: FsInode, inode: FsInode, newDentry: FsDentry): void {
  notifyLinkCount(inode);
  notifyName(FS_CREATE, { type: 'inode', inode }, dir, newDentry.name, 0);
}

/** fsnotify_delete(): an entry was removed (after the victim's own self events). */
export function notifyDelete(dir: FsInode, inode: FsInode, name: string): void {
  let mask = FS_DELETE;
  if (inode.isDir()) mask |= FS_ISDIR;
  notifyName(mask, { type: 'inode', inode }, dir, name, 0);
}

/**
 * fsnotify_move(): FS_RENAME (old and new parent+name), MOVED_FROM and
 * MOVED_TO with one fresh cookie, the overwritten target's link count, and
 * the moved object's MOVE_SELF. `moved` is the dentry after the move.
 */
export function notifyMove(
  oldDir: FsInode,
  newDir: FsInode,
  oldName: string,
  isDir: boolean,
  target: FsInode | null,
  moved: FsDentry,
): void {
  const source = moved.inode;
  const fsCookie = nextCookie();
  const dirFlag = isDir ? FS_ISDIR : 0;
  notifyName(FS_RENAME | dirFlag, { type: 'dentry', dentry: moved }, oldDir, oldName, 0);
  notifyName(FS_MOVED_FROM | dirFlag, { type: 'inode', inode: source }, oldDir, oldName, fsCookie);
  notifyName(FS_MOVED_TO | dirFlag, { type: 'inode', inode: source }, newDir, moved.name, fsCookie);
  if (target) notifyLinkCount(target);
  notifyInode(source, FS_MOVE_SELF);
}

// ---------------------------------------------------------------- unmount

/**
 * fsnotify_unmount_inodes(): for each inode with marks, in the
 * superblock's inode-list order, FS_UNMOUNT then destroy its marks.
 */
export function notifyUnmountInodes(inodes: Iterable<FsInode>): void {
  for (const inode of inodes) {
    if (!inode.connector) continue;
    notifyInode(inode, FS_UNMOUNT);
    destroyObjectMarks(inode);
  }
}

/** fsnotify_sb_delete(): the superblock's own marks die silently. */
export function notifySbDelete(sb: FsSuperBlock): void {
  destroyObjectMarks(sb);
}

/** fsnotify_vfsmount_delete(): a mount's marks die silently. */
export function notifyMountDelete(mount: FsMount): void {
  destroyObjectMarks(mount);
}
