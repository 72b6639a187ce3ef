/**
 * The dnotify ABI constants (include/uapi/linux/fcntl.h) and their mapping
 * onto the core's FS_* bits (fs/notify/dnotify/dnotify.c convert_arg).
 */
import {
  FS_ACCESS,
  FS_ATTRIB,
  FS_CREATE,
  FS_DELETE,
  FS_DN_MULTISHOT,
  FS_EVENT_ON_CHILD,
  FS_MODIFY,
  FS_MOVED_FROM,
  FS_MOVED_TO,
  FS_RENAME,
} from '../core/index.js';

/** fcntl(2) commands. */
export const F_SETSIG = 10;
export const F_NOTIFY = 1026;

/** A file in the directory was read. */
export const DN_ACCESS = 0x00000001;
/** A file in the directory was written or truncated. */
export const DN_MODIFY = 0x00000002;
/** An entry was created (or moved in). */
export const DN_CREATE = 0x00000004;
/** An entry was removed (or moved out). */
export const DN_DELETE = 0x00000008;
/** An entry was renamed within the directory. */
export const DN_RENAME = 0x00000010;
/** Attributes of the directory or of an entry changed. */
export const DN_ATTRIB = 0x00000020;
/** Keep the registration after it fires. */
export const DN_MULTISHOT = 0x80000000;

export const DN_ALL = DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE | DN_RENAME | DN_ATTRIB;

/** si_band of the signal (POLLIN | POLLRDNORM | POLLMSG). */
export const DN_SI_BAND = 0x441;

/** convert_arg(): DN_* bits to the registration's FS_* mask (always with FS_EVENT_ON_CHILD). */
export function dnotifyArgToMask(arg: number): number {
  let mask = FS_EVENT_ON_CHILD;
  if (arg & DN_MULTISHOT) mask |= FS_DN_MULTISHOT;
  if (arg & DN_DELETE) mask |= FS_DELETE | FS_MOVED_FROM;
  if (arg & DN_MODIFY) mask |= FS_MODIFY;
  if (arg & DN_ACCESS) mask |= FS_ACCESS;
  if (arg & DN_ATTRIB) mask |= FS_ATTRIB;
  if (arg & DN_RENAME) mask |= FS_RENAME;
  if (arg & DN_CREATE) mask |= FS_CREATE | FS_MOVED_TO;
  return mask >>> 0;
}
