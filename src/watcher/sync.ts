/**
 * TreeSync: keeps the Watcher's model (model.ts) in step with the tree
 * through one inotify instance, and says what changed.
 *
 * THE NEW-DIRECTORY RACE. A directory is always watched before it is
 * listed (`populate`). Whatever was created in it before the watch existed
 * is in the listing; whatever is created after raises an event; what falls
 * in between shows up in both, and the model dedupes: a CREATE for a name
 * already known is dropped. So `mkdir -p a/b/c && touch a/b/c/f` loses
 * nothing: CREATE a → watch a, list a (finds b) → watch b, list b (finds
 * c) → … → f is reported as a create whichever way it was seen.
 *
 * RENAMES. MOVED_FROM detaches the entry and waits for the MOVED_TO with
 * the same cookie; a pair is a `rename` (a directory keeps its watches, only
 * the paths below it are rewritten). A MOVED_FROM still unpaired at the end
 * of its batch is a move out of the tree (`delete`, its watches removed); on
 * the host, where a read may split a pair, one that ends a batch waits for
 * the next batch or `moveGraceMs`. A MOVED_TO without a pair is a create.
 *
 * OVERFLOW. A batch holding IN_Q_OVERFLOW is not applied: the tree is
 * rescanned (`resync`) and diffed against the model. New names are creates,
 * missing names deletes, and a file still there is modified when its mtime
 * (attrib: its ctime) is not older than `syncTime()`, a moment before which
 * every event had been read: on an in-memory tree, the start of the read
 * before (exact); on the host, the last time the reader thread was seen
 * idle (`quietAt`), minus the clock's slack. Every change lost in the
 * overflow is at or after it, so none is missed; a file changed between it
 * and the overflow (already reported) may be reported modified again. Then
 * `resync` is emitted.
 *
 * THE WATCH LIMIT. Before a watch is added its count is checked against the
 * ceiling learned at the last ENOSPC ("count before registering"); a
 * directory refused a watch is polled with everything below it: its files
 * kept as stat snapshots, diffed every `pollIntervalMs`. Each poll first
 * tries to watch the polled subtrees again (the ceiling is retried every
 * ten polls), so coverage heals when watches are freed.
 */
import type { InotifyEvent } from '../inotify/index.js';
import {
  IN_ATTRIB,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
} from '../inotify/index.js';
import { sysError } from '../errors.js';
import { KIND_DIR, KIND_FILE, KIND_SYMLINK } from './fs-adapter.js';
import {
  childPath,
  DIR_ALIAS,
  DIR_CONTENTS_IGNORED,
  DIR_DETACHED,
  DIR_POLLED,
  DIR_SYMLINK,
  DirNode,
  markDetached,
} from './model.js';
import type { WatchEventType } from './types.js';
import { TreeRescan } from './rescan.js';
import { SPLIT_PAIR_WINDOW, W_ALIAS, W_DENIED, W_GONE, W_LIMIT, W_OK, type PendingMove } from './tree.js';
export type { SyncOptions, SyncSink } from './tree.js';

export class TreeSync extends TreeRescan {
  private batchSeq = 0;
  /** fs clock at the start of the latest batch, and of the one before it. */
  private lastReadAt = 0;
  private prevReadAt = 0;
  /**
   * The host's bound for what an overflow lost: a moment at which every
   * event before it had been read. Set when a probe armed at the end of a
   * batch fires with no batch in between (the reader thread had nothing
   * more for us): a stalled or saturated pipeline never advances it, so an
   * overflow rescan may report a file modified that was not (since this
   * moment), never miss one.
   */
  private quietAt = 0;
  private quietProbe: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private quietArmedAt = 0;
  private probeSeq = 0;
  private moveTimer: NodeJS.Timeout | null = null;

  // ---------------------------------------------------------------- startup

