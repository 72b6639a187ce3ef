/**
 * The inotify ABI constants (include/uapi/linux/inotify.h; the numbers live
 * in uapi/inotify.ts and are re-exported here), their names, and the boundary between them and the core's FS_* bits
 * (fs/notify/inotify/inotify.h: inotify_arg_to_mask, inotify_mask_to_arg,
 * inotify_arg_to_flags, inotify_mark_user_mask).
 *
 * Every IN_* event bit equals the FS_* bit of the same name; the functions at
 * the end of this file are the only place where the two meet. Masks are
 * unsigned 32-bit numbers: `IN_MODIFY | IN_ONESHOT` evaluates to a negative
 * int32 in JavaScript, so every function here normalises with `>>> 0`.
 */
import type { Mark } from '../core/index.js';
import {
  IN_ACCESS,
  IN_MODIFY,
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CLOSE_NOWRITE,
  IN_OPEN,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_MOVE_SELF,
  IN_UNMOUNT,
  IN_Q_OVERFLOW,
  IN_IGNORED,
  IN_CLOSE,
  IN_MOVE,
  IN_ALL_EVENTS,
  IN_ONLYDIR,
  IN_DONT_FOLLOW,
  IN_EXCL_UNLINK,
  IN_MASK_CREATE,
  IN_MASK_ADD,
  IN_ISDIR,
  IN_ONESHOT,
} from '../uapi/inotify.js';

export * from '../uapi/inotify.js';
export { FIONREAD } from '../uapi/fcntl.js';
import {
  FS_EVENT_ON_CHILD,
  FS_UNMOUNT,
  MARK_FLAG_EXCL_UNLINK,
  MARK_FLAG_IN_ONESHOT,
} from '../core/index.js';

/** Every bit inotify_add_watch accepts; any other gives EINVAL (22 bits). */
export const ALL_INOTIFY_BITS =
  (IN_ALL_EVENTS |
    IN_UNMOUNT |
    IN_Q_OVERFLOW |
    IN_IGNORED |
    IN_ONLYDIR |
    IN_DONT_FOLLOW |
    IN_EXCL_UNLINK |
    IN_ISDIR |
    IN_MASK_CREATE |
    IN_MASK_ADD |
    IN_ONESHOT) >>>
  0;

/** The bits a read(2) record may show (inotify_mask_to_arg). */
export const INOTIFY_REPORTED_BITS = (IN_ALL_EVENTS | IN_ISDIR | IN_UNMOUNT | IN_IGNORED | IN_Q_OVERFLOW) >>> 0;

// ---------------------------------------------------------------- names

/** One name per single bit, in bit order, as inotifyMaskToNames() prints them. */
export const INOTIFY_BIT_NAMES: ReadonlyArray<readonly [number, string]> = [
  [IN_ACCESS, 'IN_ACCESS'],
  [IN_MODIFY, 'IN_MODIFY'],
  [IN_ATTRIB, 'IN_ATTRIB'],
  [IN_CLOSE_WRITE, 'IN_CLOSE_WRITE'],
  [IN_CLOSE_NOWRITE, 'IN_CLOSE_NOWRITE'],
  [IN_OPEN, 'IN_OPEN'],
  [IN_MOVED_FROM, 'IN_MOVED_FROM'],
  [IN_MOVED_TO, 'IN_MOVED_TO'],
  [IN_CREATE, 'IN_CREATE'],
  [IN_DELETE, 'IN_DELETE'],
  [IN_DELETE_SELF, 'IN_DELETE_SELF'],
  [IN_MOVE_SELF, 'IN_MOVE_SELF'],
  [IN_UNMOUNT, 'IN_UNMOUNT'],
  [IN_Q_OVERFLOW, 'IN_Q_OVERFLOW'],
  [IN_IGNORED, 'IN_IGNORED'],
  [IN_ONLYDIR, 'IN_ONLYDIR'],
  [IN_DONT_FOLLOW, 'IN_DONT_FOLLOW'],
  [IN_EXCL_UNLINK, 'IN_EXCL_UNLINK'],
  [IN_MASK_CREATE, 'IN_MASK_CREATE'],
  [IN_MASK_ADD, 'IN_MASK_ADD'],
  [IN_ISDIR, 'IN_ISDIR'],
  [IN_ONESHOT, 'IN_ONESHOT'],
];

/** Multi-bit names accepted by namesToInotifyMask(), never printed. */
export const INOTIFY_ALIASES: ReadonlyArray<readonly [number, string]> = [
  [IN_CLOSE, 'IN_CLOSE'],
  [IN_MOVE, 'IN_MOVE'],
  [IN_ALL_EVENTS, 'IN_ALL_EVENTS'],
];

