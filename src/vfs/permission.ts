/**
 * Permission checks (fs/namei.c generic_permission, inode_owner_or_capable)
 * for root and ordinary users. Root bypasses read/write checks and needs one
 * execute bit to execute a non-directory (CAP_DAC_OVERRIDE).
 */
import { MAY_EXEC, MAY_WRITE, S_ISVTX } from './constants.js';
import type { Inode } from './objects.js';

export interface Cred {
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups. */
  readonly groups: readonly number[];
}

export function inGroup(cred: Cred, gid: number): boolean {
  return cred.gid === gid || cred.groups.includes(gid);
}

/** generic_permission(): may `cred` access `inode` for MAY_READ|MAY_WRITE|MAY_EXEC? */
export function mayAccess(inode: Inode, mask: number, cred: Cred): boolean {
  if (cred.uid === 0) {
    if (mask & MAY_EXEC && !inode.isDir() && !(inode.mode & 0o111)) return false;
    return true;
  }
  let bits: number;
  if (cred.uid === inode.uid) bits = (inode.mode >> 6) & 7;
  else if (inGroup(cred, inode.gid)) bits = (inode.mode >> 3) & 7;
  else bits = inode.mode & 7;
  return (mask & ~bits) === 0;
}

/** inode_owner_or_capable(): the owner, or root. */
export function isOwnerOrRoot(inode: Inode, cred: Cred): boolean {
  return cred.uid === 0 || cred.uid === inode.uid;
}

/** may_delete()'s sticky-directory rule: in a sticky dir only the owner of the file or of the dir (or root) may remove it. */
export function stickyForbids(dir: Inode, victim: Inode, cred: Cred): boolean {
  if (!(dir.mode & S_ISVTX) || cred.uid === 0) return false;
  return cred.uid !== victim.uid && cred.uid !== dir.uid;
}

/** Write and search permission on a directory, as every entry change needs. */
export function mayModifyDir(dir: Inode, cred: Cred): boolean {
  return mayAccess(dir, MAY_WRITE | MAY_EXEC, cred);
}