  /**
   * The initial scan: watch then list every directory, reporting nothing.
   * Throws what watching the root throws (ENOENT, ENOTDIR, EACCES, …).
   */
  scan(): void {
    const now = this.fs.now();
    this.lastReadAt = this.prevReadAt = this.lastPollAt = this.quietAt = now;
    const st = this.fs.stat(this.root.path);
    if (st === null) throw sysError('ENOENT', 'watch', this.root.path);
    if (st.kind !== KIND_DIR) {
      throw sysError('ENOTDIR', 'watch', this.root.path, 'the Watcher watches a directory tree; use inotifyInit() for one file');
    }
    const status = this.watchDir(this.root, null);
    if (status === W_GONE || status === W_DENIED || status === W_ALIAS) throw this.lastWatchError ?? sysError('ENOENT', 'watch', this.root.path);
    if (status === W_LIMIT) this.markPolled(this.root);
    this.populate(this.root, false, this.opts.onProgress, status === W_OK);
    if (this.orphans.length > 0) this.revalidateOrphans();
    this.releaseWds();
    if (this.toWiden.length > 0) this.widen();
    this.sink.flush(); // nothing to report from a scan, unless an orphan's revalidation found changes
    this.coverageDirty = false;
  }

  // ---------------------------------------------------------------- events

  /** Apply one batch of kernel events (one read) and deliver what it meant. */
  applyBatch(events: readonly InotifyEvent[]): void {
    if (this.stopped || this.rootLost) return;
    this.prevReadAt = this.lastReadAt;
    this.lastReadAt = this.fs.now();
    this.batchSeq++;
    this.applyEvents(events);
    if (this.opts.quietProbeMs > 0) this.armQuietProbe();
  }

  private applyEvents(events: readonly InotifyEvent[]): void {
    const n = events.length;
    for (let i = 0; i < n; i++) {
      if (events[i]!.mask & IN_Q_OVERFLOW) {
        this.overflowBatch(events);
        return;
      }
    }
    const raw = this.sink.rawWanted;
    for (let i = 0; i < n; i++) {
      const ev = events[i]!;
      if (this.pending.length > 0) this.settleMoves(ev, i);
      const dir = this.byWd.get(ev.wd);
      if (dir === undefined || dir.flags & DIR_DETACHED) continue;
      if (raw) this.sink.raw(ev, dir.path, false);
      const mask = ev.mask;
      if (mask & IN_IGNORED) {
        this.watchGone(dir);
        continue;
      }
      const name = ev.name;
      if (name === '') {
        if (dir === this.root) this.rootEvent(mask);
        if (this.rootLost) break;
        continue;
      }
      const isDir = (mask & IN_ISDIR) !== 0;
      if (mask & IN_MODIFY) this.changed('modify', dir, name, isDir);
      else if (mask & IN_CLOSE_WRITE) this.changed('write-complete', dir, name, isDir);
      else if (mask & IN_ATTRIB) this.changed('attrib', dir, name, isDir);
      else if (mask & IN_CREATE) this.created(dir, name, isDir);
      else if (mask & IN_DELETE) this.deleted(dir, name);
      else if (mask & IN_MOVED_FROM) this.movedFrom(dir, name, isDir, ev.cookie);
      else if (mask & IN_MOVED_TO) this.movedTo(dir, name, isDir, ev.cookie);
    }
    this.endBatch();
  }

