/**
 * The fanotify ABI constants (include/uapi/linux/fanotify.h, 6.18) and the
 * kernel's named sets of them (include/linux/fanotify.h). Every FAN_* event
 * bit equals the FS_* bit of the same name (SEMANTICS §1.1), so no
 * translation is needed at the boundary: what this file adds is which bits
 * a user may ask for, which are reported, and their names.
 *
 * Masks are unsigned 32-bit numbers; FAN_ONDIR and FAN_RENAME are high bits,
 * so every combination here is normalised with `>>> 0`.
 */

// ---------------------------------------------------------------- events

/** File was read. */
export const FAN_ACCESS = 0x00000001;
/** File was written. */
export const FAN_MODIFY = 0x00000002;
/** Metadata changed (FID groups only). */
export const FAN_ATTRIB = 0x00000004;
/** A file opened for writing was closed. */
export const FAN_CLOSE_WRITE = 0x00000008;
/** A file or directory not opened for writing was closed. */
export const FAN_CLOSE_NOWRITE = 0x00000010;
/** A file or directory was opened. */
export const FAN_OPEN = 0x00000020;
/** An entry was moved out of a directory (FID groups only). */
export const FAN_MOVED_FROM = 0x00000040;
/** An entry was moved into a directory (FID groups only). */
export const FAN_MOVED_TO = 0x00000080;
/** An entry was created (FID groups only). */
export const FAN_CREATE = 0x00000100;
/** An entry was deleted (FID groups only). */
export const FAN_DELETE = 0x00000200;
/** The marked object itself was deleted (FID groups only). */
export const FAN_DELETE_SELF = 0x00000400;
/** The marked object itself was moved (FID groups only). */
export const FAN_MOVE_SELF = 0x00000800;
/** A file was opened for execution. */
export const FAN_OPEN_EXEC = 0x00001000;
/** Output only: the queue overflowed. */
export const FAN_Q_OVERFLOW = 0x00004000;
/** A filesystem error (filesystem marks of FID groups). */
export const FAN_FS_ERROR = 0x00008000;
/** Permission: an open is about to complete. */
export const FAN_OPEN_PERM = 0x00010000;
/** Permission: a read is about to happen. */
export const FAN_ACCESS_PERM = 0x00020000;
/** Permission: an exec open is about to complete. */
export const FAN_OPEN_EXEC_PERM = 0x00040000;
/** Pre-content permission event (HSM filesystems only; never on tmpfs). */
export const FAN_PRE_ACCESS = 0x00100000;
/** A mount was attached / detached in a marked mount namespace. */
export const FAN_MNT_ATTACH = 0x01000000;
export const FAN_MNT_DETACH = 0x02000000;
/** Mask flag: also report events on the marked directory's children. */
export const FAN_EVENT_ON_CHILD = 0x08000000;
/** One event per rename with the old and new directory+name (FID+NAME groups). */
export const FAN_RENAME = 0x10000000;
/** Mask flag: events on directories; event flag: the subject is a directory (FID groups). */
export const FAN_ONDIR = 0x40000000;

/** FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE. */
export const FAN_CLOSE = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;
/** FAN_MOVED_FROM | FAN_MOVED_TO. */
export const FAN_MOVE = FAN_MOVED_FROM | FAN_MOVED_TO;

// ---------------------------------------------------------------- fanotify_init flags

export const FAN_CLOEXEC = 0x00000001;
export const FAN_NONBLOCK = 0x00000002;
export const FAN_CLASS_NOTIF = 0x00000000;
export const FAN_CLASS_CONTENT = 0x00000004;
export const FAN_CLASS_PRE_CONTENT = 0x00000008;
export const FAN_UNLIMITED_QUEUE = 0x00000010;
export const FAN_UNLIMITED_MARKS = 0x00000020;
export const FAN_ENABLE_AUDIT = 0x00000040;
export const FAN_REPORT_PIDFD = 0x00000080;
export const FAN_REPORT_TID = 0x00000100;
export const FAN_REPORT_FID = 0x00000200;
export const FAN_REPORT_DIR_FID = 0x00000400;
export const FAN_REPORT_NAME = 0x00000800;
export const FAN_REPORT_TARGET_FID = 0x00001000;
export const FAN_REPORT_FD_ERROR = 0x00002000;
export const FAN_REPORT_MNT = 0x00004000;
export const FAN_REPORT_DFID_NAME = FAN_REPORT_DIR_FID | FAN_REPORT_NAME;
export const FAN_REPORT_DFID_NAME_TARGET = FAN_REPORT_DFID_NAME | FAN_REPORT_FID | FAN_REPORT_TARGET_FID;

