/**
 * The portable host source on Node's fs.watch: for platforms without the
 * kernel source, or where its FFI cannot be loaded.
 *
 * One non-recursive fs.watch per marked object (a directory, a file; for a
 * symlink looked up without following, the directory holding it), shared by
 * every group: it exists while the object's union mask is non-zero. fs.watch
 * only says "something changed here"; the change itself is found by diffing
 * stat snapshots (snapshot.ts, snapshot-source.ts). Notifications that
 * arrive in one turn of the event loop are scanned as one batch on the next
 * (setImmediate), so a rename between two watched directories, whose two
 * notifications the platform delivers together, pairs into MOVED_FROM /
 * MOVED_TO with one cookie.
 *
 * An fs.watch 'error' first rescans the object (Windows reports EPERM when a
 * watched directory is removed: the rescan reports that as DELETE_SELF);
 * if the object is still there, the error goes to its groups (failObjects)
 * and its marks are destroyed. Nothing is swallowed.
 *
 * LIMITATIONS (`limitations` says each in one sentence): no IN_OPEN,
 * IN_ACCESS or IN_CLOSE_* (a stat cannot see them); changes between two
 * diffs coalesce (created-and-written is IN_CREATE alone); a write keeping
 * size and mtime is invisible; touch(1) is IN_MODIFY, not IN_ATTRIB; cookies
 * pair only renames seen within one batch (else IN_DELETE / IN_CREATE); the
 * order within a batch is fixed, not the operations' order; a watched object
 * its path stops naming and that is not found nearby gets IN_DELETE_SELF
 * (moved away, ancestor renamed, replaced, unlinked while open); no
 * IN_UNMOUNT; no IN_Q_OVERFLOW from the source (a group's own full queue
 * still queues one); a notification the platform drops leaves its change
 * unseen until the next one there or a flush(); IN_DONT_FOLLOW on a symlink
 * watches the directory holding it.
 */
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { fsError } from '../snapshot.js';
import { SNAPSHOT_LIMITATIONS, SnapshotSource } from '../snapshot-source.js';
import type { SnapshotInode, SnapshotSourceOptions } from '../snapshot-source.js';

export const FSWATCH_LIMITATIONS: readonly string[] = [
  ...SNAPSHOT_LIMITATIONS,
  'a change is seen only when fs.watch reports activity on the object: if the platform drops notifications (its own queue overflowed), the change stays unseen until the next notification there or a flush()',
  'IN_DONT_FOLLOW on a symlink is emulated by watching the directory holding the link',
];

export interface FsWatchSourceOptions extends SnapshotSourceOptions {}

export class FsWatchSource extends SnapshotSource {
  readonly kind = 'fswatch';
  readonly limitations = FSWATCH_LIMITATIONS;
  private readonly watchers = new Map<SnapshotInode, FSWatcher>();
  private readonly dirty = new Set<SnapshotInode>();
  private immediate: NodeJS.Immediate | null = null;

  constructor(opts: FsWatchSourceOptions = {}) {
    super(opts);
  }

  protected watchCount(): number {
    return this.watchers.size;
  }

  protected arm(obj: SnapshotInode): void {
    // fs.watch follows symlinks: a link itself is watched through its directory.
    const target = obj.self.isSymlink && !obj.follow ? dirname(obj.path) : obj.path;
    const watcher = watch(target, { persistent: this.persistent, recursive: false }, () => this.touch(obj));
    watcher.on('error', (e) => this.onWatchError(obj, e));
    this.watchers.set(obj, watcher);
  }

  protected disarm(obj: SnapshotInode): void {
    const watcher = this.watchers.get(obj);
    if (!watcher) return;
    this.watchers.delete(obj);
    this.dirty.delete(obj);
    watcher.close();
  }

  /** The path changed: some platforms watch paths, not inodes, so watch the new one. */
  protected override relocated(obj: SnapshotInode): void {
    this.disarm(obj);
    try {
      this.arm(obj);
    } catch (e) {
      this.fail(obj, fsError(e, 'fs.watch', obj.path, 'cannot watch the new path after a rename'));
      return;
    }
    // Whatever changed while no watch was held is found by the next diff.
    this.touch(obj);
  }

  /** fs.watch said something changed: scan with everything else reported in this turn. */
  private touch(obj: SnapshotInode): void {
    if (!this.isLive(obj)) return;
    this.dirty.add(obj);
    this.immediate ??= setImmediate(() => {
      this.immediate = null;
      const batch = [...this.dirty];
      this.dirty.clear();
      this.scan(batch);
    });
    if (!this.persistent) this.immediate.unref();
  }

  /** An fs.watch 'error': rescan first (it may be the object's removal), then fail what is left. */
  protected onWatchError(obj: SnapshotInode, error: Error): void {
    if (!this.isLive(obj)) return;
    this.dirty.delete(obj);
    this.scan([obj]);
    if (this.isLive(obj)) this.fail(obj, fsError(error, 'fs.watch', obj.path));
  }

  override flush(): Promise<void> {
    this.dirty.clear();
    return super.flush();
  }

  override async close(): Promise<void> {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    this.dirty.clear();
    await super.close();
  }
}
