/**
 * Mounts: mount a fresh tmpfs on a directory, unmount it (fs/namespace.c).
 * A plain umount of a mount in use fails with EBUSY; MNT_DETACH detaches it
 * at once and frees it when its last user goes. Freeing the last mount of a
 * superblock shuts it down: FS_UNMOUNT then IN_IGNORED for every watched
 * inode on it (machine.ts).
 */
import { MNT_DETACH, MNT_EXPIRE, MNT_FORCE, UMOUNT_NOFOLLOW } from './constants.js';
import type { Namei } from './namei.js';
import type { Mount } from './objects.js';
import type { VfsProcess } from './process.js';

export function mount(p: VfsProcess, path: string, fstype: string, opts: { mode?: number }): void {
  const n: Namei = p.namei('mount', path);
  if (p.cred.uid !== 0) n.fail('EPERM');
  if (fstype !== 'tmpfs') n.fail('ENODEV');
  const at = n.path(path, true);
  if (!at.dentry.inode.isDir()) n.fail('ENOTDIR');
  if (at.dentry.isUnlinked() || at.dentry.inode.dead) n.fail('ENOENT');
  const sb = p.machine.newSuperBlock(fstype, opts.mode ?? 0o755, 0, 0);
  p.machine.attach(sb, at);
}

/** Is any file, working directory or child mount using this mount? */
function busy(mnt: Mount): boolean {
  return mnt.refs > 0 || mnt.children.size > 0;
}

export function umount(p: VfsProcess, path: string, flags: number): void {
  const n: Namei = p.namei('umount2', path);
  if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) n.fail('EINVAL');
  if (flags & MNT_EXPIRE && flags & (MNT_FORCE | MNT_DETACH)) n.fail('EINVAL');
  if (p.cred.uid !== 0) n.fail('EPERM');
  const at = n.path(path, !(flags & UMOUNT_NOFOLLOW));
  const mnt = at.mount;
  if (at.dentry !== mnt.root || mnt.parent === null) n.fail('EINVAL');
  // Working directories of the caller inside count as users too (this process only has one).
  if (flags & MNT_DETACH) {
    p.machine.detach(mnt);
    return;
  }
  if (flags & MNT_EXPIRE) n.fail('EAGAIN');
  if (busy(mnt)) n.fail('EBUSY');
  p.machine.detach(mnt);
}
