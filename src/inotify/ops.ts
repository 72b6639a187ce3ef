/**
 * The inotify group and its ops table (fs/notify/inotify/inotify_fsnotify.c
 * and the idr half of inotify_user.c).
 *
 * An `InotifyGroup` is a core group plus what the kernel keeps in
 * `group->inotify_data`: the wd → mark table (the idr) with its cyclic
 * cursor, and the limits its watches are charged to. A mark's `priv` is its
 * wd.
 *
 * The queue holds `InotifyRecord`s whose `mask` is the core's FS_* mask (the
 * merge rule compares it whole, FS_OPEN_EXEC and FS_EVENT_ON_CHILD
 * included, as the kernel does); user.ts narrows it to the reported bits
 * when the record leaves the queue. One record is allocated per handled
 * event and nothing else: the ops are a constant table and the merge rule a
 * plain function.
 */
import type { FsInode, Limits, Mark, NotificationQueue } from '../core/index.js';
import {
  destroyMark,
  FS_DELETE_SELF,
  FS_IN_IGNORED,
  FS_ISDIR,
  FS_MOVE_SELF,
  FS_Q_OVERFLOW,
  Group,
  MARK_FLAG_IN_ONESHOT,
  PRIO_NORMAL,
} from '../core/index.js';
import type { GroupOps } from '../core/index.js';
import { sysError } from '../errors.js';
import { unchargeWatch } from './limits.js';

/** A queued event. `mask` holds FS_* bits until the record is read. */
export interface InotifyRecord {
  wd: number;
  mask: number;
  cookie: number;
  name: string;
}

/** The largest wd; the allocator wraps back to 1 after it. */
export const INT_MAX = 0x7fffffff;

/**
 * Tail merge (inotify_merge, rule I11): the tail is not IN_IGNORED and has
 * the same mask, wd and name. The cookie is not compared.
 */
export function inotifyMerge(queue: NotificationQueue<InotifyRecord>, event: InotifyRecord): boolean {
  const last = queue.tail()!;
  if (last.mask & FS_IN_IGNORED) return false;
  return last.mask === event.mask && last.wd === event.wd && last.name === event.name;
}

/**
 * inotify_handle_inode_event(): queue one record for `mark`, then fire
 * IN_ONESHOT. A merged or dropped event counts as delivered (I7).
 */
function handleInodeEvent(
  mark: Mark,
  mask: number,
  _inode: FsInode | null,
  _dir: FsInode | null,
  name: string | null,
  cookie: number,
): number {
  const group = mark.group as InotifyGroup;
  // inotify never reported IN_ISDIR with the self events (H6).
  if (mask & (FS_MOVE_SELF | FS_DELETE_SELF)) mask = (mask & ~FS_ISDIR) >>> 0;
  group.queue.add({ wd: mark.priv as number, mask, cookie, name: name ?? '' }, inotifyMerge);
  if (mark.flags & MARK_FLAG_IN_ONESHOT) destroyMark(mark);
  return 0;
}

/**
 * inotify_freeing_mark(): queue IN_IGNORED (never merged; dropped by a shut
 * down queue), free the wd, uncharge the watch.
 */
function freeingMark(mark: Mark, group: Group): void {
  const g = group as InotifyGroup;
  const wd = mark.priv as number;
  if (!g.shutdown) g.queue.add({ wd, mask: FS_IN_IGNORED, cookie: 0, name: '' }, null);
  g.idr.delete(wd);
  unchargeWatch(g.limits, g.uid);
}

/**
 * The source feeding the marks failed: keep the first error for the reader
 * (the next read throws it) and wake whoever waits. The marks are destroyed
 * by the source right after, which queues their IN_IGNORED.
 */
function sourceError(group: Group, error: Error): void {
  const g = group as InotifyGroup;
  g.error ??= error;
  g.queue.onQueued?.();
}

export const INOTIFY_OPS: GroupOps = { handleInodeEvent, freeingMark, sourceError };

/** One inotify instance's group: the core group plus the idr and the limits. */
export class InotifyGroup extends Group<InotifyRecord> {
  readonly limits: Limits;
  /** A source failure not yet reported to the reader. */
  error: Error | null = null;
  /** wd → mark. */
  readonly idr = new Map<number, Mark<number>>();
  /** Where the next wd search starts (idr_next). */
  private cursor = 1;

  constructor(limits: Limits, uid: number, maxEvents: number) {
    super(INOTIFY_OPS, {
      priority: PRIO_NORMAL,
      maxEvents,
      overflowEvent: { wd: -1, mask: FS_Q_OVERFLOW, cookie: 0, name: '' },
      uid,
    });
    this.limits = limits;
  }

  /**
   * idr_alloc_cyclic(idr, mark, 1, INT_MAX): the smallest free wd at or
   * above the cursor, wrapping to 1; ENOSPC when every wd is taken.
   */
  allocWd(mark: Mark<number>, path: string): number {
    const start = this.cursor;
    let wd = start;
    while (this.idr.has(wd)) {
      wd = wd === INT_MAX ? 1 : wd + 1;
      if (wd === start) throw sysError('ENOSPC', 'inotify_add_watch', path, 'every watch descriptor is in use');
    }
    this.idr.set(wd, mark);
    this.cursor = wd === INT_MAX ? 1 : wd + 1;
    return wd;
  }

  /** idr_set_cursor() (INOTIFY_IOC_SETNEXTWD). */
  setCursor(wd: number): void {
    this.cursor = wd;
  }
}
