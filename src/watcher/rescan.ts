/**
 * TreeRescan: diffing the tree against the model — after an overflow
 * (`rescan`), for a directory that lost its watch (`revalidateOrphans`),
 * and for the subtrees polled at the watch limit (`poll`). One walk,
 * `resync`, serves all three: it (re)watches each directory it can, lists
 * it, removes what is gone, adds what is new (a new directory's contents
 * all reported as creates), and finds modified files by stat: against
 * their snapshot in a polled directory, else against `syncTime()`.
 */
import { IN_ATTRIB, IN_MODIFY } from '../inotify/index.js';
import { errorCode, KIND_DIR, KIND_SYMLINK, type EntryKind } from './fs-adapter.js';

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
} from './model.js';
import type { WatchEventType } from './types.js';
import { TreeBase, W_ALIAS, W_DENIED, W_GONE, W_LIMIT } from './tree.js';

export abstract class TreeRescan extends TreeBase {
  protected lastPollAt = 0;
  protected pollTicks = 0;

  /** The moment from which an overflow's lost changes are looked for (fs clock, ms): see sync.ts. */
  protected abstract syncTime(): number;

  /** Directories that lost their watch but are still in the model: watch and diff them again. */
  protected revalidateOrphans(): void {
    // Revalidating one may orphan another (a watch taken over): a few rounds settle it.
    for (let round = 0; round < 8 && this.orphans.length > 0; round++) {
      const list = this.orphans;
      this.orphans = [];
      for (const d of list) {
        if (d.wd !== -1 || (d.flags & (DIR_POLLED | DIR_ALIAS | DIR_CONTENTS_IGNORED)) !== 0) continue;
        if (!isAttached(d, this.root)) continue;
        this.resync(d, this.syncTime(), false);
      }
    }
    this.orphans = [];
  }

  /**
   * Rescan the whole tree and emit the difference from the model, then
   * `resync`. Files modified at or after `since` (fs clock, ms) are reported
   * modified. Called on overflow, and by Watcher.rescan().
   */
  rescan(since = this.syncTime()): void {
    if (this.stopped || this.rootLost) return;
    this.resync(this.root, since, false);
    if (this.orphans.length > 0) this.revalidateOrphans();
    this.releaseWds();
    if (!this.rootLost) this.sink.event('resync', this.root.path, true, undefined, false);
    this.finish();
  }

  /**
   * Diff the subtree of `top` against the disk, watching what can be
   * watched, and fix the model. `pollOnly`: visit only unwatched
   * directories (a poll pass); event-driven subtrees are left alone.
   */
  protected resync(top: DirNode, since: number, pollOnly: boolean): void {
    this.diffing++;
    try {
      this.resyncWalk(top, since, pollOnly);
    } finally {
      this.diffing--;
    }
  }

