/**
 * The fsnotify bit table (include/linux/fsnotify_backend.h). inotify,
 * fanotify, dnotify and the core share one layout: most user-visible
 * constants are numerically equal to the FS_* bit. Every mask in the core is
 * an unsigned 32-bit number; use `>>> 0` after `|` on the high bits.
 */

/** File was read (read(2) > 0 bytes, getdents, utimensat atime-only). */
export const FS_ACCESS = 0x00000001;
/** File was written (write(2) > 0 bytes, truncate, utimensat mtime-only). */
export const FS_MODIFY = 0x00000002;
/** Metadata changed: chmod, chown, utimes, xattr, link count. */
export const FS_ATTRIB = 0x00000004;
/** Last close of a file opened for writing. */
export const FS_CLOSE_WRITE = 0x00000008;
/** Last close of a file opened without write access. */
export const FS_CLOSE_NOWRITE = 0x00000010;
/** Successful open (never O_PATH). */
export const FS_OPEN = 0x00000020;
/** Dirent event on the old directory of a rename. */
export const FS_MOVED_FROM = 0x00000040;
/** Dirent event on the new directory of a rename. */
export const FS_MOVED_TO = 0x00000080;
/** Dirent event: an entry was created. */
export const FS_CREATE = 0x00000100;
/** Dirent event: an entry was removed. */
export const FS_DELETE = 0x00000200;
/** The watched inode lost its last link and its last dentry. */
export const FS_DELETE_SELF = 0x00000400;
/** The watched inode itself was renamed. */
export const FS_MOVE_SELF = 0x00000800;
/** Open for execve/uselib (fanotify only). */
export const FS_OPEN_EXEC = 0x00001000;
/** The filesystem holding the watched inode was unmounted. */
export const FS_UNMOUNT = 0x00002000;
/** Synthetic: a group's queue overflowed. */
export const FS_Q_OVERFLOW = 0x00004000;
/** Overloaded: inotify IN_IGNORED, fanotify FAN_FS_ERROR. */
export const FS_IN_IGNORED = 0x00008000;
export const FS_ERROR = 0x00008000;
/** Permission event before an open completes. */
export const FS_OPEN_PERM = 0x00010000;
/** Permission event before a read-type access. */
export const FS_ACCESS_PERM = 0x00020000;
/** Permission event before an exec open. */
export const FS_OPEN_EXEC_PERM = 0x00040000;
/** Pre-content permission event (6.14+). */
export const FS_PRE_ACCESS = 0x00100000;
/** Mount attached / detached in a watched mount namespace (6.15+). */
export const FS_MNT_ATTACH = 0x01000000;
export const FS_MNT_DETACH = 0x02000000;
/** Mark flag: also report events on my children; event flag: delivered to a watching parent. */
export const FS_EVENT_ON_CHILD = 0x08000000;
/** One event per rename carrying both parents and names. */
export const FS_RENAME = 0x10000000;
/** dnotify internal. */
export const FS_DN_MULTISHOT = 0x20000000;
/** Event flag: the subject is a directory. */
export const FS_ISDIR = 0x40000000;

/** Events reported only to the directory whose entry changed. */
export const ALL_FSNOTIFY_DIRENT_EVENTS = FS_CREATE | FS_DELETE | FS_MOVED_FROM | FS_MOVED_TO | FS_RENAME;
export const ALL_FSNOTIFY_PERM_EVENTS = FS_OPEN_PERM | FS_ACCESS_PERM | FS_OPEN_EXEC_PERM | FS_PRE_ACCESS;
export const FSNOTIFY_MNT_EVENTS = FS_MNT_ATTACH | FS_MNT_DETACH;
/** Only these events can reach a watching parent. */
export const FS_EVENTS_POSS_ON_CHILD =
  ALL_FSNOTIFY_PERM_EVENTS | FS_ACCESS | FS_MODIFY | FS_ATTRIB | FS_CLOSE_WRITE | FS_CLOSE_NOWRITE | FS_OPEN | FS_OPEN_EXEC;
/** Events that may be reported with parent/name info to inode, sb or mount marks. */
export const FS_EVENTS_POSS_TO_PARENT = FS_EVENTS_POSS_ON_CHILD;
export const ALL_FSNOTIFY_EVENTS =
  (ALL_FSNOTIFY_DIRENT_EVENTS | FSNOTIFY_MNT_EVENTS | FS_EVENTS_POSS_ON_CHILD | FS_DELETE_SELF | FS_MOVE_SELF |
    FS_UNMOUNT | FS_Q_OVERFLOW | FS_IN_IGNORED) >>> 0;
export const ALL_FSNOTIFY_FLAGS = (FS_ISDIR | FS_EVENT_ON_CHILD | FS_DN_MULTISHOT) >>> 0;
export const ALL_FSNOTIFY_BITS = (ALL_FSNOTIFY_FLAGS | ALL_FSNOTIFY_EVENTS) >>> 0;

/** Names of the FS_* bits, for maskToNames(). */
export const FS_BIT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FS_ACCESS, 'FS_ACCESS'],
  [FS_MODIFY, 'FS_MODIFY'],
  [FS_ATTRIB, 'FS_ATTRIB'],
  [FS_CLOSE_WRITE, 'FS_CLOSE_WRITE'],
  [FS_CLOSE_NOWRITE, 'FS_CLOSE_NOWRITE'],
  [FS_OPEN, 'FS_OPEN'],
  [FS_MOVED_FROM, 'FS_MOVED_FROM'],
  [FS_MOVED_TO, 'FS_MOVED_TO'],
  [FS_CREATE, 'FS_CREATE'],
  [FS_DELETE, 'FS_DELETE'],
  [FS_DELETE_SELF, 'FS_DELETE_SELF'],
  [FS_MOVE_SELF, 'FS_MOVE_SELF'],
  [FS_OPEN_EXEC, 'FS_OPEN_EXEC'],
  [FS_UNMOUNT, 'FS_UNMOUNT'],
  [FS_Q_OVERFLOW, 'FS_Q_OVERFLOW'],
  [FS_IN_IGNORED, 'FS_IN_IGNORED'],
  [FS_OPEN_PERM, 'FS_OPEN_PERM'],
  [FS_ACCESS_PERM, 'FS_ACCESS_PERM'],
  [FS_OPEN_EXEC_PERM, 'FS_OPEN_EXEC_PERM'],
  [FS_PRE_ACCESS, 'FS_PRE_ACCESS'],
  [FS_MNT_ATTACH, 'FS_MNT_ATTACH'],
  [FS_MNT_DETACH, 'FS_MNT_DETACH'],
  [FS_EVENT_ON_CHILD, 'FS_EVENT_ON_CHILD'],
  [FS_RENAME, 'FS_RENAME'],
  [FS_DN_MULTISHOT, 'FS_DN_MULTISHOT'],
  [FS_ISDIR, 'FS_ISDIR'],
];

/**
 * Render a mask as `A|B|0x...` using a name table (single-bit entries only);
 * leftover bits are printed once in hex. `0` renders as `'0'`.
 */
export function maskToNames(mask: number, table: ReadonlyArray<readonly [number, string]> = FS_BIT_NAMES): string {
  let rest = mask >>> 0;
  const names: string[] = [];
  for (const [bit, name] of table) {
    if (bit !== 0 && (rest & bit) >>> 0 === bit >>> 0) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push('0x' + rest.toString(16));
  return names.length === 0 ? '0' : names.join('|');
}
