/**
 * The in-memory filesystem's objects: superblocks, inodes, dentries, mounts
 * and open files. They implement the core's object interfaces
 * (src/core/object.ts) so marks attach to them directly.
 *
 * Lifetimes follow the kernel's:
 * - a dentry is "hashed" while it names an inode in its directory; unlink,
 *   rmdir and rename-over unhash it. An unhashed dentry that open files
 *   still hold lives on (d_unlinked) until its last reference goes, then it
 *   is killed: if the inode has no link left, FS_DELETE_SELF is reported and
 *   the inode's marks die (dentry_unlink_inode → fsnotify_inoderemove);
 * - an inode is evicted once it has no link and no live dentry;
 * - a superblock is shut down when its last mount goes (FS_UNMOUNT for every
 *   marked inode, newest inode first, as the kernel walks s_inodes).
 */
import type { Connector, FsDentry, FsFile, FsInode, FsMount, FsPath, FsSuperBlock } from '../core/index.js';
import { S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG } from './constants.js';

export class SuperBlock implements FsSuperBlock {
  readonly objectType = 'sb' as const;
  connector: Connector | null = null;
  readonly dev: number;
  readonly fstype: string;
  private nextIno = 1;
  /** Every live inode, in creation order (the unmount walk goes newest first). */
  readonly inodes = new Set<Inode>();
  root!: Dentry;
  /** Mounts of this superblock still referenced (attached or lazily detached). */
  mountCount = 0;
  shutdown = false;

  constructor(dev: number, fstype: string) {
    this.dev = dev;
    this.fstype = fstype;
  }

  allocIno(): number {
    return this.nextIno++;
  }
}

export class Inode implements FsInode {
  readonly objectType = 'inode' as const;
  connector: Connector | null = null;
  readonly sb: SuperBlock;
  readonly ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink = 0;
  /** File contents (regular files; FIFO buffer). */
  data: Buffer = Buffer.alloc(0);
  size = 0;
  /** Symlink target. */
  target = '';
  /** Directory entries (directories only), in insertion order. */
  readonly entries = new Map<string, Dentry>();
  readonly xattrs = new Map<string, Buffer>();
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
  /** Dentries of this inode that are alive (hashed, or unhashed but referenced). */
  liveDentries = 0;
  /** Set when rmdir removed the directory (IS_DEADDIR). */
  dead = false;
  evicted = false;
  /** FIFO bookkeeping: open readers and writers. */
  readers = 0;
  writers = 0;

  constructor(sb: SuperBlock, mode: number, uid: number, gid: number, nowNs: bigint) {
    this.sb = sb;
    this.ino = sb.allocIno();
    this.mode = mode;
    this.uid = uid;
    this.gid = gid;
    this.atimeNs = this.mtimeNs = this.ctimeNs = nowNs;
    sb.inodes.add(this);
  }

  isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  isReg(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isSymlink(): boolean {
    return (this.mode & S_IFMT) === S_IFLNK;
  }
  isFifo(): boolean {
    return (this.mode & S_IFMT) === S_IFIFO;
  }
}

export class Dentry implements FsDentry {
  readonly inode: Inode;
  parent: Dentry | null;
  name: string;
  /** In its parent's entries (d_hashed). */
  hashed: boolean;
  /** Open files, working directories and mounts holding this dentry. */
  refs = 0;
  killed = false;
  /** Mounts stacked on this dentry, the last one on top. */
  readonly mounts: Mount[] = [];

  constructor(inode: Inode, parent: Dentry | null, name: string, hashed: boolean) {
    this.inode = inode;
    this.parent = parent;
    this.name = name;
    this.hashed = hashed;
    inode.liveDentries++;
  }

  isUnlinked(): boolean {
    return !this.hashed && this.parent !== null;
  }
}

export class Mount implements FsMount {
  readonly objectType = 'mount' as const;
  connector: Connector | null = null;
  readonly sb: SuperBlock;
  readonly root: Dentry;
  /** Where it is attached: null for the root mount or once detached. */
  parent: Mount | null;
  mountpoint: Dentry | null;
  readonly children = new Set<Mount>();
  /** Open files and working directories inside this mount. */
  refs = 0;
  detached = false;

  constructor(sb: SuperBlock, root: Dentry, parent: Mount | null, mountpoint: Dentry | null) {
    this.sb = sb;
    this.root = root;
    this.parent = parent;
    this.mountpoint = mountpoint;
  }
}

export class VPath implements FsPath {
  constructor(
    readonly mount: Mount,
    readonly dentry: Dentry,
  ) {}
}

/** An open file description (struct file). Descriptors (and dup()s) share it. */
export class OpenFile implements FsFile {
  readonly path: VPath;
  readonly fmode: number;
  /** The open(2) flags. */
  flags: number;
  pos = 0;
  /** Descriptors referring to this description. */
  refs = 1;
  /** getdents cursor: index into the directory listing. */
  dirPos = 0;

  constructor(path: VPath, fmode: number, flags: number) {
    this.path = path;
    this.fmode = fmode;
    this.flags = flags;
  }

  get inode(): Inode {
    return this.path.dentry.inode;
  }
}
