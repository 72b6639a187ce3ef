/**
 * A whole-filesystem listener: every change under a directory tree, from one
 * kernel fanotify mark, whatever the size of the tree — the basis of O(1)
 * setup for recursive watching (the Watcher's fanotify backend).
 *
 * HOW. One fanotify group (FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET)
 * with one FAN_MARK_FILESYSTEM mark on the filesystem that holds `root`.
 * The kernel then reports every create, delete, rename, modify, attrib and
 * close-write on that filesystem as (directory handle, name) plus the
 * handle of the entry itself. A KernelReader thread reads them as they come;
 * here each directory handle becomes a path through a HandleCache, events
 * outside `root` are dropped, and the rest become path events:
 *
 *   { type: 'create' | 'delete' | 'modify' | 'attrib' | 'close-write'
 *         | 'rename' | 'move-from' | 'move-to' | 'overflow',
 *     path, oldPath?, isDirectory }
 *
 * - A rename is one FAN_RENAME event with the old and the new place: inside
 *   the tree at both ends it is 'rename' (path = new, oldPath = old); moved
 *   out it is 'move-from' (path = old), moved in 'move-to' (path = new).
 *   Renaming `root` itself or one of its ancestors away is 'move-from' of
 *   root, onto it 'move-to' of root: the listener follows the path, not the
 *   directory.
 * - Events the kernel merged while queued (same directory, name and object)
 *   come out as several path events in a fixed order: create, modify,
 *   attrib, close-write, delete — except that when a merged event says both
 *   created and deleted and the name exists now, delete comes first.
 * - A kernel queue overflow is an explicit event: onOverflow(), or an
 *   'overflow' event with path = root when there is no onOverflow. Events
 *   were lost; the consumer rescans.
 *
 * Paths are absolute, symlinks resolved (`root` is realpath()ed first),
 * and each is where the object was when its event happened: handles resolve
 * to where things are now (HandleCache: open_by_handle_at + readlink,
 * verified with name_to_handle_at), then the directory renames that came
 * later are undone on them (see run: the reader is flushed around the
 * resolution so that no rename can slip between). Created and renamed
 * directories are learnt from the events themselves (their handle is in
 * the event), so a whole tree created and removed before it was read still
 * gets its paths.
 * An event in a directory that existed before the listener, was never seen
 * and no longer exists cannot be placed: it is counted in
 * `stats().unresolved` and dropped.
 *
 * COSTS AND LIMITS. Setup is fanotify_init + fanotify_mark + two small
 * calls: no walk, no per-directory watch. It needs CAP_SYS_ADMIN (root; EPERM
 * otherwise, with a message saying so) and a filesystem that reports file
 * handles (ext4, xfs, btrfs, tmpfs…; EOPNOTSUPP/ENODEV/EXDEV otherwise —
 * overlayfs without nfs_export, a btrfs subvolume other than the mount's).
 * The mark sees the whole filesystem, so unrelated activity elsewhere on it
 * costs a handle lookup per event (cached). The listener keeps one
 * descriptor on `root` open (open_by_handle_at needs it; the kernel refuses
 * O_PATH descriptors there): unmounting that filesystem fails with EBUSY
 * until close(), except with MNT_DETACH.
 */
import { realpathSync } from 'node:fs';
import { isSystemError, sysError, SystemError } from '../../errors.js';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  FAN_ATTRIB,
  FAN_CLASS_NOTIF,
  FAN_CLOEXEC,
  FAN_CLOSE_WRITE,
  FAN_CREATE,
  FAN_DELETE,
  FAN_EVENT_METADATA_LEN,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_FID,
  FAN_EVENT_INFO_TYPE_NEW_DFID_NAME,
  FAN_EVENT_INFO_TYPE_OLD_DFID_NAME,
  FAN_MARK_ADD,
  FAN_MARK_FILESYSTEM,
  FAN_MODIFY,
  FAN_NONBLOCK,
  FAN_ONDIR,
  FAN_Q_OVERFLOW,
  FAN_RENAME,
  FAN_REPORT_DFID_NAME_TARGET,
  FAN_UNLIMITED_QUEUE,
  O_CLOEXEC,
  O_DIRECTORY,
  O_RDONLY,
} from './constants.js';
import { decodeFanotify, type FanotifyEvent, type FanotifyFidInfo } from './decode.js';
import { linuxSyscalls } from './ffi.js';
import { HandleCache, type HandleCacheStats } from './handle-cache.js';
import { KernelReader } from './reader.js';

