/**
 * TreeBase: the Watcher's model of the tree (model.ts) bound to one inotify
 * instance — the watches (one per directory, counted against the ceiling
 * learned at the last ENOSPC), the watch-then-list population of new
 * directories, polling bookkeeping, and the queries. rescan.ts diffs the
 * tree against it; sync.ts (TreeSync) applies the kernel's events to it.
 */
import type { Inotify, InotifyEvent } from '../inotify/index.js';
import {
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_DONT_FOLLOW,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONLYDIR,
} from '../inotify/index.js';
import { isSystemError } from '../errors.js';
import { errorCode, KIND_DIR, KIND_SYMLINK, type WatcherFs } from './fs-adapter.js';
import type { IgnoreMatcher } from './glob.js';
import {
  childPath,
  DIR_ALIAS,
  DIR_CONTENTS_IGNORED,
  DIR_POLLED,
  DIR_SYMLINK,
  DIR_UNREADABLE,
  DirNode,
  FileSnap,
  isAttached,
  repath,
  subtreeDirs,
  type Entry,
} from './model.js';
import type { Coverage, WatchEventType } from './types.js';

/** What a directory's watch asks for. Self events only matter for the root. */
export const DIR_MASK = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE;
export const ROOT_MASK = DIR_MASK | IN_DELETE_SELF | IN_MOVE_SELF;

/** Events of a batch within which a MOVED_TO may still pair with a MOVED_FROM that ended the last batch. */
export const SPLIT_PAIR_WINDOW = 4;

/** What watchDir() made of a directory: watched; refused (the limit: poll it); gone; an alias of one watched; unreadable. */
export const W_OK = 0;
export const W_LIMIT = 1;
export const W_GONE = 2;
export const W_ALIAS = 3;
export const W_DENIED = 4;

/** Where TreeSync's findings go (the Watcher). */
export interface SyncSink {
  /**
   * One normalized event, delivered at the next flush(). `replaced`: a
   * rename over an existing entry. `early`: it happened before every event
   * given since the last flush (a move out settled late), so it goes first.
   */
  event(type: WatchEventType, path: string, isDirectory: boolean, oldPath: string | undefined, replaced: boolean, early?: boolean): void;
  /** True when raw listeners want kernel events. */
  readonly rawWanted: boolean;
  /** A kernel event (or, `synthetic`, a CREATE made up for an entry found by listing a new directory). */
  raw(event: InotifyEvent, dir: string, synthetic: boolean): void;
  /** The end of a batch: deliver. */
  flush(): void;
  coverageChanged(): void;
  /** A failure that does not stop the Watcher. */
  error(e: unknown): void;
}

export interface SyncOptions {
  recursive: boolean;
  followSymlinks: boolean;
  ignore: IgnoreMatcher;
  rawMask: number;
  pollIntervalMs: number;
  /** How long (ms) a MOVED_FROM ending a batch waits for its MOVED_TO; 0 resolves at the batch's end. */
  moveGraceMs: number;
  /**
   * An exact barrier of the source, if it has one (the host source's
   * flush()): once it resolves, every event queued before it was delivered,
   * so a MOVED_FROM still unpaired is a move out. `moveGraceMs` then only
   * bounds a barrier that never answers.
   */
  barrier?: (() => Promise<void>) | undefined;
  /** Keep the process alive while polling (host: yes; an in-memory tree: no). */
  persistent: boolean;
  /**
   * 0 when events are queued synchronously by the operations themselves (an
   * in-memory tree): the start of the previous read bounds what an overflow
   * lost. Otherwise (the host, whose events reach us through a reader
   * thread) the idle time (ms) after which the queue is known to have been
   * drained: see `quietAt`.
   */
  quietProbeMs: number;
  onProgress?: ((directories: number) => void) | undefined;
  /** Called when the kernel refuses a watch for the limit (ENOSPC), before the directory is polled. */
  onLimit?: (() => void) | undefined;
}

