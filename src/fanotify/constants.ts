/**
 * The fanotify ABI constants (include/uapi/linux/fanotify.h, 6.18; the
 * numbers live in uapi/fanotify.ts and are re-exported here) and the
 * kernel's named sets of them (include/linux/fanotify.h). Every FAN_* event
 * bit equals the FS_* bit of the same name (SEMANTICS §1.1), so no
 * translation is needed at the boundary: what this file adds is which bits
 * a user may ask for, which are reported, and their names.
 *
 * Masks are unsigned 32-bit numbers; FAN_ONDIR and FAN_RENAME are high bits,
 * so every combination here is normalised with `>>> 0`.
 */
import {
  FAN_ACCESS,
  FAN_MODIFY,
  FAN_ATTRIB,
  FAN_CLOSE_WRITE,
  FAN_CLOSE_NOWRITE,
  FAN_OPEN,
  FAN_MOVED_FROM,
  FAN_MOVED_TO,
  FAN_CREATE,
  FAN_DELETE,
  FAN_DELETE_SELF,
  FAN_MOVE_SELF,
  FAN_OPEN_EXEC,
  FAN_Q_OVERFLOW,
  FAN_FS_ERROR,
  FAN_OPEN_PERM,
  FAN_ACCESS_PERM,
  FAN_OPEN_EXEC_PERM,
  FAN_PRE_ACCESS,
  FAN_MNT_ATTACH,
  FAN_MNT_DETACH,
  FAN_EVENT_ON_CHILD,
  FAN_RENAME,
  FAN_ONDIR,
  FAN_CLOSE,
  FAN_MOVE,
  FAN_CLOEXEC,
  FAN_NONBLOCK,
  FAN_CLASS_CONTENT,
  FAN_CLASS_PRE_CONTENT,
  FAN_UNLIMITED_QUEUE,
  FAN_UNLIMITED_MARKS,
  FAN_ENABLE_AUDIT,
  FAN_REPORT_PIDFD,
  FAN_REPORT_TID,
  FAN_REPORT_FD_ERROR,
  FAN_REPORT_MNT,
  FAN_REPORT_DFID_NAME_TARGET,
  FAN_MARK_ADD,
  FAN_MARK_REMOVE,
  FAN_MARK_DONT_FOLLOW,
  FAN_MARK_ONLYDIR,
  FAN_MARK_MOUNT,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_IGNORED_SURV_MODIFY,
  FAN_MARK_FLUSH,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_EVICTABLE,
  FAN_MARK_IGNORE,
  FAN_ALLOW,
  FAN_DENY,
  FAN_AUDIT,
  FAN_INFO,
} from '../uapi/fanotify.js';

export * from '../uapi/fanotify.js';

// ---------------------------------------------------------------- the kernel's named sets

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

export const FANOTIFY_RESPONSE_ACCESS = FAN_ALLOW | FAN_DENY;
export const FANOTIFY_RESPONSE_VALID_MASK = (FANOTIFY_RESPONSE_ACCESS | FAN_AUDIT | FAN_INFO | 0xff000000) >>> 0;

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