export type FsEventType = 'create' | 'delete' | 'modify' | 'attrib' | 'close-write' | 'rename' | 'move-from' | 'move-to' | 'overflow';

/** One change under the listener's root. */
export interface FsEvent {
  readonly type: FsEventType;
  /** Absolute path (the new one for 'rename' and 'move-to'; root for 'overflow'). */
  readonly path: string;
  /** 'rename' only: where it was. */
  readonly oldPath?: string;
  readonly isDirectory: boolean;
}

export interface FsListenerOptions {
  /** Every event under root, in kernel order, on the main thread. An exception goes to onError (the rest of that batch is lost). */
  onEvent: (event: FsEvent) => void;
  /** The kernel queue overflowed: events were lost (default: an 'overflow' event to onEvent). */
  onOverflow?: () => void;
  /** The reader thread failed (the listener is then dead), or onEvent threw (default: an uncaught exception). */
  onError?: (err: Error) => void;
  /** Which kinds to deliver (default: all). Creates, deletes and renames are read anyway: they place the others. */
  events?: readonly Exclude<FsEventType, 'overflow'>[];
  /** FAN_UNLIMITED_QUEUE: never overflow (kernel memory grows instead). Default false (fs.fanotify.max_queued_events). */
  unlimitedQueue?: boolean;
  /** Keep the event loop alive while listening (default true, like fs.watch). */
  persistent?: boolean;
  /** The reader's buffer (default 256 KiB). */
  bufferSize?: number;
}

export interface FsListenerStats {
  /** Path events delivered. */
  events: number;
  /** Kernel events outside root (dropped). */
  outside: number;
  /** Kernel events whose directory could not be resolved (dropped). */
  unresolved: number;
  overflows: number;
  /** Kernel marks held: always 1 (one filesystem mark). */
  marks: number;
  cache: HandleCacheStats;
}

export interface FsListener {
  /** The root, realpath()ed. */
  readonly root: string;
  /** Resolves once the reader thread is reading (events since the mark are queued in the kernel meanwhile, not lost). */
  readonly ready: Promise<void>;
  /** Resolves once every event the kernel queued before this call has been delivered to onEvent. */
  flush(): Promise<void>;
  stats(): FsListenerStats;
  /** Stop: the reader thread closes the fanotify fd as it exits; then the root descriptor is closed. */
  close(): Promise<void>;
}

/** How many times a batch is resolved again because directories moved meanwhile (see run). */
const MAX_RESOLVE_ATTEMPTS = 4;

/**
 * Events turned into path events per run. Decoded events weigh about ten
 * times their bytes, so a burst read faster than it is resolved waits as
 * the reader's bytes, not as decoded objects (the peer bench's 200k-op
 * burst in fanotify mode: peak RSS 429 → 305 MiB); what is still queued is
 * looked at only for its directory renames and removals (see run).
 */
const MAX_BATCH_EVENTS = 8192;

const TYPE_BITS: Record<Exclude<FsEventType, 'overflow'>, number> = {
  create: FAN_CREATE,
  delete: FAN_DELETE,
  modify: FAN_MODIFY,
  attrib: FAN_ATTRIB,
  'close-write': FAN_CLOSE_WRITE,
  rename: FAN_RENAME,
  'move-from': FAN_RENAME,
  'move-to': FAN_RENAME,
};

/**
 * Listen to every change under `root` with one filesystem mark. Throws
 * synchronously when it cannot: ENOENT/ENOTDIR (root), EPERM (needs
 * CAP_SYS_ADMIN), EOPNOTSUPP/ENODEV/EXDEV (the filesystem reports no usable
 * file handles), EMFILE/ENOSPC (fanotify limits), ENOSYS (not Linux).
 */
