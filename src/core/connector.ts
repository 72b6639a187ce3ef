/**
 * Connectors (fs/notify/mark.c): the per-object list of marks and the cached
 * union of their masks.
 *
 * Invariants:
 * - an object has a connector iff at least one mark is attached to it;
 * - `marks` is sorted by group priority, highest first, then by group
 *   creation order (the kernel sorts by address; any stable tiebreak will do);
 * - `mask` is the OR of every attached mark's calc mask (rule C4), recomputed
 *   on attach, detach and any change that alters a calc mask. An object nobody
 *   listens to has no connector, so dispatch costs one null test.
 *
 * A source may observe a connector's mask: the host source widens, narrows or
 * drops its single kernel watch when `onMaskChange` fires.
 */
import type { Mark } from './mark.js';
import type { MarkableObject } from './object.js';
import { FS_EVENT_ON_CHILD, FS_EVENTS_POSS_ON_CHILD } from './mask.js';

export type MaskObserver = (object: MarkableObject, newMask: number, oldMask: number) => void;

export class Connector {
  readonly object: MarkableObject;
  /**
   * Copy-on-write: insert and remove replace the array, so a dispatch that
   * is walking the old array (as the kernel walks under SRCU) is unaffected
   * by a mark destroyed mid-dispatch (IN_ONESHOT).
   */
  marks: readonly Mark[] = [];
  /** Union of the attached marks' calc masks (i_fsnotify_mask). */
  mask = 0;

  constructor(object: MarkableObject) {
    this.object = object;
  }

  /** Insert in priority order (highest first), then group creation order. */
  insert(mark: Mark): void {
    const g = mark.group;
    let i = 0;
    while (i < this.marks.length) {
      const other = this.marks[i]!.group;
      if (other.priority < g.priority || (other.priority === g.priority && other.serial > g.serial)) break;
      i++;
    }
    const marks = this.marks;
    if (marks.length === 0) this.marks = [mark];
    else this.marks = [...marks.slice(0, i), mark, ...marks.slice(i)];
  }

  remove(mark: Mark): void {
    if (this.marks.includes(mark)) this.marks = this.marks.filter((m) => m !== mark);
  }

  /** The mark of `group` on this object, if any (at most one: rule C2). */
  find(group: object): Mark | undefined {
    for (const m of this.marks) if (m.group === group) return m;
    return undefined;
  }
}

/**
 * Observe mask changes of one object's connector (one observer per object;
 * null stops). Kept on the object itself (`maskObserver`), so a source that
 * observes many objects pays one field each, not a weak-table entry.
 */
export function observeMask(object: MarkableObject, observer: MaskObserver | null): void {
  if (observer) object.maskObserver = observer;
  else if (object.maskObserver) object.maskObserver = null;
}

/**
 * Recompute an object's combined mask (fsnotify_recalc_mask). Drops the
 * connector when no mark is left. Notifies the object's observer.
 */
export function recalcMask(object: MarkableObject): void {
  const conn = object.connector;
  const old = conn ? conn.mask : 0;
  let mask = 0;
  if (conn) {
    for (const m of conn.marks) mask |= m.calcMask();
    mask >>>= 0;
    conn.mask = mask;
    if (conn.marks.length === 0) object.connector = null;
  }
  // Observers hear every recalculation, not only mask changes: a mark's
  // flags (IN_EXCL_UNLINK) may matter to a source while the union is equal.
  object.maskObserver?.(object, mask, old);
}

/** The combined mask of an object, 0 when nobody listens (the fast path). */
export function objectMask(object: MarkableObject | null): number {
  return object?.connector ? object.connector.mask : 0;
}

/**
 * Rule C5: a directory watches children iff its combined mask has
 * FS_EVENT_ON_CHILD and at least one event possible on a child.
 * Returns those child-event bits (0 when it does not watch children).
 */
export function watchesChildren(object: MarkableObject | null): number {
  const mask = objectMask(object);
  if (!(mask & FS_EVENT_ON_CHILD)) return 0;
  return (mask & FS_EVENTS_POSS_ON_CHILD) >>> 0;
}
