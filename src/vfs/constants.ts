/**
 * Linux x86-64 ABI constants used by the in-memory filesystem's syscalls,
 * spelled as in the man pages.
 */

// open(2) flags
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
const __O_TMPFILE = 0o20000000;
export const O_TMPFILE_BIT = __O_TMPFILE;

export const OPEN_FLAG_NAMES: Readonly<Record<string, number>> = {
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_TRUNC,
  O_APPEND,
  O_NONBLOCK,
  O_DSYNC,
  O_DIRECT,
  O_LARGEFILE,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_NOATIME,
  O_CLOEXEC,
  O_SYNC,
  O_PATH,
  O_TMPFILE,
};

// file types and permission bits (stat.st_mode)
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;
export const S_IXGRP = 0o0010;

// access modes for permission checks (MAY_*)
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;

// lseek(2)
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

// renameat2(2)
export const RENAME_NOREPLACE = 1;
export const RENAME_EXCHANGE = 2;
export const RENAME_WHITEOUT = 4;

// umount2(2)
export const MNT_FORCE = 1;
export const MNT_DETACH = 2;
export const MNT_EXPIRE = 4;
export const UMOUNT_NOFOLLOW = 8;

// *at(2)
export const AT_SYMLINK_NOFOLLOW = 0x100;

// setxattr(2)
export const XATTR_CREATE = 1;
export const XATTR_REPLACE = 2;

// utimensat(2) special values are given as 'now' / 'omit' in the TypeScript API.
export type TimeSpec = number | 'now' | 'omit';

/** getdents64 d_type values. */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;

/** Linux limits. */
export const NAME_MAX = 255;
export const PATH_MAX = 4096;
export const MAXSYMLINKS = 40;
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