export function createFsListener(root: string, opts: FsListenerOptions): FsListener {
  const sys = linuxSyscalls();
  const realRoot = realpath(root);
  // The tree's shape (creates, deletes, renames, of directories too) is always needed to place events.
  let mask = FAN_ONDIR | FAN_CREATE | FAN_DELETE | FAN_RENAME;
  for (const t of opts.events ?? (Object.keys(TYPE_BITS) as (keyof typeof TYPE_BITS)[])) {
    const bit = TYPE_BITS[t];
    if (bit === undefined) throw sysError('EINVAL', 'fanotify_mark', realRoot, `unknown event kind '${String(t)}'`);
    mask |= bit;
  }
  const fd = sys.fanotifyInit(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME_TARGET | FAN_CLOEXEC | FAN_NONBLOCK | (opts.unlimitedQueue ? FAN_UNLIMITED_QUEUE : 0), O_RDONLY);
  let rootFd = -1;
  try {
    rootFd = sys.open(realRoot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    try {
      sys.fanotifyMark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, mask >>> 0, AT_FDCWD, realRoot);
    } catch (e) {
      throw explainMarkError(e, realRoot);
    }
    const fsid = sys.fstatfs(rootFd).fsid;
    const rootHandle = sys.nameToHandleAt(rootFd, '', AT_EMPTY_PATH);
    return new Listener(realRoot, fd, rootFd, fsid, rootHandle.handleType, rootHandle.handle, opts);
  } catch (e) {
    if (rootFd >= 0) sys.close(rootFd);
    sys.close(fd);
    throw e;
  }
}

function realpath(root: string): string {
  try {
    return realpathSync(root);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR' || err.code === 'EACCES' || err.code === 'ELOOP') {
      throw sysError(err.code, 'realpath', root);
    }
    throw e;
  }
}

/** The kernel's EPERM/EOPNOTSUPP/ENODEV/EXDEV for a filesystem mark, with what they mean here. */
function explainMarkError(e: unknown, root: string): unknown {
  if (!isSystemError(e)) return e;
  const reasons: Partial<Record<string, string>> = {
    EPERM: 'a filesystem mark needs CAP_SYS_ADMIN: run as root',
    EOPNOTSUPP: 'this filesystem cannot report file handles (e.g. overlayfs without nfs_export)',
    ENODEV: 'this filesystem has no fsid, so its file handles cannot be reported',
    EXDEV: 'this is a subvolume whose fsid differs from its filesystem root; mark the subvolume root',
  };
  const reason = reasons[e.code];
  return reason ? new SystemError(e.code, { syscall: 'fanotify_mark', path: root, reason }) : e;
}

class Listener implements FsListener {
  readonly ready: Promise<void>;
  private readonly prefix: string;
  private readonly cache: HandleCache;
  private readonly reader: KernelReader;
  private readonly counters = { events: 0, outside: 0, unresolved: 0, overflows: 0 };
  private closing: Promise<void> | null = null;
  /** Batches delivered by the reader, not yet decoded (see run). */
  private pending: Buffer[] = [];
  /** Events decoded from `pending` but left for a later run (the batch was full). */
  private decoded: FanotifyEvent[] = [];
  private running: Promise<void> | null = null;
  /** The kinds asked for, or null for all. */
  private readonly wanted: ReadonlySet<FsEventType> | null;

  constructor(
    readonly root: string,
    fd: number,
    private readonly rootFd: number,
    private readonly fsid: readonly [number, number],
    rootHandleType: number,
    rootHandle: Buffer,
    private readonly opts: FsListenerOptions,
  ) {
    this.prefix = root === '/' ? '/' : root + '/';
    this.wanted = opts.events ? new Set<FsEventType>([...opts.events, 'overflow']) : null;
    const sys = linuxSyscalls();
    this.cache = new HandleCache(sys, (f) => (f[0] === fsid[0] && f[1] === fsid[1] ? this.rootFd : null));
    this.cache.remember(fsid, rootHandleType, rootHandle, root);
    this.reader = new KernelReader(fd, (buf) => this.onData(buf), (err) => this.onError(err), {
      ownsFd: true,
      flushable: true,
      ...(opts.persistent !== undefined ? { persistent: opts.persistent } : {}),
      ...(opts.bufferSize !== undefined ? { bufferSize: opts.bufferSize } : {}),
    });
    this.reader.start();
    this.ready = this.reader.flush();
  }

  async flush(): Promise<void> {
    await this.reader.flush();
    while (this.running) await this.running;
  }

