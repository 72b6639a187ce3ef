/**
 * The machine: superblocks, the mount tree, the clock, the limits and the
 * reference counting that decides when a dentry dies, an inode is evicted
 * and a superblock is shut down (fs/dcache.c, fs/inode.c, fs/namespace.c in
 * miniature). Processes (src/vfs/process.ts) run syscalls against it.
 */
import {
  Limits,
  notifyInodeDelete,
  notifyInodeRemove,
  notifyMountDelete,
  notifySbDelete,
  notifyUnmountInodes,
} from '../core/index.js';
import { S_IFDIR } from './constants.js';
import { Dentry, Inode, Mount, SuperBlock, VPath } from './objects.js';
import type { OpenFile } from './objects.js';

export interface MachineOptions {
  /** Sysctls and per-user counters; a fresh table with the kernel's defaults by default. */
  limits?: Limits;
  /** Mode of the root directory (default 0755). */
  rootMode?: number;
  /** Clock in nanoseconds (default: a deterministic counter starting at 1e18 ns). */
  clock?: () => bigint;
}

export class Machine {
  readonly limits: Limits;
  readonly rootMount: Mount;
  private nextDev = 1;
  private nextPid = 1000;
  /** Called when a process closes any descriptor (filp_close): dnotify_flush and the like. */
  readonly closeHooks = new Set<(process: object, file: OpenFile) => void>();
  private readonly clock: () => bigint;

  constructor(opts: MachineOptions = {}) {
    this.limits = opts.limits ?? new Limits();
    let t = 1_700_000_000_000_000_000n;
    this.clock = opts.clock ?? (() => (t += 1000n));
    const sb = this.newSuperBlock('tmpfs', opts.rootMode ?? 0o755, 0, 0);
    this.rootMount = new Mount(sb, sb.root, null, null);
    sb.mountCount = 1;
  }

  now(): bigint {
    return this.clock();
  }

  /** A fresh process id. */
  allocPid(): number {
    return this.nextPid++;
  }

  /** A fresh filesystem with an empty root directory (inode 1). */
  newSuperBlock(fstype: string, rootMode: number, uid: number, gid: number): SuperBlock {
    const sb = new SuperBlock(this.nextDev++, fstype);
    const root = new Inode(sb, S_IFDIR | (rootMode & 0o7777), uid, gid, this.now());
    root.nlink = 2;
    sb.root = new Dentry(root, null, '/', true);
    return sb;
  }

  rootPath(): VPath {
    return new VPath(this.rootMount, this.rootMount.root);
  }

  // ---------------------------------------------------------------- references

  /** Take a reference on a path (an open file or a working directory). */
  pathGet(path: VPath): void {
    path.dentry.refs++;
    path.mount.refs++;
  }

  /** Drop a reference on a path; may kill an unlinked dentry and free a detached mount. */
  pathPut(path: VPath): void {
    this.dput(path.dentry);
    this.mntput(path.mount);
  }

  dput(dentry: Dentry): void {
    dentry.refs--;
    if (dentry.refs === 0 && !dentry.hashed && dentry.parent !== null) this.killDentry(dentry);
  }

  /**
   * d_delete(): the entry is gone from its directory. If nobody holds the
   * dentry it dies now; otherwise it lives on, unlinked, until the last
   * reference is dropped.
   */
  dDelete(dentry: Dentry): void {
    dentry.hashed = false;
    if (dentry.refs === 0) this.killDentry(dentry);
  }

  /** dentry_unlink_inode() + iput(): FS_DELETE_SELF when no link remains, eviction when nothing holds the inode. */
  killDentry(dentry: Dentry): void {
    if (dentry.killed) return;
    dentry.killed = true;
    const inode = dentry.inode;
    inode.liveDentries--;
    const i = inode.aliases.indexOf(dentry);
    if (i >= 0) inode.aliases.splice(i, 1);
    if (inode.nlink === 0) notifyInodeRemove(inode);
    this.iput(inode);
  }

  /** Evict an inode nothing refers to any more. */
  iput(inode: Inode): void {
    if (inode.evicted || inode.nlink > 0 || inode.liveDentries > 0) return;
    inode.evicted = true;
    notifyInodeDelete(inode);
    inode.sb.inodes.delete(inode);
    inode.data = Buffer.alloc(0);
  }

  // ---------------------------------------------------------------- mounts

  /** Attach a fresh filesystem on `at` (a directory path). */
  attach(sb: SuperBlock, at: VPath): Mount {
    const mnt = new Mount(sb, sb.root, at.mount, at.dentry);
    at.mount.children.add(mnt);
    at.dentry.mounts.push(mnt);
    at.dentry.refs++;
    sb.mountCount++;
    return mnt;
  }

  /** Detach a mount (and its children) from the tree; it is freed when unreferenced. */
  detach(mnt: Mount): void {
    for (const child of [...mnt.children]) this.detach(child);
    if (mnt.detached) return;
    mnt.detached = true;
    const parent = mnt.parent;
    const mp = mnt.mountpoint;
    if (parent) parent.children.delete(mnt);
    if (mp) {
      const i = mp.mounts.indexOf(mnt);
      if (i >= 0) mp.mounts.splice(i, 1);
    }
    mnt.parent = null;
    mnt.mountpoint = null;
    if (mp) this.dput(mp);
    if (mnt.refs === 0) this.freeMount(mnt);
  }

  mntput(mnt: Mount): void {
    mnt.refs--;
    if (mnt.refs === 0 && mnt.detached) this.freeMount(mnt);
  }

  /** cleanup_mnt(): mount marks die; the last mount of a superblock shuts it down. */
  private freeMount(mnt: Mount): void {
    notifyMountDelete(mnt);
    const sb = mnt.sb;
    sb.mountCount--;
    if (sb.mountCount === 0) this.shutdownSuper(sb);
  }

  /** generic_shutdown_super(): FS_UNMOUNT for every marked inode (newest first), then the sb marks. */
  private shutdownSuper(sb: SuperBlock): void {
    if (sb.shutdown) return;
    sb.shutdown = true;
    const inodes = [...sb.inodes].reverse();
    notifyUnmountInodes(inodes);
    notifySbDelete(sb);
  }
}
