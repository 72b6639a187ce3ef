/**
 * Dispatch (fs/notify/fsnotify.c): one event, every mark that applies, each
 * group once, in priority order.
 *
 * `fsnotify()` gathers up to five ordered mark lists — the inode (or, for a
 * dirent event, the changed directory), the watching parent, the second
 * directory of an FS_RENAME, the mount (path data only) and the superblock —
 * and walks them one group at a time, highest priority first (C7, C8).
 * `sendToGroup()` applies the group's masks and ignore masks (C9) and hands
 * the event to the group's ops: the whole-group handler if it has one, else
 * the generic per-mark path (C10).
 */
import { objectMask, watchesChildren } from './connector.js';
import type { Group, HandleResult, IterInfo, PendingAnswer } from './group.js';
import type { Mark } from './mark.js';
import { MARK_FLAG_EXCL_UNLINK, MARK_FLAG_HAS_IGNORE_FLAGS, MARK_FLAG_IGNORED_SURV_MODIFY } from './mark.js';
import {
  ALL_FSNOTIFY_DIRENT_EVENTS,
  ALL_FSNOTIFY_EVENTS,
  ALL_FSNOTIFY_PERM_EVENTS,
  FS_EVENT_ON_CHILD,
  FS_EVENTS_POSS_TO_PARENT,
  FS_ISDIR,
  FS_MODIFY,
  FS_RENAME,
} from './mask.js';
import type { EventData, FsDentry, FsInode, FsMount, FsSuperBlock, MarkableObject } from './object.js';
import { dataDentry, dataInode, dataPath } from './object.js';
import { currentTask, runAsTask } from './task.js';

const T_INODE = 0;
const T_PARENT = 1;
const T_INODE2 = 2;
const T_MOUNT = 3;
const T_SB = 4;
const N_TYPES = 5;

/**
 * Notify one event (the kernel's fsnotify()).
 *
 * - `inode` null: a dirent event reported to `dir` (INODE type); with
 *   FS_RENAME the moved dentry's new parent is INODE2.
 * - `mask` with FS_EVENT_ON_CHILD: `dir` is the watching parent (PARENT type).
 *
 * Returns 0, or for a permission event the first denial (an errno number);
 * a promise when some group answers asynchronously.
 */
export function fsnotify(
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  inode: FsInode | null,
  cookie: number,
): HandleResult {
  const path = dataPath(data);
  const mount: FsMount | null = path ? path.mount : null;
  let inode2: FsInode | null = null;
  let inode2Type = T_INODE2;
  if (!inode) {
    inode = dir;
    if (mask & FS_RENAME) {
      const moved = dataDentry(data);
      inode2 = moved?.parent?.inode ?? null;
    }
  } else if (mask & FS_EVENT_ON_CHILD) {
    inode2 = dir;
    inode2Type = T_PARENT;
  }
  const sb: FsSuperBlock | null = inode ? inode.sb : (dataInode(data)?.sb ?? null);

  // Fast path: nobody listens to any of these objects.
  const sbConn = sb?.connector ?? null;
  const mntConn = mount?.connector ?? null;
  const inodeConn = inode?.connector ?? null;
  const inode2Conn = inode2?.connector ?? null;
  if (!sbConn && !mntConn && !inodeConn && !inode2Conn) return 0;

  let marksMask = 0;
  if (sbConn) marksMask |= sbConn.mask;
  if (mntConn) marksMask |= mntConn.mask;
  if (inodeConn) marksMask |= inodeConn.mask;
  if (inode2Conn) marksMask |= inode2Conn.mask;
  // A MODIFY may need to clear ignore masks: such marks have FS_MODIFY in
  // their calc mask, so this test lets it through.
  if (!(mask & ALL_FSNOTIFY_EVENTS & marksMask)) return 0;

  const lists: (readonly Mark[] | null)[] = [null, null, null, null, null];
  lists[T_INODE] = inodeConn ? inodeConn.marks : null;
  lists[inode2Type] = inode2Conn ? inode2Conn.marks : null;
  lists[T_MOUNT] = mntConn ? mntConn.marks : null;
  lists[T_SB] = sbConn ? sbConn.marks : null;
  return iterateGroups(mask, data, dir, name, cookie, lists, [0, 0, 0, 0, 0]);
}

