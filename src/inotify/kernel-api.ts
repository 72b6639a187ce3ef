/**
 * The 2006 in-kernel inotify consumer API (fs/inotify.c, 2.6.18–2.6.35;
 * SEMANTICS §8): a handle with callbacks instead of a file descriptor,
 * caller-allocated watches with reference counts, no queue, no limits.
 *
 * Design. The API allows several watches of one handle on one inode (K3:
 * add_watch does not deduplicate), while the core allows one mark per
 * (group, object) (rule C2). So each handle owns one core group, and each
 * watched inode carries one *multiplexing mark* of that group whose `priv`
 * is the list of the handle's watches on that inode, newest first (the
 * order of the kernel's inode->inotify_watches). The mark's mask is the
 * union of those watches' event bits, plus FS_UNMOUNT, plus
 * FS_EVENT_ON_CHILD on a directory. When the core hands the mark an event,
 * every watch whose own mask intersects it is called (IN_UNMOUNT goes to
 * all). The watch lists are copy-on-write, so a callback that removes a
 * watch does not disturb the walk. The mark dies with its last watch.
 *
 * Reference counts follow K2/K6/K7: a watch starts with one reference (the
 * caller's), which inotify owns once the watch is added; after a removal the
 * consumer drops it (the "final put", on IN_IGNORED, or after the event
 * with '2006' oneshot); destroy() drops it itself. destroyWatch runs when the
 * count reaches 0.
 *
 * Reentrancy: events are delivered synchronously inside the filesystem
 * operation, with the handle's (notional) lock held. From inside a callback
 * only removeWatchLocked(), InotifyWatch.get() and InotifyWatch.put() may be
 * called; every other handle method throws EBUSY. An exception thrown by a
 * callback does not interrupt the filesystem operation: it is rethrown from
 * a microtask.
 *
 * Known difference from fs/inotify.c: on unmount the kernel interleaved
 * IN_UNMOUNT and IN_IGNORED per watch; here every watch on an inode gets
 * IN_UNMOUNT, then every watch gets IN_IGNORED (the fsnotify order).
 */
import type { FsInode, GroupOps, Source } from '../core/index.js';
import {
  attachMark,
  destroyMark,
  findMark,
  FS_DELETE_SELF,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_MOVE_SELF,
  FS_UNMOUNT,
  Group,
  Mark,
  markChanged,
  PRIO_NORMAL,
} from '../core/index.js';
import { isSystemError, sysError } from '../errors.js';
import {
  IN_ALL_EVENTS,
  IN_DONT_FOLLOW,
  IN_IGNORED,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_ONESHOT,
  IN_ONLYDIR,
  IN_UNMOUNT,
  inotifyMaskToArg,
} from './constants.js';

/** The callbacks of a handle (struct inotify_operations). */
export interface InotifyHandleOps {
  /**
   * Called synchronously for each event on a watch. `name` and `inode` are
   * the entry's name and inode for events about a directory's entry, else
   * null. IN_IGNORED arrives with (0, null, null) after every removal except
   * destroy() and '2006' oneshot.
   */
  handleEvent(
    watch: InotifyWatch,
    wd: number,
    mask: number,
    cookie: number,
    name: string | null,
    inode: FsInode | null,
  ): void;
  /** Called when a watch's reference count reaches 0. */
  destroyWatch?(watch: InotifyWatch): void;
  /**
   * Not in the 2006 API: the source feeding the watches failed (its watches
   * are removed right after, with IN_IGNORED). Without it the error is
   * rethrown from a microtask.
   */
  handleError?(error: Error): void;
}

export interface InotifyHandleOptions {
  /**
   * IN_ONESHOT behaviour: 'modern' (default) calls the event then IN_IGNORED;
   * '2006' unlinks the watch before the event and sends no IN_IGNORED (K9).
   */
  oneshotIgnored?: 'modern' | '2006';
}

/** The fields the handle writes on a watch (readonly to everyone else). */
interface WatchFields {
  wd: number;
  mask: number;
  inode: FsInode | null;
  handle: InotifyHandle | null;
}