  private resyncWalk(top: DirNode, since: number, pollOnly: boolean): void {
    const claimed = new Set<number>();
    const stack = [top];
    for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
      if (d.flags & DIR_CONTENTS_IGNORED) continue;
      if (pollOnly && d !== top && d.wd !== -1) continue;
      const wasPolled = (d.flags & DIR_POLLED) !== 0;
      const parentPolled = d.parent !== null && (d.parent.flags & DIR_POLLED) !== 0;
      const status = parentPolled ? W_LIMIT : this.watchDir(d, claimed);
      if (status === W_GONE) {
        this.vanished(d);
        continue;
      }
      if (status === W_ALIAS) continue;
      if (status === W_DENIED) {
        d.flags |= DIR_UNREADABLE;
        continue;
      }
      const polled = status === W_LIMIT;
      if (polled) this.markPolled(d);
      else if (wasPolled) this.unmarkPolled(d);
      const listed = new Map<string, EntryKind>();
      try {
        this.fs.list(d.path, (name, kind) => listed.set(name, kind));
      } catch (e) {
        const code = errorCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') this.vanished(d);
        else this.listFailed(d, e);
        continue;
      }
      for (const [name, entry] of d.children) {
        if (!listed.has(name)) this.removeEntry(d, name, entry, childPath(d, name));
      }
      for (const [name, listedKind] of listed) this.diffEntry(d, name, listedKind, polled, since, stack);
    }
  }

  /** One listed entry of a directory being resynced. */
  protected diffEntry(d: DirNode, name: string, listedKind: EntryKind, polled: boolean, since: number, stack: DirNode[]): void {
    const path = childPath(d, name);
    let kind = listedKind;
    let viaLink = false;
    if (kind === KIND_SYMLINK && this.opts.followSymlinks && this.fs.stat(path)?.kind === KIND_DIR) {
      kind = KIND_DIR;
      viaLink = true;
    }
    const isDir = kind === KIND_DIR;
    if (!this.opts.ignore.empty && this.ignoredPath(path, name, isDir)) return;
    const old = d.children.get(name);
    if (old !== undefined) {
      const oldIsDir = old instanceof DirNode;
      if (oldIsDir && isDir) {
        stack.push(old);
        return;
      }
      if (!oldIsDir && !isDir) {
        this.diffLeaf(d, name, path, old, polled, since);
        return;
      }
      this.removeEntry(d, name, old, path);
    }
    if (isDir) {
      const node = new DirNode(name, d, path);
      if (viaLink) node.flags |= DIR_SYMLINK;
      d.children.set(name, node);
      this.reportCreate(d, name, path, true);
      stack.push(node);
      return;
    }
    if (polled) {
      const st = this.fs.lstat(path);
      if (st === null) return;
      d.children.set(name, FileSnap.of(st));
    } else {
      d.children.set(name, kind);
    }
    this.reportCreate(d, name, path, false);
  }

  /** A leaf both known and listed: was it modified? */
  protected diffLeaf(d: DirNode, name: string, path: string, old: number | FileSnap, polled: boolean, since: number): void {
    const st = this.fs.lstat(path);
    if (st === null) {
      this.removeEntry(d, name, old, path);
      return;
    }
    let type: WatchEventType | null = null;
    if (old instanceof FileSnap) {
      if (st.ino !== old.ino || st.kind !== old.kind || st.mtimeMs !== old.mtimeMs || st.size !== old.size) type = 'modify';
      else if (st.ctimeMs !== old.ctimeMs) type = 'attrib';
      if (polled) {
        old.kind = st.kind;
        old.ino = st.ino;
        old.size = st.size;
        old.mtimeMs = st.mtimeMs;
        old.ctimeMs = st.ctimeMs;
      } else {
        d.children.set(name, st.kind); // watched now: events will tell; the snapshot goes
      }
    } else {
      // A leaf learnt from an event has kind FILE whatever it is (a CREATE does not say): times decide.
      if (st.mtimeMs >= since) type = 'modify';
      else if (st.ctimeMs >= since) type = 'attrib';
      if (polled) d.children.set(name, FileSnap.of(st));
      else if (st.kind !== old) d.children.set(name, st.kind);
    }
    if (type !== null) {
      this.sink.event(type, path, false, undefined, false);
      if (this.sink.rawWanted) this.synthesize(d, name, type === 'modify' ? IN_MODIFY : IN_ATTRIB);
    }
  }

  /** A directory found missing while resyncing it: out of the model (the root: lost). */
  protected vanished(d: DirNode): void {
    if (d === this.root) {
      this.loseRoot();
      return;
    }
    const parent = d.parent;
    if (parent !== null && parent.children.get(d.name) === d) this.removeEntry(parent, d.name, d, d.path);
    else this.dropSubtree(d);
  }

  /** One poll pass over the polled subtrees (first trying to watch them again). */
  override poll(): void {
    if (this.stopped || this.rootLost || this.pollRoots.size === 0) return;
    // Retry refused watches when the limit was raised, and every ten polls (others may have freed some).
    const limit = this.fs.watchLimit?.() ?? NaN;
    if (++this.pollTicks % 10 === 0 || (limit !== this.limitAtCeiling && !Number.isNaN(limit))) this.watchCeiling = Infinity;
    const since = this.lastPollAt - this.fs.clockSlackMs;
    this.lastPollAt = this.fs.now();
    for (const r of [...this.pollRoots]) {
      if (!this.pollRoots.has(r)) continue;
      if (!isAttached(r, this.root)) {
        this.pollRoots.delete(r);
        continue;
      }
      this.resync(r, since, true);
    }
    if (this.orphans.length > 0) this.revalidateOrphans();
    this.releaseWds();
    this.finish();
  }
}