/** C8: visit each group once, highest priority first, resumable after an async answer. */
function iterateGroups(
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  cookie: number,
  lists: (readonly Mark[] | null)[],
  heads: number[],
): HandleResult {
  const isPerm = (mask & ALL_FSNOTIFY_PERM_EVENTS) !== 0;
  for (;;) {
    // Choose the highest-priority group among the list heads.
    let current: Group | null = null;
    for (let t = 0; t < N_TYPES; t++) {
      const list = lists[t];
      const mark = list ? list[heads[t]!] : undefined;
      if (mark && (current === null || compareGroups(mark.group, current) < 0)) current = mark.group;
    }
    if (current === null) return 0;

    const iter: IterInfo = { inode: null, parent: null, inode2: null, mount: null, sb: null };
    let reported = false;
    for (let t = 0; t < N_TYPES; t++) {
      const list = lists[t];
      const mark = list ? list[heads[t]!] : undefined;
      if (!mark || mark.group !== current) continue;
      heads[t]!++;
      // Is *this* parent mark watching children?
      if (t === T_PARENT && !(mark.mask & FS_EVENT_ON_CHILD) && !(ignoreMaskOf(mark) & FS_EVENT_ON_CHILD)) continue;
      setIter(iter, t, mark);
      reported = true;
    }
    if (!reported) continue;

    const ret = sendToGroup(current, mask, data, dir, name, cookie, iter);
    if (typeof ret === 'number') {
      if (isPerm && ret !== 0) return ret;
      continue;
    }
    // An asynchronous answer: resume the walk once it arrives, as the same task.
    const task = currentTask();
    return thenAnswer(ret, (r) =>
      isPerm && r !== 0 ? r : runAsTask(task, () => iterateGroups(mask, data, dir, name, cookie, lists, heads)),
    );
  }
}

/**
 * Continue a pending permission answer with `next` (the rest of a group
 * walk, or the next permission event of one operation). The result can be
 * cancelled as a whole: cancelling withdraws whichever answer is awaited at
 * that moment, and `next` is not run after a cancellation.
 */
export function thenAnswer(first: PendingAnswer, next: (r: number) => HandleResult): PendingAnswer {
  let awaited: PendingAnswer | null = first;
  let cancelled = false;
  const chained = first.then((r): HandleResult => {
    awaited = null;
    if (cancelled) return r;
    const n = next(r);
    if (typeof n !== 'number') awaited = n;
    return n;
  }) as PendingAnswer;
  chained.cancel = () => {
    if (cancelled) return;
    cancelled = true;
    awaited?.cancel?.();
  };
  return chained;
}

/** Negative when `a` is visited before `b`: higher priority, then older group. */
function compareGroups(a: Group, b: Group): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.serial - b.serial;
}

function setIter(iter: IterInfo, type: number, mark: Mark): void {
  switch (type) {
    case T_INODE:
      iter.inode = mark;
      break;
    case T_PARENT:
      iter.parent = mark;
      break;
    case T_INODE2:
      iter.inode2 = mark;
      break;
    case T_MOUNT:
      iter.mount = mark;
      break;
    default:
      iter.sb = mark;
  }
}

/** fsnotify_ignore_mask(): legacy ignore masks always apply to dirs, and to children when the mark watches them. */
export function ignoreMaskOf(mark: Mark): number {
  let ignore = mark.ignoreMask;
  if (mark.flags & MARK_FLAG_HAS_IGNORE_FLAGS) return ignore;
  ignore |= FS_ISDIR;
  ignore &= ~FS_EVENT_ON_CHILD;
  ignore |= mark.mask & FS_EVENT_ON_CHILD;
  return ignore >>> 0;
}

/** fsnotify_effective_ignore_mask() for one collected mark. */
export function effectiveIgnoreMask(mark: Mark, isDir: boolean, isParent: boolean): number {
  const events = mark.ignoreMask & ALL_FSNOTIFY_EVENTS;
  if (!events) return 0;
  if (!isDir && !isParent) return events;
  const ignore = ignoreMaskOf(mark);
  if (isDir && !(ignore & FS_ISDIR)) return 0;
  if (isParent && !(ignore & FS_EVENT_ON_CHILD)) return 0;
  return (ignore & ALL_FSNOTIFY_EVENTS) >>> 0;
}

/** The mark an IterInfo holds in list slot `type` (the inverse of setIter). */
function iterMark(iter: IterInfo, type: number): Mark | null {
  switch (type) {
    case T_INODE:
      return iter.inode;
    case T_PARENT:
      return iter.parent;
    case T_INODE2:
      return iter.inode2;
    case T_MOUNT:
      return iter.mount;
    default:
      return iter.sb;
  }
}