/** The 2-bit class field (0xc is EINVAL). */
export const FANOTIFY_CLASS_BITS = FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT;
export const FANOTIFY_FID_BITS = FAN_REPORT_DFID_NAME_TARGET;
export const FANOTIFY_INFO_MODES = FANOTIFY_FID_BITS | FAN_REPORT_PIDFD | FAN_REPORT_MNT;
/** Flags only CAP_SYS_ADMIN may pass. */
export const FANOTIFY_ADMIN_INIT_FLAGS =
  FAN_CLASS_CONTENT |
  FAN_CLASS_PRE_CONTENT |
  FAN_REPORT_TID |
  FAN_REPORT_PIDFD |
  FAN_REPORT_FD_ERROR |
  FAN_UNLIMITED_QUEUE |
  FAN_UNLIMITED_MARKS;
/** Every flag fanotify_init accepts (FAN_ENABLE_AUDIT too: syscall auditing is assumed). */
export const FANOTIFY_INIT_FLAGS =
  FANOTIFY_CLASS_BITS |
  FANOTIFY_INFO_MODES |
  FAN_CLOEXEC |
  FAN_NONBLOCK |
  FAN_UNLIMITED_QUEUE |
  FAN_UNLIMITED_MARKS |
  FAN_REPORT_TID |
  FAN_REPORT_FD_ERROR |
  FAN_ENABLE_AUDIT;

// ---------------------------------------------------------------- fanotify_mark flags

export const FAN_MARK_ADD = 0x00000001;
export const FAN_MARK_REMOVE = 0x00000002;
export const FAN_MARK_DONT_FOLLOW = 0x00000004;
export const FAN_MARK_ONLYDIR = 0x00000008;
export const FAN_MARK_MOUNT = 0x00000010;
export const FAN_MARK_IGNORED_MASK = 0x00000020;
export const FAN_MARK_IGNORED_SURV_MODIFY = 0x00000040;
export const FAN_MARK_FLUSH = 0x00000080;
export const FAN_MARK_FILESYSTEM = 0x00000100;
export const FAN_MARK_EVICTABLE = 0x00000200;
export const FAN_MARK_IGNORE = 0x00000400;
export const FAN_MARK_INODE = 0x00000000;
export const FAN_MARK_MNTNS = 0x00000110;
export const FAN_MARK_IGNORE_SURV = FAN_MARK_IGNORE | FAN_MARK_IGNORED_SURV_MODIFY;

export const FANOTIFY_MARK_TYPE_BITS = FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM;
export const FANOTIFY_MARK_CMD_BITS = FAN_MARK_ADD | FAN_MARK_REMOVE | FAN_MARK_FLUSH;
export const FANOTIFY_MARK_IGNORE_BITS = FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE;
export const FANOTIFY_MARK_FLAGS =
  FANOTIFY_MARK_TYPE_BITS |
  FANOTIFY_MARK_CMD_BITS |
  FANOTIFY_MARK_IGNORE_BITS |
  FAN_MARK_DONT_FOLLOW |
  FAN_MARK_ONLYDIR |
  FAN_MARK_IGNORED_SURV_MODIFY |
  FAN_MARK_EVICTABLE;

// ---------------------------------------------------------------- named event sets

export const FANOTIFY_PATH_EVENTS = FAN_ACCESS | FAN_MODIFY | FAN_CLOSE | FAN_OPEN | FAN_OPEN_EXEC;
export const FANOTIFY_DIRENT_EVENTS = (FAN_MOVE | FAN_CREATE | FAN_DELETE | FAN_RENAME) >>> 0;
export const FANOTIFY_INODE_EVENTS = (FANOTIFY_DIRENT_EVENTS | FAN_ATTRIB | FAN_MOVE_SELF | FAN_DELETE_SELF) >>> 0;
export const FANOTIFY_ERROR_EVENTS = FAN_FS_ERROR;
export const FANOTIFY_MOUNT_EVENTS = FAN_MNT_ATTACH | FAN_MNT_DETACH;
export const FANOTIFY_CONTENT_PERM_EVENTS = FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM | FAN_ACCESS_PERM;
export const FANOTIFY_PRE_CONTENT_EVENTS = FAN_PRE_ACCESS;
export const FANOTIFY_PERM_EVENTS = FANOTIFY_CONTENT_PERM_EVENTS | FANOTIFY_PRE_CONTENT_EVENTS;
/** Events that an fd-mode group can ask for. */
export const FANOTIFY_FD_EVENTS = FANOTIFY_PATH_EVENTS | FANOTIFY_PERM_EVENTS;
export const FANOTIFY_EVENTS =
  (FANOTIFY_PATH_EVENTS | FANOTIFY_INODE_EVENTS | FANOTIFY_ERROR_EVENTS | FANOTIFY_MOUNT_EVENTS) >>> 0;
