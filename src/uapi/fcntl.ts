/**
 * Linux x86-64 ABI constants of open(2), the *at(2) calls and ioctl(2) that
 * more than one room uses (the VFS takes them, the host passes them to the
 * kernel), spelled as in include/uapi/asm-generic/fcntl.h and linux/fcntl.h.
 * A leaf room: it imports nothing.
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
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;
/** O_TMPFILE includes O_DIRECTORY, as in the kernel's uapi. */
export const O_TMPFILE = 0o20200000;
/** The O_TMPFILE bit without O_DIRECTORY (__O_TMPFILE). */
export const O_TMPFILE_BIT = 0o20000000;

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

// ---------------------------------------------------------------- ioctl(2)

/** ioctl: bytes ready to read (inotify/fanotify: total size of the queued records). */
export const FIONREAD = 0x541b;