export interface PendingMove {
  cookie: number;
  /** The detached entry, or undefined when the name was unknown or ignored. */
  entry: Entry | undefined;
  path: string;
  isDir: boolean;
  seq: number;
}

export abstract class TreeBase {
  readonly root: DirNode;
  protected readonly byWd = new Map<number, DirNode>();
  protected readonly pollRoots = new Set<DirNode>();
  /** Our watch count at the last ENOSPC: no watch is attempted at or above it. */
  protected watchCeiling = Infinity;
  /** fs.inotify.max_user_watches when the ceiling was learnt: if it changes, watches are retried. */
  protected limitAtCeiling = NaN;
  protected pending: PendingMove[] = [];
  /** Directories that lost their watch (IN_IGNORED) and may still exist: checked at the batch's end. */
  protected orphans: DirNode[] = [];
  /** wds given up during a rescan, removed at its end unless another directory claimed them. */
  protected released: number[] = [];
  /** Directories watched without the raw bits, to widen at the batch's end. */
  protected toWiden: DirNode[] = [];
  /** Raw bits the model does not need. */
  protected readonly rawExtra: number;
  protected pollTimer: NodeJS.Timeout | null = null;
  protected lastWatchError: unknown = null;
  protected coverageDirty = false;
  protected rootLost = false;
  protected stopped = false;
  /** Index where a path relative to the root starts. */
  protected readonly relStart: number;
  /** Inside a diff (rescan, poll): what it removes is told to raw listeners too. */
  protected diffing = 0;

  /**
   * `ino` is null for a tree kept by other means (fanotify mode: see
   * fan-sync.ts, which never calls the watch methods that use it); `adopt`
   * takes over the model of another TreeBase (the switch to fanotify at the
   * watch limit).
   */
  constructor(
    rootPath: string,
    protected readonly ino: Inotify | null,
    protected readonly fs: WatcherFs,
    protected readonly opts: SyncOptions,
    protected readonly sink: SyncSink,
    adopt?: DirNode,
  ) {
    this.root = adopt ?? new DirNode('', null, rootPath);
    this.rawExtra = (opts.rawMask & ~ROOT_MASK) >>> 0;
    this.relStart = rootPath === '/' ? 1 : rootPath.length + 1;
  }

  // ---------------------------------------------------------------- population