  private changed(type: WatchEventType, dir: DirNode, name: string, isDir: boolean): void {
    const path = childPath(dir, name);
    if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) return;
    this.sink.event(type, path, isDir, undefined, false);
  }

  private created(dir: DirNode, name: string, isDir: boolean): void {
    const path = childPath(dir, name);
    if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) return;
    const existing = dir.children.get(name);
    if (existing !== undefined) {
      if (existing instanceof DirNode === isDir) return; // already found by a listing
      this.removeEntry(dir, name, existing, path);
    }
    let viaLink = false;
    if (!isDir && this.opts.followSymlinks && this.fs.lstat(path)?.kind === KIND_SYMLINK && this.fs.stat(path)?.kind === KIND_DIR) {
      isDir = viaLink = true;
    }
    if (!isDir) {
      dir.children.set(name, KIND_FILE);
      this.sink.event('create', path, false, undefined, false);
      return;
    }
    const node = new DirNode(name, dir, path);
    if (viaLink) node.flags |= DIR_SYMLINK;
    dir.children.set(name, node);
    this.sink.event('create', path, true, undefined, false);
    this.populate(node, true);
  }

  private deleted(dir: DirNode, name: string): void {
    const existing = dir.children.get(name);
    if (existing !== undefined) this.removeEntry(dir, name, existing, childPath(dir, name));
  }

  private movedFrom(dir: DirNode, name: string, isDir: boolean, cookie: number): void {
    const entry = dir.children.get(name);
    if (entry !== undefined) {
      dir.children.delete(name);
      if (entry instanceof DirNode) markDetached(entry);
    }
    this.pending.push({ cookie, entry, path: childPath(dir, name), isDir, seq: this.batchSeq });
  }

  private movedTo(dir: DirNode, name: string, isDir: boolean, cookie: number): void {
    let from: PendingMove | undefined;
    for (let k = this.pending.length - 1; k >= 0; k--) {
      if (this.pending[k]!.cookie === cookie) {
        from = this.pending[k];
        this.pending.splice(k, 1);
        break;
      }
    }
    const path = childPath(dir, name);
    if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) {
      if (from !== undefined) this.movedOut(from);
      return;
    }
    const entry = from?.entry;
    if (from === undefined || entry === undefined) {
      this.created(dir, name, isDir);
      return;
    }
    const existing = dir.children.get(name);
    if (existing instanceof DirNode) this.dropSubtree(existing);
    dir.children.set(name, entry);
    if (entry instanceof DirNode) {
      this.reattach(entry, dir, name);
      // Found gone when its CREATE was handled (it had moved on already): watch it now.
      if (entry.wd === -1 && (entry.flags & (DIR_POLLED | DIR_ALIAS | DIR_CONTENTS_IGNORED)) === 0) this.orphans.push(entry);
    }
    this.sink.event('rename', path, entry instanceof DirNode || isDir, from.path, existing !== undefined);
  }

  private movedOut(move: PendingMove): void {
    const entry = move.entry;
    if (entry === undefined) return;
    if (entry instanceof DirNode) this.dropSubtree(entry);
    // A MOVED_FROM left by an earlier batch happened before everything of this one: its delete goes first.
    this.sink.event('delete', move.path, entry instanceof DirNode || move.isDir, undefined, false, move.seq < this.batchSeq);
  }

  /** IN_IGNORED: the kernel dropped the watch (deleted, unmounted, or removed by us). */
  private watchGone(dir: DirNode): void {
    if (this.byWd.get(dir.wd) === dir) this.byWd.delete(dir.wd);
    dir.wd = -1;
    if (dir === this.root) this.loseRoot();
    else this.orphans.push(dir);
  }

  /** A self event on the root: attrib, or the root itself went away. */
  private rootEvent(mask: number): void {
    if (mask & IN_ATTRIB) this.sink.event('attrib', this.root.path, true, undefined, false);
    else if (mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT)) this.loseRoot();
  }

  private endBatch(): void {
    if (this.pending.length > 0) {
      if (this.opts.moveGraceMs <= 0) {
        this.resolveMoves(Infinity);
      } else {
        // A pair split by the read is completed by the next batch: only older ones are move-outs now.
        this.resolveMoves(this.batchSeq);
        if (this.pending.length > 0) this.armMoveTimer();
      }
    }
    if (this.orphans.length > 0) this.revalidateOrphans();
    this.releaseWds();
    this.finish();
  }

  /**
   * Before event `i`: the kernel queues a rename's MOVED_TO right after its
   * MOVED_FROM, so a pending MOVED_FROM not paired by this event was a move
   * out — reported now, in order. One left by the previous batch (the read
   * split the pair) gets the first few events of this one.
   */
  private settleMoves(ev: InotifyEvent, i: number): void {
    const pairing = ev.mask & IN_MOVED_TO ? ev.cookie : -1;
    let keep: PendingMove[] | null = null;
    for (const move of this.pending) {
      if (move.cookie === pairing || (move.seq < this.batchSeq && i < SPLIT_PAIR_WINDOW)) (keep ??= []).push(move);
      else this.movedOut(move);
    }
    this.pending = keep ?? [];
  }

  /** Pending MOVED_FROMs of batches before `beforeSeq` are moves out of the tree. */
  private resolveMoves(beforeSeq: number): void {
    const keep: PendingMove[] = [];
    for (const move of this.pending) {
      if (move.seq < beforeSeq) this.movedOut(move);
      else keep.push(move);
    }
    this.pending = keep;
  }

  private armMoveTimer(): void {
    if (this.moveTimer !== null) return;
    const upTo = this.batchSeq + 1;
    const settle = (): void => {
      if (this.moveTimer !== null) clearTimeout(this.moveTimer);
      this.moveTimer = null;
      if (this.stopped || this.pending.length === 0) return;
      this.resolveMoves(upTo);
      this.finish();
      if (this.pending.length > 0) this.armMoveTimer();
    };
    this.moveTimer = setTimeout(settle, this.opts.moveGraceMs);
    this.moveTimer.unref();
    // The barrier resolves once every event queued before it was dispatched;
    // setImmediate lets the read loop take them (a MOVED_TO among them pairs).
    this.opts.barrier?.().then(
      () => setImmediate(settle),
      () => undefined, // the timer still settles it
    );
  }

  protected override stopTimers(): void {
    super.stopTimers();
    if (this.moveTimer !== null) clearTimeout(this.moveTimer);
    if (this.quietProbe !== null) {
      clearTimeout(this.quietProbe as NodeJS.Timeout);
      clearImmediate(this.quietProbe as NodeJS.Immediate);
    }
    this.moveTimer = null;
    this.quietProbe = null;
  }

  /**
   * Before the model is handed to another keeper (the switch to fanotify):
   * MOVED_FROMs still waiting for their pair are moves out, reported now.
   * Returns the moment from which changes the kernel may not have reported
   * yet are to be looked for (see syncTime).
   */
  release(): number {
    this.resolveMoves(Infinity);
    this.finish();
    const since = this.syncTime();
    this.stop();
    return since;
  }

  // ---------------------------------------------------------------- overflow

  /** A batch with IN_Q_OVERFLOW: drop it, rescan, diff, emit `resync`. */
  private overflowBatch(events: readonly InotifyEvent[]): void {
    const raw = this.sink.rawWanted;
    for (const ev of events) {
      if (ev.mask & IN_Q_OVERFLOW) {
        if (raw) this.sink.raw(ev, '', false);
        continue;
      }
      const dir = this.byWd.get(ev.wd);
      if (dir === undefined) continue;
      if (raw) this.sink.raw(ev, dir.path, false);
      if (ev.mask & IN_IGNORED) {
        this.byWd.delete(ev.wd);
        dir.wd = -1;
      }
    }
    this.resolveMoves(Infinity);
    this.orphans = [];
    this.rescan(this.syncTime());
  }

  /** The moment from which an overflow's lost changes are looked for (fs clock, ms). */
  protected override syncTime(): number {
    return (this.opts.quietProbeMs > 0 ? this.quietAt : this.prevReadAt) - this.fs.clockSlackMs;
  }

  /** After a batch: see whether the reader thread goes quiet (then everything before now was read). */
  private armQuietProbe(): void {
    this.probeSeq = this.batchSeq;
    if (this.quietProbe !== null) return;
    this.quietArmedAt = this.fs.now();
    this.quietProbe = setTimeout(() => {
      // Through one poll phase first: a message already posted is dispatched before the check.
      this.quietProbe = setImmediate(() => this.quietProbeCheck());
    }, this.opts.quietProbeMs);
    this.quietProbe.unref();
  }

  private quietProbeCheck(): void {
    this.quietProbe = null;
    if (this.stopped) return;
    if (this.batchSeq === this.probeSeq) {
      this.quietAt = this.quietArmedAt; // nothing came since the probe was armed: everything before was read
      return;
    }
    this.armQuietProbe();
  }
}