const BY_NAME = new Map<string, number>();
for (const [bit, name] of [...INOTIFY_BIT_NAMES, ...INOTIFY_ALIASES]) {
  BY_NAME.set(name, bit >>> 0);
  BY_NAME.set(name.slice(3), bit >>> 0);
}

/**
 * Render a mask as `IN_CREATE|IN_ISDIR`, one name per set bit in bit order;
 * leftover bits are printed once in hex (`IN_OPEN|0x1000`). `0` gives `'0'`.
 */
export function inotifyMaskToNames(mask: number): string {
  let rest = mask >>> 0;
  let out = '';
  for (const [bit, name] of INOTIFY_BIT_NAMES) {
    if ((rest & bit) !== 0) {
      out = out === '' ? name : out + '|' + name;
      rest = (rest & ~bit) >>> 0;
    }
  }
  if (rest !== 0) out = (out === '' ? '' : out + '|') + '0x' + rest.toString(16);
  return out === '' ? '0' : out;
}

/**
 * Build a mask from names and numbers: `IN_CREATE`, `create` (the prefix is
 * optional and case does not matter), the aliases `IN_CLOSE`, `IN_MOVE`,
 * `IN_ALL_EVENTS`, integers (int32 or uint32), decimal or `0x…` strings, and
 * strings joined with `|` or `,` (so inotifyMaskToNames() output parses back).
 * Throws a RangeError naming the first unknown entry.
 */
export function namesToInotifyMask(names: readonly (string | number)[]): number {
  let mask = 0;
  for (const entry of names) {
    if (typeof entry === 'number') {
      mask |= numberToMask(entry, String(entry));
      continue;
    }
    for (const raw of entry.split(/[|,]/)) {
      const part = raw.trim();
      if (part === '') continue;
      if (/^0x[0-9a-f]+$/i.test(part) || /^[0-9]+$/.test(part)) {
        mask |= numberToMask(Number(part), part);
        continue;
      }
      const bit = BY_NAME.get(part.toUpperCase());
      if (bit === undefined) throw new RangeError(`unknown inotify event name '${part}'`);
      mask |= bit;
    }
  }
  return mask >>> 0;
}

function numberToMask(n: number, text: string): number {
  if (!Number.isInteger(n) || n < -0x80000000 || n > 0xffffffff) {
    throw new RangeError(`inotify mask '${text}' is not a 32-bit integer`);
  }
  return n >>> 0;
}

// ---------------------------------------------------------------- the IN_* ⇄ FS_* boundary

/**
 * The mark mask for an inotify_add_watch argument (inotify_arg_to_mask): the
 * event bits, FS_UNMOUNT (every watch hears about unmount), and
 * FS_EVENT_ON_CHILD when the watched inode is a directory.
 */
export function inotifyArgToMask(arg: number, isDir: boolean): number {
  let mask = (arg & IN_ALL_EVENTS) | FS_UNMOUNT;
  if (isDir) mask |= FS_EVENT_ON_CHILD;
  return mask >>> 0;
}

/** The core mark flags inotify stores (INOTIFY_MARK_FLAGS): replaced as a whole without IN_MASK_ADD. */
export const MARK_FLAGS_INOTIFY = MARK_FLAG_EXCL_UNLINK | MARK_FLAG_IN_ONESHOT;

/** The core mark flags for an inotify_add_watch argument (inotify_arg_to_flags). */
export function inotifyArgToFlags(arg: number): number {
  let flags = 0;
  if (arg & IN_EXCL_UNLINK) flags |= MARK_FLAG_EXCL_UNLINK;
  if (arg & IN_ONESHOT) flags |= MARK_FLAG_IN_ONESHOT;
  return flags;
}

/** The mask a read(2) record shows for an event's FS_* mask (inotify_mask_to_arg). */
export function inotifyMaskToArg(mask: number): number {
  return (mask & INOTIFY_REPORTED_BITS) >>> 0;
}

/** A mark as the user sees it in fdinfo: its event bits plus IN_ONESHOT / IN_EXCL_UNLINK. */
export function inotifyMarkUserMask(mark: Mark): number {
  let mask = mark.mask & IN_ALL_EVENTS;
  if (mark.flags & MARK_FLAG_EXCL_UNLINK) mask |= IN_EXCL_UNLINK;
  if (mark.flags & MARK_FLAG_IN_ONESHOT) mask |= IN_ONESHOT;
  return mask >>> 0;
}
