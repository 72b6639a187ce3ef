/**
 * Linux x86-64 ABI constants used by the host layer, spelled as in the man
 * pages and uapi headers (include/uapi/linux/inotify.h, fanotify.h, fcntl.h,
 * eventfd.h, poll.h) so they can be grepped against them. Plain numbers; the
 * 64-bit fanotify mask is passed as a number (all 6.18 bits sit in the low
 * 32) or a bigint.
 *
 * The values here are what the *kernel* takes and returns. The core's own bit
 * table (core/mask.ts) shares most event bits with them, but this file does
 * not import the core: the host layer is usable on its own.
 */

// ---------------------------------------------------------------- open(2)

export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_ACCMODE = 0o3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;

// ---------------------------------------------------------------- *at(2)

/** Resolve a relative path against the current working directory. */
export const AT_FDCWD = -100;
/** name_to_handle_at: return a 64-bit unique mount id (6.12+). */
export const AT_HANDLE_MNT_ID_UNIQUE = 0x001;
/** name_to_handle_at: the handle only identifies the object, it need not be openable (6.5+). */
export const AT_HANDLE_FID = 0x200;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_SYMLINK_FOLLOW = 0x400;
/** Operate on dirfd itself when the path is empty. */
export const AT_EMPTY_PATH = 0x1000;

/** Largest file handle the kernel encodes (fs/fhandle.c). */
export const MAX_HANDLE_SZ = 128;
/** handle_type reported for an object whose handle cannot be encoded. */
export const FILEID_INVALID = 0xff;

/** Linux PATH_MAX, including the terminating NUL. */
export const PATH_MAX = 4096;
/** Linux NAME_MAX: the longest single path component. */
export const NAME_MAX = 255;

// ---------------------------------------------------------------- poll(2), eventfd(2), ioctl(2)

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;

export const EFD_SEMAPHORE = 0o1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;

/** ioctl: bytes ready to read (inotify/fanotify: total size of the queued records). */
export const FIONREAD = 0x541b;

// ---------------------------------------------------------------- inotify

export const IN_CLOEXEC = O_CLOEXEC;
export const IN_NONBLOCK = O_NONBLOCK;

export const IN_ACCESS = 0x00000001;
export const IN_MODIFY = 0x00000002;
export const IN_ATTRIB = 0x00000004;
export const IN_CLOSE_WRITE = 0x00000008;
export const IN_CLOSE_NOWRITE = 0x00000010;
export const IN_OPEN = 0x00000020;
export const IN_MOVED_FROM = 0x00000040;
export const IN_MOVED_TO = 0x00000080;
export const IN_CREATE = 0x00000100;
export const IN_DELETE = 0x00000200;
export const IN_DELETE_SELF = 0x00000400;
export const IN_MOVE_SELF = 0x00000800;
export const IN_UNMOUNT = 0x00002000;
export const IN_Q_OVERFLOW = 0x00004000;
export const IN_IGNORED = 0x00008000;
export const IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
export const IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO;
export const IN_ALL_EVENTS = 0x00000fff;

export const IN_ONLYDIR = 0x01000000;
export const IN_DONT_FOLLOW = 0x02000000;
export const IN_EXCL_UNLINK = 0x04000000;
export const IN_MASK_CREATE = 0x10000000;
export const IN_MASK_ADD = 0x20000000;
export const IN_ISDIR = 0x40000000;
/** Unsigned: bit 31 (`>>> 0` keeps it positive in JavaScript). */
export const IN_ONESHOT = 0x80000000;

/** Size of `struct inotify_event` without its name. */
export const INOTIFY_EVENT_HEADER_SIZE = 16;
/** Largest inotify record: header + NAME_MAX + NUL, padded to 16. */
export const INOTIFY_EVENT_MAX_SIZE = INOTIFY_EVENT_HEADER_SIZE + 256;

// ---------------------------------------------------------------- fanotify_init(2)

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

// ---------------------------------------------------------------- fanotify_mark(2)

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

// ---------------------------------------------------------------- fanotify event bits

export const FAN_ACCESS = 0x00000001;
export const FAN_MODIFY = 0x00000002;
export const FAN_ATTRIB = 0x00000004;
export const FAN_CLOSE_WRITE = 0x00000008;
export const FAN_CLOSE_NOWRITE = 0x00000010;
export const FAN_OPEN = 0x00000020;
export const FAN_MOVED_FROM = 0x00000040;
export const FAN_MOVED_TO = 0x00000080;
export const FAN_CREATE = 0x00000100;
export const FAN_DELETE = 0x00000200;
export const FAN_DELETE_SELF = 0x00000400;
export const FAN_MOVE_SELF = 0x00000800;
export const FAN_OPEN_EXEC = 0x00001000;
export const FAN_Q_OVERFLOW = 0x00004000;
export const FAN_FS_ERROR = 0x00008000;
export const FAN_OPEN_PERM = 0x00010000;
export const FAN_ACCESS_PERM = 0x00020000;
export const FAN_OPEN_EXEC_PERM = 0x00040000;
export const FAN_PRE_ACCESS = 0x00100000;
export const FAN_MNT_ATTACH = 0x01000000;
export const FAN_MNT_DETACH = 0x02000000;
export const FAN_EVENT_ON_CHILD = 0x08000000;
export const FAN_RENAME = 0x10000000;
export const FAN_ONDIR = 0x40000000;
export const FAN_CLOSE = FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE;
export const FAN_MOVE = FAN_MOVED_FROM | FAN_MOVED_TO;

// ---------------------------------------------------------------- fanotify records and responses

export const FANOTIFY_METADATA_VERSION = 3;
/** Size of `struct fanotify_event_metadata`. */
export const FAN_EVENT_METADATA_LEN = 24;
export const FAN_NOFD = -1;
export const FAN_NOPIDFD = -1;
export const FAN_EPIDFD = -2;

export const FAN_EVENT_INFO_TYPE_FID = 1;
export const FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
export const FAN_EVENT_INFO_TYPE_DFID = 3;
export const FAN_EVENT_INFO_TYPE_PIDFD = 4;
export const FAN_EVENT_INFO_TYPE_ERROR = 5;
export const FAN_EVENT_INFO_TYPE_RANGE = 6;
export const FAN_EVENT_INFO_TYPE_MNT = 7;
export const FAN_EVENT_INFO_TYPE_OLD_DFID_NAME = 10;
export const FAN_EVENT_INFO_TYPE_NEW_DFID_NAME = 12;

export const FAN_ALLOW = 0x01;
export const FAN_DENY = 0x02;
export const FAN_AUDIT = 0x10;
export const FAN_INFO = 0x20;
/** Size of `struct fanotify_response { s32 fd; u32 response; }`. */
export const FAN_RESPONSE_LEN = 8;
