/**
 * FanSync: the Watcher's fanotify mode — the whole tree from one kernel
 * filesystem mark per filesystem, whatever its size (O(1) setup), filtered
 * to the root in user space. The path events come from path listeners
 * (host/linux/fs-listener.ts on the real kernel); the model (model.ts) is
 * the same as in inotify mode and so are the rescan, the diff and the
 * polling (rescan.ts), which is why this extends TreeRescan: only
 * "watching" a directory means something else here (it is covered by its
 * filesystem's mark, or polled when its filesystem could not be marked).
 *
 * MARK, THEN LIST. `start()` places the marks — from then on every change
 * is queued in the kernel — then lists the tree (a readdir per directory,
 * no watch). The model must be complete at `ready`: an overflow is
 * recovered by diffing against it, and a directory known only later could
 * not be diffed (its changes lost in the overflow would go unreported; an
 * earlier version listed in the background and lost exactly those). Events
 * queued meanwhile are applied afterwards:
 * - a directory listed by the scan is DIR_QUIET: the kernel may still hold
 *   a CREATE for a name the listing found (or a DELETE for one it missed),
 *   which happened after the mark: it is passed on;
 * - an event in a directory not listed (DIR_UNLISTED: one moved in from a
 *   place the model did not know, listed on the next turn) is passed on as
 *   it is and leaves the model alone: the listing will see its effect.
 * Elsewhere (directories born empty from an event, listed with reporting
 * when moved into the tree, or diffed by a rescan) the model is exact and
 * an event that repeats what it knows — a CREATE of a known name, a DELETE
 * of an unknown one — is a duplicate of what a listing already reported,
 * and is dropped.
 *
 * There is no new-directory race in this mode: a directory created under
 * the mark has every entry's CREATE reported. A directory moved into the
 * tree (from elsewhere on the filesystem) brings its contents unannounced:
 * they are listed and reported as creates, as in inotify mode.
 *
 * OVERFLOW. The listener reports the kernel queue's overflow explicitly;
 * directories still waiting to be listed are listed (silently), then the tree is rescanned
 * and diffed against the model (files changed since `syncTime()` are
 * reported modified), then `resync`. `syncTime()` is the last moment known
 * to have been fully read: when a flush barrier armed after a burst of
 * events resolves with no overflow in between, everything before the
 * moment it was armed had been delivered.
 *
 * OTHER FILESYSTEMS BELOW THE ROOT. A filesystem mark covers one filesystem.
 * Mount points below the root (from /proc/self/mountinfo at start) get a
 * listener of their own; one that cannot be marked (a filesystem without
 * file handles), or a bind mount of the root's own filesystem (its events
 * resolve to the original paths, outside this tree), is polled like a
 * subtree refused a watch in inotify mode. Filesystems mounted below the
 * root after start are not noticed.
 *
 * THE SWITCH AT THE WATCH LIMIT. In inotify mode, when the kernel refuses a
 * watch (ENOSPC) and the process may use fanotify, the Watcher hands its
 * model over (`adopt`): the marks are placed, the inotify instance closed
 * (freeing every watch), and the tree rescanned and diffed exactly as after
 * an overflow, ending with `resync`.
 */
import { readFileSync } from 'node:fs';
import { KIND_DIR, KIND_FILE, type WatcherFs } from './fs-adapter.js';
import {
  childPath,
  DIR_CONTENTS_IGNORED,
  DIR_POLLED,
  DIR_QUIET,
  DIR_UNLISTED,
  DirNode,
  isAttached,
  subtreeDirs,
  type Entry,
} from './model.js';
import { sysError } from '../errors.js';
import { TreeRescan } from './rescan.js';
import { W_LIMIT, W_OK, type SyncOptions, type SyncSink } from './tree.js';
import type { Coverage, WatchEventType } from './types.js';

/** One path event, as a path listener reports it (host: FsEvent of fs-listener.ts). */
export interface PathEvent {
  readonly type: 'create' | 'delete' | 'modify' | 'attrib' | 'close-write' | 'rename' | 'move-from' | 'move-to' | 'overflow';
  readonly path: string;
  readonly oldPath?: string;
  readonly isDirectory: boolean;
}

