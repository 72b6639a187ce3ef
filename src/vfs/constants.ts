/**
 * Linux x86-64 ABI constants used by the in-memory filesystem's syscalls,
 * spelled as in the man pages.
 */

import * as fcntl from '../uapi/fcntl.js';

// open(2) flags and the *at(2) flags (AT_SYMLINK_NOFOLLOW …): one table for every room
export * from '../uapi/fcntl.js';

/** The open(2) flags by name (O_RDONLY … O_TMPFILE), for parsing scenario files. */
export const OPEN_FLAG_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  Object.entries(fcntl).filter(([name]) => name.startsWith('O_') && name !== 'O_ACCMODE' && name !== 'O_TMPFILE_BIT'),
);

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

/** Linux limits (NAME_MAX and PATH_MAX come from uapi/fcntl.ts). */
export const MAXSYMLINKS = 40;
export const XATTR_NAME_MAX = 255;
export const XATTR_SIZE_MAX = 65536;
