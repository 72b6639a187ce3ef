/**
 * Marks (fs/notify/mark.c): one group's interest in one object.
 *
 * LIFETIME — every way a mark dies, and who handles it:
 * - removed on request (inotify_rm_watch, FAN_MARK_REMOVE emptying it,
 *   FAN_MARK_FLUSH, F_NOTIFY 0)                     → destroyMark()
 * - IN_ONESHOT fired / dnotify single-shot fired     → destroyMark() from the
 *   front-end's handler, after the event is queued
 * - the inode lost its last link and dentry         → destroyObjectMarks()
 *   via hooks.notifyInodeRemove(), after FS_DELETE_SELF
 * - the object was evicted or the mount went away    → destroyObjectMarks()
 * - the superblock was shut down (umount)            → destroyObjectMarks()
 *   per inode via hooks.notifyUnmountInodes(), after FS_UNMOUNT
 * - the group was destroyed                          → destroyGroupMarks()
 *   (the group is shut down first, so inotify's IN_IGNORED is not queued)
 *
 * Destroy = detach (leave the connector, recompute the object's mask, leave
 * the group's list) + free (ALIVE cleared, then the group's freeingMark
 * callback, where inotify queues IN_IGNORED).
 */
import { Connector, recalcMask } from './connector.js';
import type { Group } from './group.js';
import type { MarkableObject } from './object.js';
import { ALL_FSNOTIFY_EVENTS, FS_MODIFY } from './mask.js';
import { sysError } from '../errors.js';

/** Drop file events whose dentry is unlinked (IN_EXCL_UNLINK). */
export const MARK_FLAG_EXCL_UNLINK = 0x01;
/** Destroy after the first delivered event (IN_ONESHOT). */
export const MARK_FLAG_IN_ONESHOT = 0x02;
/** The ignore mask survives FS_MODIFY. */
export const MARK_FLAG_IGNORED_SURV_MODIFY = 0x04;
/** Evictable: does not pin the inode (FAN_MARK_EVICTABLE). */
export const MARK_FLAG_NO_IREF = 0x08;
/** FAN_MARK_IGNORE semantics: the event flags in the ignore mask take effect. */
export const MARK_FLAG_HAS_IGNORE_FLAGS = 0x10;

export class Mark<P = unknown> {
  readonly group: Group;
  object: MarkableObject | null = null;
  /** Events wanted, plus the flag bits FS_EVENT_ON_CHILD / FS_ISDIR. */
  mask = 0;
  /** Events to suppress. */
  ignoreMask = 0;
  flags = 0;
  alive = false;
  attached = false;
  /** Front-end private data (inotify: the wd; dnotify: registrations). */
  priv: P;

  constructor(group: Group, priv: P) {
    this.group = group;
    this.priv = priv;
  }

  /** Rule C4: this mark's contribution to its object's combined mask. */
  calcMask(): number {
    if (!(this.ignoreMask & ALL_FSNOTIFY_EVENTS)) return this.mask;
    let mask = this.mask;
    if (!(this.flags & MARK_FLAG_IGNORED_SURV_MODIFY)) mask |= FS_MODIFY;
    return (mask | this.ignoreMask) >>> 0;
  }
}

/**
 * Attach a mark to an object (fsnotify_add_mark). Rule C2: one mark per
 * (group, object), else EEXIST. The group must not be shutting down.
 */
export function attachMark(mark: Mark, object: MarkableObject): void {
  const group = mark.group;
  if (group.shutdown) throw sysError('EINVAL', 'fsnotify_add_mark', undefined, 'group is shutting down');
  let conn = object.connector;
  if (conn?.find(group)) throw sysError('EEXIST', 'fsnotify_add_mark');
  if (!conn) {
    conn = new Connector(object);
    object.connector = conn;
  }
  mark.object = object;
  mark.alive = true;
  mark.attached = true;
  conn.insert(mark);
  group.marks.add(mark);
  recalcMask(object);
}

/** The mark `group` has on `object`, if any (fsnotify_find_mark). */
export function findMark<P>(object: MarkableObject, group: Group): Mark<P> | undefined {
  return object.connector?.find(group) as Mark<P> | undefined;
}

/** Recompute the mask of the object a mark is attached to, after a change. */
export function markChanged(mark: Mark): void {
  if (mark.attached && mark.object) recalcMask(mark.object);
}

/** Detach and free one mark (fsnotify_destroy_mark). Idempotent. */
export function destroyMark(mark: Mark): void {
  if (!mark.attached) return;
  const object = mark.object!;
  mark.attached = false;
  object.connector?.remove(mark);
  mark.group.marks.delete(mark);
  recalcMask(object);
  freeMark(mark);
}

function freeMark(mark: Mark): void {
  if (!mark.alive) return;
  mark.alive = false;
  mark.group.ops.freeingMark?.(mark, mark.group);
}

/** Destroy every mark on an object (fsnotify_destroy_marks), in list order. */
export function destroyObjectMarks(object: MarkableObject): void {
  const conn = object.connector;
  if (!conn) return;
  for (const mark of conn.marks.slice()) destroyMark(mark);
}

/**
 * Destroy the marks of a group (fsnotify_clear_marks_by_group), optionally
 * only those attached to objects of one type.
 */
export function destroyGroupMarks(group: Group, objectType?: MarkableObject['objectType']): void {
  for (const mark of [...group.marks]) {
    if (objectType === undefined || mark.object?.objectType === objectType) destroyMark(mark);
  }
}