  stats(): FsListenerStats {
    return { ...this.counters, marks: 1, cache: this.cache.stats() };
  }

  close(): Promise<void> {
    this.closing ??= this.reader.stop().then(() => {
      linuxSyscalls().close(this.rootFd);
      this.cache.clear();
    });
    return this.closing;
  }

  private onError(err: Error): void {
    if (this.opts.onError) this.opts.onError(err);
    else
      setImmediate(() => {
        throw err;
      });
  }

  /**
   * Batches are not turned into path events one by one as they arrive (see
   * run): they wait here for the next run.
   */
  private onData(buf: Buffer): void {
    if (this.closing || buf.length === 0) return;
    this.pending.push(buf);
    this.schedule();
  }

  private schedule(): void {
    if (this.running || this.closing) return;
    this.running = this.run()
      .catch((e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e)))) // onEvent threw, or a handle lookup did
      .finally(() => {
        this.running = null;
        if (this.pending.length > 0 || this.decoded.length > 0) this.schedule();
      });
  }

  /**
   * Turn what was read so far (up to MAX_BATCH_EVENTS events) into path
   * events, with each path where it was when its event happened.
   *
   * Handles resolve to where things are *now*; the directory renames that
   * happened after an event are then undone on its paths (pass 2). That is
   * exact when "now" comes after every rename whose event is in hand and
   * before any other: so the reader is flushed first (every event that
   * happened so far is in hand), the batch is resolved, and the reader is
   * flushed again — if a directory was renamed or removed meanwhile, the
   * batch is resolved again with that event in hand (a few times at most;
   * under a storm of directory renames the last resolution is used). When
   * the batch is full, the directory renames and removals still queued
   * behind it are learnt and undone too, and handled in the next run.
   */
  private async run(): Promise<void> {
    await this.reader.flush();
    let events: FanotifyEvent[] = [];
    for (let attempt = 0; ; attempt++) {
      if (this.closing) return;
      events = events.concat(this.take(MAX_BATCH_EVENTS - events.length));
      if (events.length === 0) return;
      const later = this.queuedStructural();
      this.cache.newBatch();
      this.learnAhead(later.length > 0 ? events.concat(later) : events);
      const items = events.map((ev) => this.resolveItem(ev));
      const laterItems = later.map((ev) => this.resolveItem(ev));
      if (attempt < MAX_RESOLVE_ATTEMPTS) {
        await this.reader.flush();
        if (this.closing) return;
        if (this.queuedStructural().length > later.length) continue;
      }
      this.undoLaterRenames(laterItems.length > 0 ? items.concat(laterItems) : items);
      for (const item of items) this.handle(item);
      return;
    }
  }

  /** Up to `limit` events in the order read, decoding delivered batches as needed. */
  private take(limit: number): FanotifyEvent[] {
    while (this.decoded.length < limit && this.pending.length > 0) {
      const next = decodeFanotify(this.pending.shift()!);
      this.decoded = this.decoded.length === 0 ? next : this.decoded.concat(next);
    }
    if (this.decoded.length <= limit) return this.decoded.splice(0);
    return this.decoded.splice(0, limit);
  }

  /**
   * The directory renames and removals read but not taken into a batch (up
   * to MAX_BATCH_EVENTS of them). Undelivered bytes are walked header by
   * header; only the structural events among them are decoded.
   */
  private queuedStructural(): FanotifyEvent[] {
    const found = this.decoded.filter(isStructural);
    for (const buf of this.pending) {
      for (let off = 0; off + FAN_EVENT_METADATA_LEN <= buf.length && found.length < MAX_BATCH_EVENTS; ) {
        const eventLen = buf.readUInt32LE(off);
        if (eventLen < FAN_EVENT_METADATA_LEN) break; // corrupt: decoding the batch will say so
        const mask = buf.readUInt32LE(off + 8); // FAN_ONDIR, FAN_RENAME and FAN_DELETE are in the low word
        if ((mask & FAN_ONDIR) !== 0 && (mask & (FAN_RENAME | FAN_DELETE)) !== 0) found.push(...decodeFanotify(buf.subarray(off, off + eventLen)));
        off += eventLen;
      }
    }
    return found;
  }

  /** Pass 2: walking backwards, undo on each event's paths the directory renames that came after it. */
  private undoLaterRenames(items: Item[]): void {
    const undo: { from: string; to: string }[] = [];
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i]!;
      if (item.kind === 'overflow') {
        undo.length = 0; // before an overflow nothing is known to line up
        continue;
      }
      item.path = undoRenames(item.path, undo);
      item.from = undoRenames(item.from, undo);
      item.to = undoRenames(item.to, undo);
      if (item.kind === 'rename' && item.isDirectory && item.from !== null && item.to !== null) undo.push({ from: item.from, to: item.to });
    }
  }

  /**
   * Directories removed or renamed in this batch are registered at their
   * place before the batch is processed, so that earlier events inside them
   * resolve even though they are gone or moved by now.
   */
  private learnAhead(events: readonly FanotifyEvent[]): void {
    // A removed tree is removed bottom-up (rm -r: d/x/f, d/x, d): its deepest
    // directory's place is known only once its parent's is, which the
    // parent's later event gives. Passes run until nothing more is learnt.
    let todo = events.filter((ev) => (ev.mask & FAN_ONDIR) !== 0 && (ev.mask & (FAN_DELETE | FAN_RENAME)) !== 0);
    for (let pass = 0; pass < 64 && todo.length > 0; pass++) {
      const left: FanotifyEvent[] = [];
      for (let i = todo.length - 1; i >= 0; i--) {
        const ev = todo[i]!;
        const child = fidOf(ev, FAN_EVENT_INFO_TYPE_FID);
        if (!child || this.cache.peek(child.fsid, child.handleType, child.handle) !== null) continue;
        const at = this.placeOf(fidOf(ev, ev.mask & FAN_RENAME ? FAN_EVENT_INFO_TYPE_OLD_DFID_NAME : FAN_EVENT_INFO_TYPE_DFID_NAME), false);
        if (at !== null) this.cache.remember(child.fsid, child.handleType, child.handle, at);
        else left.push(ev);
      }
      if (left.length === todo.length) break;
      todo = left.reverse();
    }
  }

  private resolveItem(ev: FanotifyEvent): Item {
    const isDirectory = (ev.mask & FAN_ONDIR) !== 0;
    const child = fidOf(ev, FAN_EVENT_INFO_TYPE_FID) ?? null;
    if (ev.mask & FAN_Q_OVERFLOW) return { kind: 'overflow', mask: ev.mask, isDirectory, child, path: null, current: null, from: null, to: null };
    if (ev.mask & FAN_RENAME) {
      const from = this.placeOf(fidOf(ev, FAN_EVENT_INFO_TYPE_OLD_DFID_NAME));
      const to = this.placeOf(fidOf(ev, FAN_EVENT_INFO_TYPE_NEW_DFID_NAME));
      // Later events of the batch may be inside it: it is where it is now.
      if (to !== null && child && isDirectory) this.cache.remember(child.fsid, child.handleType, child.handle, to);
      return { kind: 'rename', mask: ev.mask, isDirectory, child, path: null, current: to, from, to };
    }
    const path = this.placeOf(fidOf(ev, FAN_EVENT_INFO_TYPE_DFID_NAME));
    if (ev.mask & FAN_CREATE && isDirectory && child && path !== null) this.cache.remember(child.fsid, child.handleType, child.handle, path);
    return { kind: 'plain', mask: ev.mask, isDirectory, child, path, current: path, from: null, to: null };
  }

  private handle(item: Item): void {
    const { mask, isDirectory } = item;
    if (item.kind === 'overflow') {
      this.counters.overflows++;
      this.cache.newBatch();
      if (this.opts.onOverflow) this.opts.onOverflow();
      else this.emit({ type: 'overflow', path: this.root, isDirectory: true });
      return;
    }
    if (item.kind === 'rename') {
      this.handleRename(item);
      return;
    }
    const path = item.path;
    if (path === null) return;
    if (mask & FAN_DELETE) this.cache.removed(path, isDirectory);
    if (!this.inside(path)) {
      this.counters.outside++;
      return;
    }
    const both = (mask & (FAN_CREATE | FAN_DELETE)) === (FAN_CREATE | FAN_DELETE);
    const deleteFirst = both && item.current !== null && this.exists(item.current);
    if (deleteFirst) this.emit({ type: 'delete', path, isDirectory });
    if (mask & FAN_CREATE) this.emit({ type: 'create', path, isDirectory });
    if (mask & FAN_MODIFY) this.emit({ type: 'modify', path, isDirectory });
    if (mask & FAN_ATTRIB) this.emit({ type: 'attrib', path, isDirectory });
    if (mask & FAN_CLOSE_WRITE) this.emit({ type: 'close-write', path, isDirectory });
    if (mask & FAN_DELETE && !deleteFirst) this.emit({ type: 'delete', path, isDirectory });
  }

  private handleRename(item: Item): void {
    const { from, to, isDirectory } = item;
    // Entries cached before this batch are brought forward rename by rename (a hint; every use is verified).
    if (from !== null && to !== null) this.cache.moved(from, to, isDirectory);
    else if (from !== null) this.cache.removed(from, isDirectory);
    const fromInside = from !== null && this.inside(from);
    const toInside = to !== null && this.inside(to);
    if (fromInside && toInside) this.emit({ type: 'rename', path: to, oldPath: from, isDirectory });
    else if (fromInside) this.emit({ type: 'move-from', path: from, isDirectory });
    else if (toInside) this.emit({ type: 'move-to', path: to, isDirectory });
    else if (from !== null && this.covers(from)) this.emit({ type: 'move-from', path: this.root, isDirectory: true });
    else if (to !== null && this.covers(to)) this.emit({ type: 'move-to', path: this.root, isDirectory: true });
    else if (from !== null || to !== null) this.counters.outside++;
  }

  /** The path a DFID_NAME-type record names: its directory's path plus the name ('.' = the directory). */
  private placeOf(info: FanotifyFidInfo | undefined, count = true): string | null {
    if (!info) return null;
    let dir: string;
    try {
      dir = this.cache.resolve(info.fsid, info.handleType, info.handle);
    } catch (e) {
      if (!isSystemError(e)) throw e;
      if (count) this.counters.unresolved++;
      return null;
    }
    if (dir.endsWith(' (deleted)')) dir = dir.slice(0, -' (deleted)'.length);
    if (info.name === null || info.name === '.') return dir;
    return (dir === '/' ? '' : dir) + '/' + info.name;
  }

  private inside(path: string): boolean {
    return path === this.root || path.startsWith(this.prefix);
  }

  /** `path` is root or one of its ancestors. */
  private covers(path: string): boolean {
    return path === this.root || this.root.startsWith(path === '/' ? '/' : path + '/');
  }

  /** Does the name exist now (no open, no event)? */
  private exists(path: string): boolean {
    try {
      linuxSyscalls().nameToHandleAt(AT_FDCWD, path, 0);
      return true;
    } catch (e) {
      return !(isSystemError(e, 'ENOENT') || isSystemError(e, 'ENOTDIR'));
    }
  }

  private emit(event: FsEvent): void {
    if (this.wanted && !this.wanted.has(event.type)) return;
    this.counters.events++;
    this.opts.onEvent(event);
  }
}