/** C9: clear ignore masks on MODIFY, test interest, hand over to the group. */
function sendToGroup(
  group: Group,
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  cookie: number,
  iter: IterInfo,
): HandleResult {
  const isDir = (mask & FS_ISDIR) !== 0;
  let marksMask = 0;
  let ignore = 0;
  // A plain walk over the five slots, in list order: this runs once per
  // group per event, and a generator of [mark, isParent] pairs here cost
  // 100-200 ns each time, about half of the per-mark cost that
  // `npm run bench` measured for inotify.
  for (let t = 0; t < N_TYPES; t++) {
    const mark = iterMark(iter, t);
    if (mark === null) continue;
    const isParent = t === T_PARENT;
    if (mask & FS_MODIFY && !(mark.flags & MARK_FLAG_IGNORED_SURV_MODIFY) && mark.ignoreMask !== 0) {
      mark.ignoreMask = 0;
      // The calc mask no longer needs the ignore bits; the kernel leaves the
      // cached object mask stale until the next recalculation, and so do we.
    }
    marksMask |= mark.mask;
    ignore |= effectiveIgnoreMask(mark, isDir, isParent);
  }
  if (!(mask & ALL_FSNOTIFY_EVENTS & marksMask & ~ignore)) return 0;
  if (group.ops.handleEvent) return group.ops.handleEvent(group, mask, data, dir, name, cookie, iter);
  return handleEventPerMark(group, mask, data, dir, name, cookie, iter);
}

/** C10: the generic per-mark delivery used by inotify and dnotify. */
function handleEventPerMark(
  group: Group,
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  cookie: number,
  iter: IterInfo,
): number {
  // FS_RENAME reaches these backends only for a rename inside one directory.
  if (mask & FS_RENAME) {
    const moved = dataDentry(data);
    if (dir !== (moved?.parent?.inode ?? null)) return 0;
  }
  if (iter.parent) {
    const ret = handleInodeEvent(group, iter.parent, mask, data, dir, name, 0);
    if (ret) return ret;
  }
  if (!iter.inode) return 0;
  // The object's own watch never sees FS_EVENT_ON_CHILD, and gets a name
  // only for dirent events (even when another group asked for parent info).
  mask = (mask & ~FS_EVENT_ON_CHILD) >>> 0;
  if (!(mask & ALL_FSNOTIFY_DIRENT_EVENTS)) {
    dir = null;
    name = null;
  }
  return handleInodeEvent(group, iter.inode, mask, data, dir, name, cookie);
}

function handleInodeEvent(
  group: Group,
  mark: Mark,
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  cookie: number,
): number {
  const path = dataPath(data);
  if (mark.flags & MARK_FLAG_EXCL_UNLINK && path && path.dentry.isUnlinked()) return 0;
  // Check this mark's interest, the event may have been sent with two marks.
  if (!(mask & mark.mask & ALL_FSNOTIFY_EVENTS)) return 0;
  return group.ops.handleInodeEvent!(mark, mask, dataInode(data), dir, name, cookie, data);
}

/**
 * Notify an event on a dentry and, if it watches children, its parent
 * (fsnotify_parent / __fsnotify_parent; rules C5, C6, H5).
 */
export function fsnotifyParent(dentry: FsDentry, mask: number, data: EventData): HandleResult {
  const inode = dentry.inode;
  const parent = dentry.parent;
  if (inode.isDir()) {
    mask = (mask | FS_ISDIR) >>> 0;
    // sb/mount marks are not interested in the name of a directory.
    if (!parent || !watchesChildren(parent.inode)) return fsnotify(mask, data, null, null, inode, 0);
  }
  if (!parent) return fsnotify(mask, data, null, null, inode, 0);

  const path = dataPath(data);
  const mntMask = path ? objectMask(path.mount) : 0;
  const pMask = watchesChildren(parent.inode);
  const parentWatched = pMask !== 0;
  const needed = eventNeedsParent(inode, mntMask, mask);
  if (!parentWatched && !needed) return fsnotify(mask, data, null, null, inode, 0);
  const interested = (mask & pMask & ALL_FSNOTIFY_EVENTS) !== 0;
  if (needed || interested) {
    if (interested) mask = (mask | FS_EVENT_ON_CHILD) >>> 0;
    return fsnotify(mask, data, parent.inode, dentry.name, inode, 0);
  }
  return fsnotify(mask, data, null, null, inode, 0);
}

function parentNeededMask(mask: number): number {
  if (!(mask & FS_EVENT_ON_CHILD)) return 0;
  return mask & FS_EVENTS_POSS_TO_PARENT;
}

/** fsnotify_event_needs_parent(): an inode/sb/mount mark asked for parent+name (fanotify DIR_FID). */
function eventNeedsParent(inode: FsInode, mntMask: number, mask: number): boolean {
  if (mask & FS_ISDIR) return false;
  const marks = parentNeededMask(objectMask(inode)) | parentNeededMask(objectMask(inode.sb)) | parentNeededMask(mntMask);
  return (mask & marks) !== 0;
}

/** True when any mark anywhere on these objects could care about `mask` (cheap pre-test for sources). */
export function anyInterest(mask: number, ...objects: (MarkableObject | null)[]): boolean {
  let m = 0;
  for (const o of objects) m |= objectMask(o);
  return (mask & m & ALL_FSNOTIFY_EVENTS) !== 0;
}