export const FANOTIFY_EVENT_FLAGS = (FAN_EVENT_ON_CHILD | FAN_ONDIR) >>> 0;
/** What an inode mark on a non-directory may only carry in strict mode (ENOTDIR). */
export const FANOTIFY_DIRONLY_EVENT_BITS = (FANOTIFY_DIRENT_EVENTS | FANOTIFY_EVENT_FLAGS) >>> 0;
/** Bits a mark mask may hold. */
export const FANOTIFY_MARK_VALID_MASK = (FANOTIFY_EVENTS | FANOTIFY_EVENT_FLAGS | FANOTIFY_PERM_EVENTS) >>> 0;
/** Bits that may be reported to the reader. */
export const FANOTIFY_OUTGOING_EVENTS = (FANOTIFY_EVENTS | FANOTIFY_PERM_EVENTS | FAN_Q_OVERFLOW | FAN_ONDIR) >>> 0;

// ---------------------------------------------------------------- responses, records

export const FAN_ALLOW = 0x01;
export const FAN_DENY = 0x02;
export const FAN_AUDIT = 0x10;
export const FAN_INFO = 0x20;
/** FAN_DENY with a custom errno (pre-content groups only). */
export function FAN_DENY_ERRNO(errno: number): number {
  return (FAN_DENY | ((errno & 0xff) << 24)) >>> 0;
}
export const FANOTIFY_RESPONSE_ACCESS = FAN_ALLOW | FAN_DENY;
export const FANOTIFY_RESPONSE_VALID_MASK = (FANOTIFY_RESPONSE_ACCESS | FAN_AUDIT | FAN_INFO | 0xff000000) >>> 0;

export const FAN_NOFD = -1;
export const FAN_NOPIDFD = -1;
export const FAN_EPIDFD = -2;
export const FANOTIFY_METADATA_VERSION = 3;
/** sizeof(struct fanotify_event_metadata). */
export const FAN_EVENT_METADATA_LEN = 24;

export const FAN_EVENT_INFO_TYPE_FID = 1;
export const FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
export const FAN_EVENT_INFO_TYPE_DFID = 3;
export const FAN_EVENT_INFO_TYPE_PIDFD = 4;
export const FAN_EVENT_INFO_TYPE_ERROR = 5;
export const FAN_EVENT_INFO_TYPE_RANGE = 6;
export const FAN_EVENT_INFO_TYPE_MNT = 7;
export const FAN_EVENT_INFO_TYPE_OLD_DFID_NAME = 10;
export const FAN_EVENT_INFO_TYPE_NEW_DFID_NAME = 12;

/** The single-bit event names, for maskToNames-style rendering. */
export const FANOTIFY_BIT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [FAN_ACCESS, 'FAN_ACCESS'],
  [FAN_MODIFY, 'FAN_MODIFY'],
  [FAN_ATTRIB, 'FAN_ATTRIB'],
  [FAN_CLOSE_WRITE, 'FAN_CLOSE_WRITE'],
  [FAN_CLOSE_NOWRITE, 'FAN_CLOSE_NOWRITE'],
  [FAN_OPEN, 'FAN_OPEN'],
  [FAN_MOVED_FROM, 'FAN_MOVED_FROM'],
  [FAN_MOVED_TO, 'FAN_MOVED_TO'],
  [FAN_CREATE, 'FAN_CREATE'],
  [FAN_DELETE, 'FAN_DELETE'],
  [FAN_DELETE_SELF, 'FAN_DELETE_SELF'],
  [FAN_MOVE_SELF, 'FAN_MOVE_SELF'],
  [FAN_OPEN_EXEC, 'FAN_OPEN_EXEC'],
  [FAN_Q_OVERFLOW, 'FAN_Q_OVERFLOW'],
  [FAN_FS_ERROR, 'FAN_FS_ERROR'],
  [FAN_OPEN_PERM, 'FAN_OPEN_PERM'],
  [FAN_ACCESS_PERM, 'FAN_ACCESS_PERM'],
  [FAN_OPEN_EXEC_PERM, 'FAN_OPEN_EXEC_PERM'],
  [FAN_PRE_ACCESS, 'FAN_PRE_ACCESS'],
  [FAN_MNT_ATTACH, 'FAN_MNT_ATTACH'],
  [FAN_MNT_DETACH, 'FAN_MNT_DETACH'],
  [FAN_EVENT_ON_CHILD, 'FAN_EVENT_ON_CHILD'],
  [FAN_RENAME, 'FAN_RENAME'],
  [FAN_ONDIR, 'FAN_ONDIR'],
];

/** `FAN_OPEN|FAN_ONDIR`, leftover bits in hex; '0' for 0. */
export function fanotifyMaskToNames(mask: number): string {
  let rest = mask >>> 0;
  const names: string[] = [];
  for (const [bit, name] of FANOTIFY_BIT_NAMES) {
    if ((rest & bit) >>> 0 === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) names.push('0x' + rest.toString(16));
  return names.length === 0 ? '0' : names.join('|');
}
