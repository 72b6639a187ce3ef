/**
 * The inotify ABI (include/uapi/linux/inotify.h): event bits, watch flags,
 * inotify_init1 flags, the record header. Plain numbers, the same for the
 * front-end (inotify/), the VFS and the host source; masks are unsigned
 * 32-bit (IN_ONESHOT is bit 31: normalise with `>>> 0`). A leaf room.
 */

// ---------------------------------------------------------------- events

/** File was accessed (read). */
export const IN_ACCESS = 0x00000001;
/** File was modified (write, truncate). */
export const IN_MODIFY = 0x00000002;
/** Metadata changed (permissions, timestamps, xattrs, link count, owner). */
export const IN_ATTRIB = 0x00000004;
/** A file opened for writing was closed. */
export const IN_CLOSE_WRITE = 0x00000008;
/** A file or directory not opened for writing was closed. */
export const IN_CLOSE_NOWRITE = 0x00000010;
/** A file or directory was opened. */
export const IN_OPEN = 0x00000020;
/** An entry was renamed out of the watched directory (carries a cookie). */
export const IN_MOVED_FROM = 0x00000040;
/** An entry was renamed into the watched directory (same cookie). */
export const IN_MOVED_TO = 0x00000080;
/** An entry was created in the watched directory. */
export const IN_CREATE = 0x00000100;
/** An entry was deleted from the watched directory. */
export const IN_DELETE = 0x00000200;
/** The watched file or directory itself was deleted. */
export const IN_DELETE_SELF = 0x00000400;
/** The watched file or directory itself was moved. */
export const IN_MOVE_SELF = 0x00000800;

/** Output only: the filesystem holding the watched object was unmounted. */
export const IN_UNMOUNT = 0x00002000;
/** Output only: the event queue overflowed (wd is -1). */
export const IN_Q_OVERFLOW = 0x00004000;
/** Output only: the watch was removed. */
export const IN_IGNORED = 0x00008000;

/** IN_CLOSE_WRITE | IN_CLOSE_NOWRITE. */
export const IN_CLOSE = IN_CLOSE_WRITE | IN_CLOSE_NOWRITE;
/** IN_MOVED_FROM | IN_MOVED_TO. */
export const IN_MOVE = IN_MOVED_FROM | IN_MOVED_TO;
/** Every event a watch can ask for (0xfff). */
export const IN_ALL_EVENTS =
  IN_ACCESS |
  IN_MODIFY |
  IN_ATTRIB |
  IN_CLOSE_WRITE |
  IN_CLOSE_NOWRITE |
  IN_OPEN |
  IN_MOVED_FROM |
  IN_MOVED_TO |
  IN_CREATE |
  IN_DELETE |
  IN_DELETE_SELF |
  IN_MOVE_SELF;

// ---------------------------------------------------------------- inotify_add_watch flags

/** Only watch the path if it is a directory (ENOTDIR otherwise). */
export const IN_ONLYDIR = 0x01000000;
/** Do not follow a final symlink: watch the link itself. */
export const IN_DONT_FOLLOW = 0x02000000;
/** Drop file events (open/read/write/close) whose dentry has been unlinked. */
export const IN_EXCL_UNLINK = 0x04000000;
/** Fail with EEXIST if the inode is already watched by this instance. */
export const IN_MASK_CREATE = 0x10000000;
/** OR into an existing watch's mask (and flags) instead of replacing it. */
export const IN_MASK_ADD = 0x20000000;
/** Output flag: the subject of the event is a directory. Accepted, ignored, as input. */
export const IN_ISDIR = 0x40000000;
/** Remove the watch after its first event (IN_IGNORED follows). */
export const IN_ONESHOT = 0x80000000;

// ---------------------------------------------------------------- inotify_init1 flags and ioctl

/** inotify_init1: close on exec (O_CLOEXEC). */
export const IN_CLOEXEC = 0x00080000;
/** inotify_init1: non-blocking reads (O_NONBLOCK). */
export const IN_NONBLOCK = 0x00000800;
/** ioctl _IOW('I', 0, __s32): set the next wd the instance allocates. */
export const INOTIFY_IOC_SETNEXTWD = 0x40044900;

/** Size of the fixed part of a read(2) record: s32 wd, u32 mask, u32 cookie, u32 len. */
export const INOTIFY_EVENT_HEADER_SIZE = 16;
/** Largest inotify record: header + NAME_MAX + NUL, padded to 16. */
export const INOTIFY_EVENT_MAX_SIZE = INOTIFY_EVENT_HEADER_SIZE + 256;
