/**
 * The fanotify ABI (include/uapi/linux/fanotify.h, 6.18): event bits,
 * fanotify_init and fanotify_mark flags, responses, record layout. Plain
 * numbers, the same for the front-end (fanotify/), the VFS and the host;
 * FAN_ONDIR and FAN_RENAME are high bits, so combinations are normalised
 * with `>>> 0`. The kernel's named sets of them (include/linux/fanotify.h)
 * are the front-end's. A leaf room.
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

// ---------------------------------------------------------------- responses, records

export const FAN_ALLOW = 0x01;
export const FAN_DENY = 0x02;
export const FAN_AUDIT = 0x10;
export const FAN_INFO = 0x20;
/** FAN_DENY with a custom errno (pre-content groups only). */
export function FAN_DENY_ERRNO(errno: number): number {
  return (FAN_DENY | ((errno & 0xff) << 24)) >>> 0;
}

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

/** Size of `struct fanotify_response { s32 fd; u32 response; }`. */
export const FAN_RESPONSE_LEN = 8;