/** A running path listener: one filesystem mark, events of one subtree. */
export interface PathListener {
  /** Resolves once the listener reads (events since the mark are queued meanwhile). */
  readonly ready: Promise<void>;
  /** Resolves once every event queued before the call was delivered. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface PathListenerHandlers {
  onEvent(e: PathEvent): void;
  onOverflow(): void;
  onError(e: Error): void;
}

/** Makes a listener for the subtree at `root` (marks its filesystem); throws EPERM, EOPNOTSUPP, … */
export type PathListenerFactory = (root: string, handlers: PathListenerHandlers) => PathListener;

/** How long one slice of the background scan may run before events get their turn (ms). */
const SCAN_SLICE_MS = 8;

/** Mount points strictly below `root`, from /proc/self/mountinfo (none when it cannot be read). */
export function mountPointsBelow(root: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = root === '/' ? '/' : root + '/';
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp.startsWith(prefix) && mp.length > prefix.length) out.add(mp);
  }
  return [...out].sort();
}

export class FanSync extends TreeRescan {
  private readonly listeners: PathListener[] = [];
  /** Mount points below the root: true when their own listener covers them, false when polled. */
  private readonly mounts = new Map<string, boolean>();
  private readonly scanStack: DirNode[] = [];
  private scanTimer: NodeJS.Immediate | null = null;
  private finishQueued = false;
  private overflows = 0;
  private quietAt = 0;
  private probing = false;
  private probeAgain = false;
  private scanCount = 0;

  constructor(
    rootPath: string,
    fs: WatcherFs,
    opts: SyncOptions,
    sink: SyncSink,
    private readonly factory: PathListenerFactory,
    adopt?: DirNode,
  ) {
    super(rootPath, null, fs, opts, sink, adopt);
  }

  // ---------------------------------------------------------------- startup

  /**
   * Mark the root's filesystem (and those mounted below it), then list the
   * tree (no watch per directory: one readdir each). Throws what the root's
   * mark throws (EPERM without CAP_SYS_ADMIN, EOPNOTSUPP, ENOENT, ENOTDIR).
   */
  start(): void {
    const st = this.fs.stat(this.root.path);
    if (st === null) throw sysError('ENOENT', 'watch', this.root.path);
    if (st.kind !== KIND_DIR) throw sysError('ENOTDIR', 'watch', this.root.path, 'the Watcher watches a directory tree');
    this.markAll(st.dev);
    this.quietAt = this.lastPollAt = this.fs.now();
    this.root.flags |= DIR_UNLISTED;
    this.scanStack.push(this.root);
    this.scanSlice(Infinity);
  }

  /**
   * Taking over a model kept until now by inotify (the watch limit), first:
   * place the marks. Throws (EPERM, EOPNOTSUPP, ENOENT…) with the model
   * untouched.
   */
  mark(): void {
    const st = this.fs.stat(this.root.path);
    if (st === null) throw sysError('ENOENT', 'watch', this.root.path);
    this.markAll(st.dev);
  }

  /**
   * Then diff the tree against the adopted model from `since` (every change
   * before it had been reported), emitting the delta and `resync`.
   */
  resyncAdopted(since: number): void {
    for (const d of subtreeDirs(this.root)) d.wd = -1; // those were the inotify instance's
    this.quietAt = this.lastPollAt = this.fs.now();
    this.rescan(since);
  }

  private markAll(rootDev: number): void {
    const handlers = this.handlers();
    this.listeners.push(this.factory(this.root.path, handlers));
    for (const mp of mountPointsBelow(this.root.path)) {
      const st = this.fs.stat(mp);
      if (st === null || st.kind !== KIND_DIR) continue;
      if (st.dev === rootDev) {
        this.mounts.set(mp, false); // a bind mount of the same filesystem: its events carry other paths
        continue;
      }
      try {
        this.listeners.push(this.factory(mp, handlers));
        this.mounts.set(mp, true);
      } catch {
        this.mounts.set(mp, false); // no file handles there (proc, some FUSE…): polled
      }
    }
  }

  private handlers(): PathListenerHandlers {
    return {
      onEvent: (e) => this.onPathEvent(e),
      onOverflow: () => this.onOverflow(),
      onError: (e) => this.sink.error(e),
    };
  }