/** One kernel event on its way out: `current` is where it is now, `path`/`from`/`to` where it happened. */
interface Item {
  kind: 'overflow' | 'rename' | 'plain';
  mask: number;
  isDirectory: boolean;
  /** The entry's own handle (FAN_REPORT_TARGET_FID), if reported. */
  child: FanotifyFidInfo | null;
  path: string | null;
  current: string | null;
  from: string | null;
  to: string | null;
}

/** A current path as it was before the later directory renames (`undo`, latest first) happened. */
function undoRenames(path: string | null, undo: readonly { from: string; to: string }[]): string | null {
  if (path === null) return null;
  for (const u of undo) {
    if (path === u.to) path = u.from;
    else if (path.startsWith(u.to + '/')) path = u.from + path.slice(u.to.length);
  }
  return path;
}

/** A directory renamed or removed: it changes where other events' paths are. */
function isStructural(ev: FanotifyEvent): boolean {
  return (ev.mask & FAN_ONDIR) !== 0 && (ev.mask & (FAN_RENAME | FAN_DELETE)) !== 0;
}

function fidOf(ev: FanotifyEvent, infoType: number): FanotifyFidInfo | undefined {
  for (const i of ev.info) if (i.kind === 'fid' && i.infoType === infoType) return i;
  return undefined;
}
