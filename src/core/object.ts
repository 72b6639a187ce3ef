/**
 * The objects marks attach to, and the event data that travels with an event
 * (include/linux/fsnotify_backend.h: struct fsnotify_mark_connector owners
 * and the FSNOTIFY_EVENT_* data types).
 *
 * Sources implement these small interfaces: the in-memory filesystem with its
 * inodes, dentries, mounts and superblocks; the host source with objects keyed
 * by (device, inode). The core reads nothing else from them.
 */
import type { Connector, MaskObserver } from './connector.js';

export type ObjectType = 'inode' | 'mount' | 'sb';

/** Anything a mark can attach to. `connector` is owned by the core. */
export interface MarkableObject {
  readonly objectType: ObjectType;
  connector: Connector | null;
  /** Set by observeMask() (a source that follows the connector's mask); absent otherwise. */
  maskObserver?: MaskObserver | null;
}

/** An exportable file handle (struct file_handle: handle_type + f_handle bytes). */
export interface FileHandle {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** A filesystem (superblock). */
export interface FsSuperBlock extends MarkableObject {
  readonly objectType: 'sb';
  /**
   * statfs(2) f_fsid as two 32-bit words, when the filesystem has one
   * (fanotify FID groups record it with every file handle).
   */
  readonly fsid?: readonly [number, number];
  /**
   * s_export_op->encode_fh: a file handle for one of this filesystem's
   * inodes, or null when it cannot be encoded (fanotify FID records).
   */
  encodeFileHandle?(inode: FsInode): FileHandle | null;
}

/** One mount instance of a superblock. */
export interface FsMount extends MarkableObject {
  readonly objectType: 'mount';
  readonly sb: FsSuperBlock;
}

/** An inode. */
export interface FsInode extends MarkableObject {
  readonly objectType: 'inode';
  readonly sb: FsSuperBlock;
  readonly ino: number;
  /** S_ISDIR. */
  isDir(): boolean;
  /** S_ISREG (fanotify's descriptor mode reports only files and directories). */
  isReg?(): boolean;
  /** inode_is_open_for_write() (fanotify ignore masks without SURV_MODIFY). */
  isOpenForWrite?(): boolean;
}

/**
 * A directory entry. `parent` is null for a root dentry (the root of a
 * superblock, or a disconnected dentry): it never notifies a parent.
 */
export interface FsDentry {
  readonly inode: FsInode;
  readonly parent: FsDentry | null;
  readonly name: string;
  /** d_unlinked(): the entry was removed from its directory. */
  isUnlinked(): boolean;
}

/** A (mount, dentry) pair, as the kernel's struct path. */
export interface FsPath {
  readonly mount: FsMount;
  readonly dentry: FsDentry;
}

/** File mode bits the hooks read (the kernel's FMODE_*). */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const FMODE_EXEC = 0x20;
export const FMODE_PATH = 0x4000;
/** Files handed out by fanotify: using them generates no events. */
export const FMODE_NONOTIFY = 0x4000000;
/**
 * Decided at open (rule C15): nobody watched access permission events on
 * this file then, so reads never generate FS_ACCESS_PERM.
 */
export const FMODE_NONOTIFY_PERM = 0x8000000;

/** An open file description. */
export interface FsFile {
  readonly path: FsPath;
  readonly fmode: number;
}

/**
 * What an event carries (the kernel's data + data_type). The type decides
 * which marks can see the event: only `path` data reaches mount marks.
 */
export type EventData =
  | { readonly type: 'path'; readonly path: FsPath; readonly file: FsFile | null }
  | { readonly type: 'dentry'; readonly dentry: FsDentry }
  | { readonly type: 'inode'; readonly inode: FsInode }
  | { readonly type: 'none' };

/** The inode an event's data designates (fsnotify_data_inode). */
export function dataInode(data: EventData): FsInode | null {
  switch (data.type) {
    case 'path':
      return data.path.dentry.inode;
    case 'dentry':
      return data.dentry.inode;
    case 'inode':
      return data.inode;
    case 'none':
      return null;
  }
}

/** The dentry an event's data designates (fsnotify_data_dentry), if any. */
export function dataDentry(data: EventData): FsDentry | null {
  if (data.type === 'path') return data.path.dentry;
  if (data.type === 'dentry') return data.dentry;
  return null;
}

/** The path of path-type data (fsnotify_data_path), if any. */
export function dataPath(data: EventData): FsPath | null {
  return data.type === 'path' ? data.path : null;
}