  /**
   * Watch then list `top` and every directory found below it (depth first),
   * filling the model; with `report`, every entry found is a create.
   */
  protected populate(top: DirNode, report: boolean, progress?: (n: number) => void, topWatched = false): void {
    const stack = [top];
    let count = 0;
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      if (this.contentsIgnored(d)) {
        d.flags |= DIR_CONTENTS_IGNORED;
        continue;
      }
      let polled: boolean;
      if (d === top && topWatched) {
        polled = (d.flags & DIR_POLLED) !== 0;
      } else {
        const parentPolled = d.parent !== null && (d.parent.flags & DIR_POLLED) !== 0;
        const status = parentPolled ? W_LIMIT : this.watchDir(d, null);
        if (status === W_GONE || status === W_ALIAS) continue; // gone: its DELETE/MOVED_FROM follows
        if (status === W_DENIED) {
          d.flags |= DIR_UNREADABLE;
          continue;
        }
        polled = status === W_LIMIT;
        if (polled) this.markPolled(d);
      }
      this.listNew(d, polled, report, stack);
      if (progress !== undefined && (++count & 1023) === 0) progress(count);
    }
    if (progress !== undefined) progress(count);
  }

  /** List a directory whose entries are all new to the model. */
  protected listNew(d: DirNode, polled: boolean, report: boolean, stack: DirNode[]): void {
    try {
      const plain = !report && !polled && this.opts.ignore.empty && !this.opts.followSymlinks;
      this.fs.list(d.path, (name, kind) => {
        if (plain && kind !== KIND_DIR) {
          // The startup fast path: a leaf costs its name and a small integer, no path string.
          if (!d.children.has(name)) d.children.set(name, kind);
          return;
        }
        if (d.children.has(name)) return;
        const path = childPath(d, name);
        let isDir = kind === KIND_DIR;
        let viaLink = false;
        if (kind === KIND_SYMLINK && this.opts.followSymlinks && this.fs.stat(path)?.kind === KIND_DIR) {
          isDir = viaLink = true;
        }
        if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) return;
        if (isDir) {
          const node = new DirNode(name, d, path);
          if (viaLink) node.flags |= DIR_SYMLINK;
          d.children.set(name, node);
          stack.push(node);
        } else if (polled) {
          const st = this.fs.lstat(path);
          if (st === null) return;
          d.children.set(name, FileSnap.of(st));
        } else {
          d.children.set(name, kind);
        }
        if (report) this.reportCreate(d, name, path, isDir);
      });
    } catch (e) {
      this.listFailed(d, e);
    }
  }

  protected listFailed(d: DirNode, e: unknown): void {
    const code = errorCode(e);
    if (code === 'EACCES' || code === 'EPERM') d.flags |= DIR_UNREADABLE;
    else if (code !== 'ENOENT' && code !== 'ENOTDIR') this.sink.error(e);
  }

  /** An entry found by a listing: a create, and for raw listeners a synthetic CREATE. */
  protected reportCreate(d: DirNode, name: string, path: string, isDir: boolean): void {
    this.sink.event('create', path, isDir, undefined, false);
    if (this.sink.rawWanted) this.synthesize(d, name, IN_CREATE | (isDir ? IN_ISDIR : 0));
  }

  /** A raw event made up for what a listing or a diff found (no kernel event told it). */
  protected synthesize(d: DirNode, name: string, mask: number): void {
    this.sink.raw({ wd: d.wd, mask, cookie: 0, name }, d.path, true);
  }

  protected removeEntry(dir: DirNode, name: string, entry: Entry, path: string): void {
    dir.children.delete(name);
    const isDir = entry instanceof DirNode;
    if (isDir) this.dropSubtree(entry);
    this.sink.event('delete', path, isDir, undefined, false);
    if (this.diffing > 0 && this.sink.rawWanted) this.synthesize(dir, name, IN_DELETE | (isDir ? IN_ISDIR : 0));
  }

  // ---------------------------------------------------------------- watches

  /**
   * Add (or refresh) the watch of `d`. `claimed`, during a rescan, holds the
   * wds claimed so far in it: a wd claimed twice is an alias.
   */
  protected watchDir(d: DirNode, claimed: Set<number> | null): number {
    if (this.byWd.size >= this.watchCeiling && d.wd === -1) return W_LIMIT;
    let wd: number;
    try {
      wd = this.ino!.addWatch(d.path, this.watchMask(d, false));
    } catch (e) {
      this.lastWatchError = e;
      switch (errorCode(e)) {
        case 'ENOSPC':
          this.watchCeiling = this.byWd.size;
          this.limitAtCeiling = this.fs.watchLimit?.() ?? NaN;
          this.opts.onLimit?.();
          return W_LIMIT;
        case 'ENOENT':
        case 'ENOTDIR':
        case 'ELOOP':
        case 'ENAMETOOLONG':
        case 'ESTALE':
          return W_GONE;
        case 'EACCES':
        case 'EPERM':
          return W_DENIED;
        default:
          throw e;
      }
    }
    const owner = this.byWd.get(wd);
    if (owner !== undefined && owner !== d) {
      // The inode is known under another path. Still there too (a bind mount, a
      // followed symlink loop)? Then this path is an alias. Else it moved here
      // before its rename was handled: this path takes the watch, and the old
      // node is checked at the batch's end (its MOVED_FROM, if any, follows).
      const attached = isAttached(owner, this.root);
      if (claimed?.has(wd) === true || (attached && this.sameDirectory(owner.path, d.path))) {
        d.flags |= DIR_ALIAS;
        return W_ALIAS;
      }
      owner.wd = -1;
      if (attached) this.orphans.push(owner);
    }
    if (d.wd !== -1 && d.wd !== wd && this.byWd.get(d.wd) === d) {
      this.byWd.delete(d.wd);
      this.released.push(d.wd);
    }
    claimed?.add(wd);
    d.wd = wd;
    d.flags &= ~(DIR_ALIAS | DIR_UNREADABLE);
    this.byWd.set(wd, d);
    if (this.rawExtra !== 0) this.toWiden.push(d);
    return W_OK;
  }

  /**
   * The mask of a directory's watch. With raw bits beyond what the model
   * needs (IN_OPEN, IN_ACCESS, …), a directory is first watched without them
   * and widened once the batch is done: its own listing then raises none.
   */
  protected watchMask(d: DirNode, wide: boolean): number {
    const follow = d === this.root || (d.flags & DIR_SYMLINK) !== 0;
    const base = d === this.root ? ROOT_MASK : DIR_MASK;
    return (base | (wide ? this.opts.rawMask : 0) | IN_ONLYDIR | (follow ? 0 : IN_DONT_FOLLOW)) >>> 0;
  }

  /** Give the directories watched in this batch the raw bits they were watched without. */
  protected widen(): void {
    const list = this.toWiden;
    this.toWiden = [];
    for (const d of list) {
      if (d.wd === -1 || this.byWd.get(d.wd) !== d) continue;
      try {
        const wd = this.ino!.addWatch(d.path, this.watchMask(d, true));
        if (wd !== d.wd && !this.byWd.has(wd)) this.rmWatch(wd); // the path names another directory now
      } catch {
        // Gone meanwhile: its events will say so.
      }
    }
  }

  /** Do both paths resolve to the same directory? */
  protected sameDirectory(a: string, b: string): boolean {
    const sa = this.fs.stat(a);
    if (sa === null || sa.kind !== KIND_DIR) return false;
    const sb = this.fs.stat(b);
    return sb !== null && sb.ino === sa.ino && sb.dev === sa.dev;
  }

  protected rmWatch(wd: number): void {
    try {
      this.ino!.rmWatch(wd);
    } catch (e) {
      // EINVAL: the kernel removed it already (its IN_IGNORED is queued); EBADF: closed.
      if (!isSystemError(e, 'EINVAL') && !isSystemError(e, 'EBADF')) throw e;
    }
  }

  /** A subtree leaves the model: its watches go, its polling stops. */
  protected dropSubtree(node: DirNode): void {
    for (const d of subtreeDirs(node)) {
      if (d.wd !== -1) {
        if (this.byWd.get(d.wd) === d) {
          this.byWd.delete(d.wd);
          this.rmWatch(d.wd);
        }
        d.wd = -1;
      }
      if (d.flags & DIR_POLLED && this.pollRoots.delete(d)) this.coverageDirty = true;
    }
  }

  /** Remove released wds nobody claimed again. */
  protected releaseWds(): void {
    if (this.released.length === 0) return;
    const list = this.released;
    this.released = [];
    for (const wd of list) if (!this.byWd.has(wd)) this.rmWatch(wd);
  }

  protected markPolled(d: DirNode): void {
    if ((d.flags & DIR_POLLED) === 0) {
      d.flags |= DIR_POLLED;
      this.coverageDirty = true;
    }
    const parentPolled = d.parent !== null && (d.parent.flags & DIR_POLLED) !== 0;
    if (!parentPolled && !this.pollRoots.has(d)) {
      this.pollRoots.add(d);
      this.ensurePollTimer();
    }
  }

  protected unmarkPolled(d: DirNode): void {
    d.flags &= ~DIR_POLLED;
    this.pollRoots.delete(d);
    this.coverageDirty = true;
  }

  /** A directory node moved (renamed) to `name` in `parent`: its name, parent, the paths below it, its poll root. */
  protected reattach(node: DirNode, parent: DirNode, name: string): void {
    node.name = name;
    node.parent = parent;
    repath(node);
    this.fixPollRoot(node);
  }

  /** After a move: a polled directory is a poll root exactly when its parent is not polled. */
  protected fixPollRoot(node: DirNode): void {
    if ((node.flags & DIR_POLLED) === 0) return;
    if (node.parent !== null && (node.parent.flags & DIR_POLLED) !== 0) this.pollRoots.delete(node);
    else this.markPolled(node);
  }

  // ---------------------------------------------------------------- lifetime

  /** The root was deleted or moved away: report it and stop watching anything. */
  protected loseRoot(): void {
    if (this.rootLost) return;
    this.rootLost = true;
    this.pending = [];
    this.orphans = [];
    this.dropSubtree(this.root);
    this.root.children.clear();
    this.pollRoots.clear();
    this.stopTimers();
    this.sink.event('delete', this.root.path, true, undefined, false);
    this.coverageDirty = true;
    this.sink.flush();
    this.sink.coverageChanged();
  }

  protected finish(): void {
    if (this.toWiden.length > 0) this.widen();
    this.sink.flush();
    if (this.coverageDirty) {
      this.coverageDirty = false;
      this.sink.coverageChanged();
    }
  }

  protected ensurePollTimer(): void {
    if (this.pollTimer !== null || this.stopped) return;
    this.pollTimer = setInterval(() => this.pollTick(), this.opts.pollIntervalMs);
    if (!this.opts.persistent) this.pollTimer.unref();
  }

  protected pollTick(): void {
    if (this.pollRoots.size === 0) {
      if (this.pollTimer !== null) clearInterval(this.pollTimer);
      this.pollTimer = null;
      return;
    }
    try {
      this.poll();
    } catch (e) {
      this.sink.error(e);
    }
  }

  /** One poll pass over the polled subtrees (rescan.ts). */
  abstract poll(): void;

  // ---------------------------------------------------------------- queries

  coverage(): Coverage {
    let watchedDirs = 0;
    let polledDirs = 0;
    const unreadable: string[] = [];
    if (!this.rootLost) {
      for (const d of subtreeDirs(this.root)) {
        if (d.wd !== -1) watchedDirs++;
        else if (d.flags & DIR_POLLED) polledDirs++;
        if (d.flags & DIR_UNREADABLE) unreadable.push(d.path);
      }
    }
    const polled = [...this.pollRoots].filter((r) => isAttached(r, this.root)).map((r) => r.path);
    polled.sort();
    unreadable.sort();
    return {
      complete: !this.rootLost && polled.length === 0 && unreadable.length === 0,
      watchedDirs,
      polledDirs,
      eventDriven: !this.rootLost && this.root.wd !== -1 ? [this.root.path] : [],
      polled,
      unreadable,
      pollIntervalMs: this.opts.pollIntervalMs,
      fanotify: [],
    };
  }

  /** Every path the model holds (the root excluded), parents before children. */
  *paths(): Generator<string> {
    if (this.rootLost) return;
    const stack = [this.root];
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      for (const [name, e] of d.children) {
        yield childPath(d, name);
        if (e instanceof DirNode) stack.push(e);
      }
    }
  }

  /** Every directory the model holds, the root first. */
  *directories(): Generator<string> {
    if (this.rootLost) return;
    for (const d of subtreeDirs(this.root)) yield d.path;
  }

  /** Kernel watches held now. */
  get watchCount(): number {
    return this.byWd.size;
  }

  // ---------------------------------------------------------------- helpers

  protected ignoredPath(path: string, name: string, isDir: boolean): boolean {
    return this.opts.ignore.ignored(path, path.slice(this.relStart), name, isDir);
  }

  protected contentsIgnored(d: DirNode): boolean {
    if (d === this.root) return false;
    if (!this.opts.recursive) return true;
    return !this.opts.ignore.empty && this.opts.ignore.contentsIgnored(d.path.slice(this.relStart));
  }

  protected stopTimers(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  /** Stop for good: timers cleared, pending moves dropped. The inotify instance is the caller's to close. */
  stop(): void {
    this.stopped = true;
    this.pending = [];
    this.orphans = [];
    this.stopTimers();
  }
}