/**
 * A watch (struct inotify_watch). Allocate one (subclass it to carry your
 * own data), add it with InotifyHandle.addWatch(); it starts with one
 * reference, which the handle owns once added.
 */
export class InotifyWatch {
  /** The wd given by addWatch(); kept after removal; -1 before. */
  readonly wd: number = -1;
  /** IN_ALL_EVENTS | IN_ONESHOT bits. */
  readonly mask: number = 0;
  /** The watched inode, set by addWatch() and kept after removal. */
  readonly inode: FsInode | null = null;
  /** The handle it was added to. */
  readonly handle: InotifyHandle | null = null;
  #count = 1;

  /** The current reference count. */
  get refcount(): number {
    return this.#count;
  }

  /** get_inotify_watch(): take a reference. */
  get(): this {
    if (this.#count === 0) throw new RangeError('InotifyWatch.get() on a watch whose last reference is gone');
    this.#count++;
    return this;
  }

  /** put_inotify_watch(): drop a reference; at 0 the handle's destroyWatch runs. */
  put(): void {
    if (this.#count === 0) throw new RangeError('InotifyWatch.put() on a watch whose last reference is gone');
    if (--this.#count > 0) return;
    this.handle?.ops.destroyWatch?.(this);
  }
}

type MuxMark = Mark<readonly InotifyWatch[]>;

/** A handle's core group: the way back from the ops to the handle's private delivery code. */
class HandleGroup extends Group<null> {
  readonly deliver: (mark: MuxMark, mask: number, cookie: number, name: string | null, inode: FsInode | null) => void;
  readonly markFreed: (mark: MuxMark) => void;
  readonly sourceError: (error: Error) => void;
  constructor(
    deliver: HandleGroup['deliver'],
    markFreed: HandleGroup['markFreed'],
    sourceError: HandleGroup['sourceError'],
  ) {
    super(HANDLE_OPS, { priority: PRIO_NORMAL, maxEvents: 1, overflowEvent: null });
    this.deliver = deliver;
    this.markFreed = markFreed;
    this.sourceError = sourceError;
  }
}

function handleInodeEvent(
  mark: Mark,
  mask: number,
  inode: FsInode | null,
  _dir: FsInode | null,
  name: string | null,
  cookie: number,
): number {
  if (mask & (FS_MOVE_SELF | FS_DELETE_SELF)) mask = (mask & ~FS_ISDIR) >>> 0;
  const child = name === null ? null : inode;
  (mark.group as HandleGroup).deliver(mark as MuxMark, inotifyMaskToArg(mask), cookie, name, child);
  return 0;
}

function freeingMark(mark: Mark, group: Group): void {
  (group as HandleGroup).markFreed(mark as MuxMark);
}

function sourceError(group: Group, error: Error): void {
  (group as HandleGroup).sourceError(error);
}

const HANDLE_OPS: GroupOps = { handleInodeEvent, freeingMark, sourceError };

/**
 * inotify_init(ops): a handle whose watches report through `ops`. No file
 * descriptor, no queue, no limits.
 */
export function createInotifyHandle(ops: InotifyHandleOps, opts: InotifyHandleOptions = {}): InotifyHandle {
  return new InotifyHandle(CREATE, ops, opts.oneshotIgnored ?? 'modern');
}

const CREATE = Symbol('createInotifyHandle');
const WATCH_BITS = (IN_ALL_EVENTS | IN_ONESHOT) >>> 0;

/** An in-kernel inotify handle (struct inotify_handle). Create it with createInotifyHandle(). */
export class InotifyHandle {
  readonly ops: InotifyHandleOps;
  readonly oneshotIgnored: 'modern' | '2006';
  readonly #group: HandleGroup;
  /** wd → watch, for the watches currently added. */
  readonly #watches = new Map<number, InotifyWatch>();
  #lastWd = 0;
  /** Callbacks currently running (the handle's lock is "held"). */
  #depth = 0;
  #destroyed = false;

  /** @internal use createInotifyHandle(). */
  constructor(token: typeof CREATE, ops: InotifyHandleOps, oneshotIgnored: 'modern' | '2006') {
    if (token !== CREATE) throw new TypeError('use createInotifyHandle() to create a handle');
    this.ops = ops;
    this.oneshotIgnored = oneshotIgnored;
    this.#group = new HandleGroup(
      (mark, mask, cookie, name, inode) => this.#deliver(mark, mask, cookie, name, inode),
      (mark) => this.#markFreed(mark),
      (error) => this.#report(error),
    );
  }

  /** Number of watches currently added. */
  get size(): number {
    return this.#watches.size;
  }

  /**
   * inotify_add_watch(ih, watch, inode, mask) (K3): add `watch` on `inode`
   * and return its new wd. No duplicate check. The mask is reduced to
   * IN_ALL_EVENTS|IN_ONESHOT. Throws EINVAL (empty mask, destroyed handle),
   * EEXIST (the watch is already added), EBUSY (inside a callback).
   */
  addWatch(watch: InotifyWatch, inode: FsInode, mask: number): number {
    this.#checkUsable('inotify_add_watch');
    const bits = (mask & WATCH_BITS) >>> 0;
    if (bits === 0) throw sysError('EINVAL', 'inotify_add_watch', undefined, 'no event bit in the mask');
    if (watch.handle !== null && watch.handle.#watches.get(watch.wd) === watch) {
      throw sysError('EEXIST', 'inotify_add_watch', undefined, `the watch is already added as wd ${watch.wd}`);
    }
    if (watch.refcount === 0) throw new RangeError('InotifyHandle.addWatch() on a watch whose last reference is gone');
    const wd = ++this.#lastWd;
    const fields = watch as WatchFields;
    fields.wd = wd;
    fields.mask = bits;
    fields.inode = inode;
    fields.handle = this;
    let mark = findMark<readonly InotifyWatch[]>(inode, this.#group);
    if (mark) {
      mark.priv = [watch, ...mark.priv];
      this.#recalc(mark);
    } else {
      mark = new Mark<readonly InotifyWatch[]>(this.#group, [watch]);
      mark.mask = muxMask([watch], inode);
      attachMark(mark, inode);
    }
    this.#watches.set(wd, watch);
    return wd;
  }

  /**
   * inotify_find_watch() (K4): the newest watch of this handle on `inode`,
   * with a reference the caller must put(). Throws ENOENT (none), EBUSY
   * (inside a callback), EINVAL (destroyed handle).
   */
  findWatch(inode: FsInode): { wd: number; watch: InotifyWatch } {
    this.#checkUsable('inotify_find_watch');
    const watch = this.#newestOn(inode, 'inotify_find_watch');
    return { wd: watch.wd, watch: watch.get() };
  }

  /**
   * inotify_find_update_watch() (K5): set (or with IN_MASK_ADD, OR into) the
   * mask of the newest watch on `inode` and return its wd. Throws EINVAL
   * (no event bit; checked first), ENOENT (no watch), EBUSY (inside a callback).
   */
  findUpdateWatch(inode: FsInode, mask: number): number {
    this.#checkUsable('inotify_find_update_watch');
    const bits = (mask & WATCH_BITS) >>> 0;
    if (bits === 0) throw sysError('EINVAL', 'inotify_find_update_watch', undefined, 'no event bit in the mask');
    const watch = this.#newestOn(inode, 'inotify_find_update_watch');
    const fields = watch as WatchFields;
    fields.mask = mask & IN_MASK_ADD ? (watch.mask | bits) >>> 0 : bits;
    this.#recalc(findMark<readonly InotifyWatch[]>(inode, this.#group)!);
    return watch.wd;
  }

  /**
   * inotify_rm_wd() (K6): remove watch `wd`; handleEvent gets IN_IGNORED.
   * Throws EINVAL (unknown wd), EBUSY (inside a callback: use removeWatchLocked).
   */
  rmWd(wd: number): void {
    this.#checkUsable('inotify_rm_wd');
    const watch = this.#watches.get(wd);
    if (!watch) throw sysError('EINVAL', 'inotify_rm_wd', undefined, `no watch with wd ${wd}`);
    this.#removeHoldingRef(watch);
  }

  /**
   * inotify_rm_watch() (K6): remove `watch`; handleEvent gets IN_IGNORED.
   * Throws EINVAL (not added to this handle), EBUSY (inside a callback).
   */
  rmWatch(watch: InotifyWatch): void {
    this.#checkUsable('inotify_rm_watch');
    if (!this.#isAdded(watch)) {
      throw sysError('EINVAL', 'inotify_rm_watch', undefined, 'the watch is not added to this handle');
    }
    this.#removeHoldingRef(watch);
  }

  /**
   * inotify_remove_watch_locked() (K6): remove `watch` and send IN_IGNORED;
   * the one call allowed inside handleEvent. Throws EINVAL (not added).
   */
  removeWatchLocked(watch: InotifyWatch): void {
    if (!this.#isAdded(watch)) {
      throw sysError('EINVAL', 'inotify_remove_watch_locked', undefined, 'the watch is not added to this handle');
    }
    this.#unlink(watch);
    this.#call(watch, watch.wd, IN_IGNORED, 0, null, null);
  }

  /**
   * inotify_destroy() (K7): remove every watch without IN_IGNORED and drop
   * the handle's reference on each. Idempotent. Throws EBUSY inside a callback.
   */
  destroy(): void {
    if (this.#destroyed) return;
    if (this.#depth > 0) throw sysError('EBUSY', 'inotify_destroy', undefined, 'called from inside handleEvent');
    this.#destroyed = true;
    for (const watch of [...this.#watches.values()].reverse()) {
      this.#unlink(watch);
      watch.put();
    }
    this.#group.destroy();
  }

  // ---------------------------------------------------------------- called by the group's ops

  /** An event for the watches on one multiplexing mark. */
  #deliver(mark: MuxMark, mask: number, cookie: number, name: string | null, inode: FsInode | null): void {
    for (const watch of mark.priv) {
      if (this.#watches.get(watch.wd) !== watch) continue; // removed by an earlier callback
      if (!(watch.mask & mask & IN_ALL_EVENTS) && !(mask & IN_UNMOUNT)) continue;
      const oneshot = (watch.mask & IN_ONESHOT) !== 0 && !(mask & IN_UNMOUNT);
      if (oneshot && this.oneshotIgnored === '2006') this.#unlink(watch);
      this.#call(watch, watch.wd, mask, cookie, name, inode);
      if (oneshot && this.#isAdded(watch)) this.removeWatchLocked(watch);
    }
  }

  /** The core destroyed a multiplexing mark (inode removed, unmount, group destroyed). */
  #markFreed(mark: MuxMark): void {
    const watches = mark.priv;
    mark.priv = [];
    for (const watch of watches) {
      if (!this.#isAdded(watch)) continue;
      this.#watches.delete(watch.wd);
      if (!this.#destroyed) this.#call(watch, watch.wd, IN_IGNORED, 0, null, null);
    }
  }

  // ---------------------------------------------------------------- internals

  #checkUsable(syscall: string): void {
    if (this.#destroyed) throw sysError('EINVAL', syscall, undefined, 'the inotify handle is destroyed');
    if (this.#depth > 0) {
      const reason = 'called from inside handleEvent; only removeWatchLocked() is allowed there';
      throw sysError('EBUSY', syscall, undefined, reason);
    }
  }

  #isAdded(watch: InotifyWatch): boolean {
    return watch.handle === this && this.#watches.get(watch.wd) === watch;
  }

  #newestOn(inode: FsInode, syscall: string): InotifyWatch {
    const watch = findMark<readonly InotifyWatch[]>(inode, this.#group)?.priv[0];
    if (!watch) throw sysError('ENOENT', syscall, undefined, 'this handle has no watch on the inode');
    return watch;
  }

  /** inotify_rm_wd's get / remove / put: destroyWatch runs after the IN_IGNORED callback returns. */
  #removeHoldingRef(watch: InotifyWatch): void {
    watch.get();
    try {
      this.removeWatchLocked(watch);
    } finally {
      watch.put();
    }
  }

  /** remove_watch_no_event(): take the watch off its mark (the mark dies with its last watch) and the wd table. */
  #unlink(watch: InotifyWatch): void {
    this.#watches.delete(watch.wd);
    const mark = findMark<readonly InotifyWatch[]>(watch.inode!, this.#group);
    if (!mark) return;
    mark.priv = mark.priv.filter((w) => w !== watch);
    if (mark.priv.length === 0) destroyMark(mark);
    else this.#recalc(mark);
  }

  #recalc(mark: MuxMark): void {
    const mask = muxMask(mark.priv, mark.object as FsInode);
    if (mask !== mark.mask) {
      mark.mask = mask;
      markChanged(mark);
    }
  }

  #call(
    watch: InotifyWatch,
    wd: number,
    mask: number,
    cookie: number,
    name: string | null,
    inode: FsInode | null,
  ): void {
    this.#depth++;
    try {
      this.ops.handleEvent(watch, wd, mask, cookie, name, inode);
    } catch (e) {
      rethrowLater(e);
    } finally {
      this.#depth--;
    }
  }

  /** A source failure: to handleError if given, else rethrown from a microtask; never swallowed. */
  #report(error: Error): void {
    if (!this.ops.handleError) return rethrowLater(error);
    this.#depth++;
    try {
      this.ops.handleError(error);
    } catch (e) {
      rethrowLater(e);
    } finally {
      this.#depth--;
    }
  }
}

function rethrowLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** The multiplexing mark's mask: the union of its watches' events, FS_UNMOUNT, FS_EVENT_ON_CHILD on a directory. */
function muxMask(watches: readonly InotifyWatch[], inode: FsInode): number {
  let mask = FS_UNMOUNT;
  for (const w of watches) mask |= w.mask & IN_ALL_EVENTS;
  if (inode.isDir()) mask |= FS_EVENT_ON_CHILD;
  return mask >>> 0;
}

export interface AddWatchByPathResult {
  readonly wd: number;
  /** The watch now carrying the mask. No reference is taken for an existing one. */
  readonly watch: InotifyWatch;
  /** False when an existing watch on the inode was updated. */
  readonly created: boolean;
}

/**
 * The user API's inotify_add_watch emulated on a handle: resolve `path`
 * through `source` (IN_DONT_FOLLOW, IN_ONLYDIR honoured), then
 * findUpdateWatch, else addWatch(`watch`). Throws EINVAL (IN_MASK_ADD with
 * IN_MASK_CREATE, empty mask), the source's lookup errors, EEXIST
 * (IN_MASK_CREATE on a watched inode), EBUSY (inside a callback).
 */
export function inotifyAddWatchByPath(
  handle: InotifyHandle,
  source: Source,
  path: string,
  mask: number,
  watch: InotifyWatch = new InotifyWatch(),
): AddWatchByPathResult {
  if (mask & IN_MASK_ADD && mask & IN_MASK_CREATE) {
    throw sysError('EINVAL', 'inotify_add_watch', path, 'IN_MASK_ADD and IN_MASK_CREATE exclude each other');
  }
  if (!(mask & WATCH_BITS)) throw sysError('EINVAL', 'inotify_add_watch', path, 'no event bit in the mask');
  const target = source.lookup(path, {
    follow: !(mask & IN_DONT_FOLLOW),
    directory: (mask & IN_ONLYDIR) !== 0,
    syscall: 'inotify_add_watch',
  });
  const inode = target.dentry.inode;
  let existing: InotifyWatch;
  try {
    existing = handle.findWatch(inode).watch;
  } catch (e) {
    if (!isSystemError(e, 'ENOENT')) throw e;
    return { wd: handle.addWatch(watch, inode, mask), watch, created: true };
  }
  existing.put();
  if (mask & IN_MASK_CREATE) {
    throw sysError('EEXIST', 'inotify_add_watch', path, `already watched as wd ${existing.wd}`);
  }
  return { wd: handle.findUpdateWatch(inode, mask), watch: existing, created: false };
}