  /** Every event queued in the kernel before the call has been applied. */
  async barrier(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.flush()));
  }

  /** In this mode a directory is covered by its filesystem's mark, or polled. */
  protected override watchDir(d: DirNode): number {
    if (this.diffing > 0) d.flags &= ~DIR_QUIET; // a rescan reports what it finds: the model is exact again
    const covered = this.mounts.size === 0 ? undefined : this.mounts.get(d.path);
    return covered === false ? W_LIMIT : W_OK;
  }

  private scheduleScan(): void {
    if (this.scanTimer !== null || this.stopped) return;
    this.scanTimer = setImmediate(() => {
      this.scanTimer = null;
      this.scanSlice(SCAN_SLICE_MS);
    });
    if (!this.opts.persistent) this.scanTimer.unref();
  }

  /** List directories of the background scan for up to `budgetMs` (Infinity: to the end). */
  private scanSlice(budgetMs: number): void {
    if (this.stopped || this.rootLost) return;
    const until = performance.now() + budgetMs;
    const found: DirNode[] = [];
    let n = 0;
    for (let d = this.scanStack.pop(); d !== undefined; d = this.scanStack.pop()) {
      if ((d.flags & DIR_UNLISTED) === 0 || !isAttached(d, this.root)) continue;
      d.flags &= ~DIR_UNLISTED;
      if (this.contentsIgnored(d)) {
        d.flags |= DIR_CONTENTS_IGNORED;
        continue;
      }
      const parentPolled = d.parent !== null && (d.parent.flags & DIR_POLLED) !== 0;
      const polled = parentPolled || this.watchDir(d) === W_LIMIT;
      if (polled) this.markPolled(d);
      else d.flags |= DIR_QUIET;
      this.listNew(d, polled, false, found);
      for (const c of found) {
        c.flags |= DIR_UNLISTED;
        this.scanStack.push(c);
      }
      found.length = 0;
      if ((++this.scanCount & 1023) === 0) this.opts.onProgress?.(this.scanCount);
      if ((++n & 15) === 0 && performance.now() >= until) break;
    }
    if (this.scanStack.length > 0) {
      this.scheduleScan();
      return;
    }
    this.opts.onProgress?.(this.scanCount);
    this.finish();
  }

  // ---------------------------------------------------------------- events

  private onPathEvent(e: PathEvent): void {
    if (this.stopped || this.rootLost) return;
    switch (e.type) {
      case 'modify':
        this.changed('modify', e.path, e.isDirectory);
        break;
      case 'close-write':
        this.changed('write-complete', e.path, e.isDirectory);
        break;
      case 'attrib':
        this.changed('attrib', e.path, e.isDirectory);
        break;
      case 'create':
      case 'move-to':
        if (e.path === this.root.path) this.loseRoot();
        else this.created(e.path, e.isDirectory, e.type === 'move-to');
        break;
      case 'delete':
      case 'move-from':
        if (e.path === this.root.path) this.loseRoot();
        else this.deleted(e.path, e.isDirectory);
        break;
      case 'rename':
        if (e.path === this.root.path || e.oldPath === this.root.path) this.loseRoot();
        else this.renamed(e.oldPath ?? e.path, e.path, e.isDirectory);
        break;
      case 'overflow':
        this.onOverflow();
        return;
    }
    this.endSoon();
  }

  /**
   * Where `path` goes in the model: its parent directory when the model
   * holds it listed, 'unknown' when not (yet) — the event is passed on —
   * or 'ignored' when an ignore rule or a non-recursive Watcher excludes it.
   */
  private locate(path: string, isDir: boolean): DirNode | 'unknown' | 'ignored' {
    const rootPath = this.root.path;
    if (rootPath !== '/' && (path.length <= rootPath.length || path.charCodeAt(rootPath.length) !== 47 || !path.startsWith(rootPath))) return 'ignored';
    const rel = path.slice(this.relStart);
    const slash = rel.lastIndexOf('/');
    const name = slash < 0 ? rel : rel.slice(slash + 1);
    if (slash >= 0 && !this.opts.recursive) return 'ignored';
    let d: DirNode = this.root;
    let known = true;
    let start = 0;
    while (start <= slash) {
      const end = rel.indexOf('/', start);
      if (known) {
        if ((d.flags & (DIR_UNLISTED | DIR_CONTENTS_IGNORED)) !== 0) {
          if (d.flags & DIR_CONTENTS_IGNORED) return 'ignored';
          known = false;
        } else {
          const next = d.children.get(rel.slice(start, end));
          if (next instanceof DirNode) d = next;
          else known = false;
        }
      }
      if (!known && !this.opts.ignore.empty) {
        // Not in the model: maybe because this ancestor is ignored (never listed), or its contents are.
        const dirRel = rel.slice(0, end);
        if (this.opts.ignore.contentsIgnored(dirRel) || this.ignoredPath(path.slice(0, this.relStart + end), rel.slice(start, end), true)) return 'ignored';
      }
      start = end + 1;
    }
    if (known && (d.flags & DIR_CONTENTS_IGNORED) !== 0) return 'ignored';
    if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) return 'ignored';
    if (!known || (d.flags & DIR_UNLISTED) !== 0) return 'unknown';
    return d;
  }

  private nameOf(path: string): string {
    return path.slice(path.lastIndexOf('/') + 1);
  }

  private changed(type: WatchEventType, path: string, isDir: boolean): void {
    if (path === this.root.path) {
      if (type === 'attrib') this.sink.event('attrib', path, true, undefined, false);
      return;
    }
    if (this.locate(path, isDir) === 'ignored') return;
    this.sink.event(type, path, isDir, undefined, false);
  }

  private created(path: string, isDir: boolean, movedIn: boolean): void {
    const parent = this.locate(path, isDir);
    if (parent === 'ignored') return;
    if (parent === 'unknown') {
      this.sink.event('create', path, isDir, undefined, false);
      if (movedIn && isDir) this.reportContents(path);
      return;
    }
    const name = this.nameOf(path);
    const existing = parent.children.get(name);
    if (existing !== undefined) {
      if (existing instanceof DirNode === isDir) {
        if (parent.flags & DIR_QUIET) {
          // Found by the silent scan: news to the consumer, and so is what it brought along.
          this.sink.event('create', path, isDir, undefined, false);
          if (movedIn && isDir) this.reportContents(path);
        }
        return; // else already reported by a listing
      }
      this.removeEntry(parent, name, existing, path);
    }
    this.insert(parent, name, path, isDir, movedIn);
  }

  /**
   * A new entry in a listed directory: a file, an empty directory born
   * under the mark, or (moved in) a directory whose contents are listed and
   * reported.
   */
  private insert(parent: DirNode, name: string, path: string, isDir: boolean, movedIn: boolean): void {
    if (!isDir) {
      parent.children.set(name, KIND_FILE);
      this.sink.event('create', path, false, undefined, false);
      return;
    }
    const node = new DirNode(name, parent, path);
    parent.children.set(name, node);
    this.sink.event('create', path, true, undefined, false);
    if (movedIn) this.populate(node, true); // its contents came unannounced
    else if (this.contentsIgnored(node)) node.flags |= DIR_CONTENTS_IGNORED;
    // else: born empty under the mark; every entry made in it raises its own event
  }

  private deleted(path: string, isDir: boolean): void {
    const parent = this.locate(path, isDir);
    if (parent === 'ignored') return;
    if (parent === 'unknown') {
      this.sink.event('delete', path, isDir, undefined, false);
      return;
    }
    const name = this.nameOf(path);
    const existing = parent.children.get(name);
    if (existing === undefined) {
      if (parent.flags & DIR_QUIET) this.sink.event('delete', path, isDir, undefined, false);
      return; // already reported by a diff
    }
    this.removeEntry(parent, name, existing, path);
  }

  private renamed(oldPath: string, path: string, isDir: boolean): void {
    const from = this.locate(oldPath, isDir);
    const to = this.locate(path, isDir);
    if (from === 'ignored') {
      if (to !== 'ignored') this.created(path, isDir, true);
      return;
    }
    if (to === 'ignored') {
      this.deleted(oldPath, isDir);
      return;
    }
    const oldName = this.nameOf(oldPath);
    const name = this.nameOf(path);
    let entry: Entry | undefined;
    if (from !== 'unknown') {
      entry = from.children.get(oldName);
      if (entry !== undefined) from.children.delete(oldName);
    }
    if (to === 'unknown') {
      if (entry instanceof DirNode) this.dropSubtree(entry); // the scan will list it where it is now
      this.sink.event('rename', path, isDir, oldPath, false);
      return;
    }
    const existing = to.children.get(name);
    if (entry === undefined && existing !== undefined && from !== 'unknown' && (from.flags & DIR_QUIET) === 0 && (to.flags & DIR_QUIET) === 0) {
      return; // a rescan already found it at its new name
    }
    if (existing !== undefined && existing !== entry && existing instanceof DirNode) this.dropSubtree(existing);
    if (entry === undefined) {
      if (isDir) {
        // Its contents are not in the model: the scan lists them (silently: they only moved).
        const node = new DirNode(name, to, path);
        node.flags |= DIR_UNLISTED;
        to.children.set(name, node);
        this.scanStack.push(node);
        this.scheduleScan();
      } else {
        to.children.set(name, KIND_FILE);
      }
    } else {
      to.children.set(name, entry);
      if (entry instanceof DirNode) this.reattach(entry, to, name);
    }
    this.sink.event('rename', path, isDir || entry instanceof DirNode, oldPath, existing !== undefined);
  }

  /** A directory moved in where the model has no place for it: report its contents as creates, model untouched. */
  private reportContents(top: string): void {
    const stack = [top];
    for (let dir = stack.pop(); dir !== undefined; dir = stack.pop()) {
      const d = dir;
      try {
        this.fs.list(d, (name, kind) => {
          const path = d === '/' ? '/' + name : d + '/' + name;
          const isDir = kind === KIND_DIR;
          if (this.locate(path, isDir) === 'ignored') return;
          this.sink.event('create', path, isDir, undefined, false);
          if (isDir) stack.push(path);
        });
      } catch {
        // Gone or unreadable meanwhile: its own events (or none) tell.
      }
    }
  }

  /** Deliver at the end of this burst of events, and arm the quiet probe. */
  private endSoon(): void {
    if (this.finishQueued) return;
    this.finishQueued = true;
    queueMicrotask(() => {
      this.finishQueued = false;
      if (this.stopped) return;
      this.finish();
      this.armQuietProbe();
    });
  }

  private armQuietProbe(): void {
    if (this.probing) {
      this.probeAgain = true;
      return;
    }
    this.probing = true;
    this.probeAgain = false;
    const armedAt = this.fs.now();
    const overflows = this.overflows;
    this.barrier().then(
      () => {
        this.probing = false;
        if (this.overflows === overflows) this.quietAt = armedAt;
        if (this.probeAgain && !this.stopped) this.armQuietProbe();
      },
      () => {
        this.probing = false;
      },
    );
  }

  // ---------------------------------------------------------------- overflow

  private onOverflow(): void {
    if (this.stopped || this.rootLost) return;
    this.overflows++;
    this.finish();
    // Complete the model first (silently: nothing in it was reported), then diff the whole tree.
    if (this.scanTimer !== null) clearImmediate(this.scanTimer);
    this.scanTimer = null;
    this.scanSlice(Infinity);
    this.rescan(this.syncTime());
  }

  protected override syncTime(): number {
    return this.quietAt - this.fs.clockSlackMs;
  }

  // ---------------------------------------------------------------- queries and lifetime

  override coverage(): Coverage {
    const c = super.coverage();
    const marked = this.rootLost ? [] : [this.root.path, ...[...this.mounts].filter(([, ok]) => ok).map(([mp]) => mp)];
    return { ...c, watchedDirs: 0, eventDriven: marked, fanotify: marked, complete: c.complete && !this.rootLost };
  }

  protected override stopTimers(): void {
    super.stopTimers();
    if (this.scanTimer !== null) clearImmediate(this.scanTimer);
    this.scanTimer = null;
  }

  /** Stop, and close the listeners (their reader threads end, the marks go). */
  async close(): Promise<void> {
    this.stop();
    await Promise.all(this.listeners.splice(0).map((l) => l.close()));
  }
}
