/**
 * Groups (fs/notify/group.c): one listener — an inotify instance, a fanotify
 * group, the dnotify group, a callback handle.
 *
 * The core calls a group only through its ops table and never asks which
 * front-end owns it: a fourth front-end needs no core edit.
 */
import type { Mark } from './mark.js';
import { destroyGroupMarks } from './mark.js';
import { NotificationQueue } from './notification.js';
import type { EventData, FsInode } from './object.js';

/** Priority classes (FSNOTIFY_PRIO_*): higher sees events first. */
export const PRIO_NORMAL = 0;
export const PRIO_CONTENT = 1;
export const PRIO_PRE_CONTENT = 2;

/** The marks of one group collected for one dispatch, by list type (C7). */
export interface IterInfo {
  inode: Mark | null;
  parent: Mark | null;
  inode2: Mark | null;
  mount: Mark | null;
  sb: Mark | null;
}

/**
 * A permission answer still to come. `cancel()`, when present, withdraws the
 * waiting operation (the kernel's killed task, F8): an unread event leaves
 * the queue, a read one is marked cancelled, and the promise settles with
 * EINTR without asking lower-priority groups.
 */
export type PendingAnswer = Promise<number> & { cancel?: () => void };

/** Result of handing an event to a group: 0, or an errno number that denies a permission event. */
export type HandleResult = number | PendingAnswer;

export interface GroupOps {
  /**
   * Whole-group handler (fanotify): receives every collected mark at once.
   * For a permission event a non-zero result (or a promise of one) denies.
   */
  handleEvent?(
    group: Group,
    mask: number,
    data: EventData,
    dir: FsInode | null,
    name: string | null,
    cookie: number,
    iter: IterInfo,
  ): HandleResult;
  /** Per-mark handler (inotify, dnotify): called by the generic path (C10). */
  handleInodeEvent?(
    mark: Mark,
    mask: number,
    inode: FsInode | null,
    dir: FsInode | null,
    name: string | null,
    cookie: number,
    data: EventData,
  ): number;
  /** A mark of this group is being freed (inotify queues IN_IGNORED here). */
  freeingMark?(mark: Mark, group: Group): void;
  /** The group is being destroyed, after its marks are gone. */
  release?(group: Group): void;
  /**
   * The source feeding this group's marks failed (a reader crashed, the
   * kernel returned an unexpected error). The front-end tells its listener;
   * an error is never swallowed.
   */
  sourceError?(group: Group, error: Error): void;
}

let nextSerial = 1;

export class Group<E = unknown> {
  readonly ops: GroupOps;
  readonly priority: number;
  /** Creation order: the stable tiebreak between groups of equal priority. */
  readonly serial = nextSerial++;
  readonly queue: NotificationQueue<E>;
  readonly marks = new Set<Mark>();
  /** The user charged for this group's instances, marks and limits. */
  readonly uid: number;
  shutdown = false;
  /** Tasks blocked waiting for this group's permission answers. */
  userWaits = 0;

  constructor(ops: GroupOps, opts: { priority?: number; maxEvents: number; overflowEvent: E; uid?: number }) {
    this.ops = ops;
    this.priority = opts.priority ?? PRIO_NORMAL;
    this.queue = new NotificationQueue<E>(opts.maxEvents, opts.overflowEvent);
    this.uid = opts.uid ?? 0;
  }

  /**
   * Destroy the group (fsnotify_destroy_group, rule C12): stop queueing,
   * destroy every mark (their IN_IGNORED are dropped), flush the queue.
   */
  destroy(): void {
    if (this.shutdown) return;
    this.shutdown = true;
    this.queue.shutdown = true;
    destroyGroupMarks(this);
    this.ops.release?.(this);
    this.queue.flush();
  }
}
