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
import type { Connector, FileHandle, FsDentry, FsFile, FsInode, FsMount, FsPath, FsSuperBlock } from '../core/index.js';
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
  /** statfs f_fsid (tmpfs derives it from a per-mount uuid; here from the device number). */
  readonly fsid: readonly [number, number];

  constructor(dev: number, fstype: string) {
    this.dev = dev;
    this.fstype = fstype;
    this.fsid = [(0x746d7066 ^ (dev * 0x9e3779b1)) | 0, dev];
  }

  allocIno(): number {
    return this.nextIno++;
  }

  /**
   * shmem_encode_fh(): handle type 1 (FILEID_INO32_GEN), 12 bytes: the
   * generation, then the 64-bit inode number, native endian.
   */
  encodeFileHandle(inode: FsInode): FileHandle | null {
    if (!(inode instanceof Inode) || inode.sb !== this) return null;
    const bytes = Buffer.alloc(12);
    bytes.writeUInt32LE(inode.generation >>> 0, 0);
    bytes.writeUInt32LE(inode.ino >>> 0, 4);
    bytes.writeUInt32LE(Math.floor(inode.ino / 0x100000000) >>> 0, 8);
    return { type: FILEID_INO32_GEN, bytes };
  }

  /** shmem_fh_to_dentry()'s inode lookup: the live inode a handle names, or null (ESTALE). */
  decodeFileHandle(handle: FileHandle): Inode | null {
    if (handle.type !== FILEID_INO32_GEN || handle.bytes.length < 12) return null;
    const b = Buffer.from(handle.bytes.buffer, handle.bytes.byteOffset, handle.bytes.byteLength);
    const generation = b.readUInt32LE(0);
    const ino = b.readUInt32LE(4) + b.readUInt32LE(8) * 0x100000000;
    for (const inode of this.inodes) {
      if (inode.ino === ino && inode.generation >>> 0 === generation && !inode.evicted) return inode;
    }
    return null;
  }
}

/** The file handle type tmpfs encodes (FILEID_INO32_GEN). */
export const FILEID_INO32_GEN = 1;

let nextGeneration = 0x5eed;

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
  /** The live dentries, newest first (i_dentry: d_instantiate adds at the head). */
  readonly aliases: Dentry[] = [];
  /** i_generation: tells a reused inode number apart in file handles. */
  readonly generation: number;
  /** Open files with write access (i_writecount > 0). */
  writeOpens = 0;
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
    nextGeneration = (Math.imul(nextGeneration, 1103515245) + 12345) >>> 0;
    this.generation = nextGeneration;
    sb.inodes.add(this);
  }

  isOpenForWrite(): boolean {
    return this.writeOpens > 0;
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
    inode.aliases.unshift(this);
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
