/**
 * The machinery both portable sources share (fs.watch and polling): host
 * objects keyed by (dev, ino) with their stat snapshots, path lookup, and
 * the batch scan that turns snapshot diffs (snapshot.ts) into core dispatch
 * shaped like the kernel's inotify records:
 * - a dirent event (CREATE, DELETE, MOVED_FROM/MOVED_TO with a fresh cookie)
 *   goes to the directory's marks with the name and no inode;
 * - a child event (MODIFY, ATTRIB) goes to the directory's marks as their
 *   PARENT, with the name and a stub inode (the child's own marks hear it
 *   from the child's own snapshot, parent first);
 * - a self event (MODIFY, ATTRIB, MOVE_SELF, DELETE_SELF) goes to the
 *   object's own marks; DELETE_SELF is followed by the destruction of its
 *   marks (each inotify group queues IN_IGNORED).
 *
 * A subclass decides when objects are scanned: `arm()` starts whatever tells
 * it (an fs.watch, a place in the poll), `disarm()` stops it, and it calls
 * `scan()` with a batch. Objects live while they have marks: the connector's
 * mask is observed, and an object whose mask drops to 0 is disarmed and
 * forgotten.
 *
 * A batch scan: (1) stat each object at its path and read each directory;
 * (2) an object its path no longer names is looked for under another name in
 * a directory of the batch, then in its old directory — found, it moved
 * (MOVE_SELF; paths under it are rewritten), else it is gone (its remaining
 * entries are DELETEs, then DELETE_SELF); (3) the directory scans are
 * diffed together, so renames pair across them; (4) snapshots are committed,
 * then events dispatched: directory by directory (a vanished watched entry's
 * own events come just before its DELETE, as the kernel's DELETE_SELF does),
 * then self events, then vanished objects not yet reported.
 */
import { isAbsolute, basename, dirname, join, resolve, sep } from 'node:path';
import { accessSync, constants as fsConstants } from 'node:fs';
import {
  destroyObjectMarks,
  FS_ATTRIB,
  FS_CREATE,
  FS_DELETE,
  FS_DELETE_SELF,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_MODIFY,
  FS_MOVE_SELF,
  FS_MOVED_FROM,
  FS_MOVED_TO,
  fsnotify,
  Limits,
  nextCookie,
  observeMask,
} from '../core/index.js';
import type { EventData, FsInode, FsPath, LookupOptions } from '../core/index.js';
import { sysError } from '../errors.js';
import type { HostSource, HostSourceStats } from './source.js';
import { failObjects, HostDentry, HostDevices, HostInode, HostMount, HostSuperBlock } from './source.js';
import { changeMask, diffScans, EMPTY_LISTING, findName, fsError, readListing, statEntry, statStrict } from './snapshot.js';
import type { DirChange, DirScan, EntryStat, Listing } from './snapshot.js';

const NONE: EventData = { type: 'none' };
const AT_FDCWD = -100;

/** What both portable sources cannot report. */
export const SNAPSHOT_LIMITATIONS: readonly string[] = [
  'no IN_OPEN, IN_ACCESS, IN_CLOSE_WRITE or IN_CLOSE_NOWRITE: opening, reading and closing a file change nothing a stat can see',
  'changes are found by diffing stat snapshots, so several changes to one name between two diffs coalesce into one event (a file created and written is IN_CREATE alone; one deleted and re-created under a reused inode number looks modified or unchanged)',
  'a write that keeps both the size and the mtime of a file (within the filesystem\'s timestamp granularity) is invisible',
  'utimes(2) setting mtime to the current time (touch) is reported as IN_MODIFY where the kernel reports IN_ATTRIB; explicit times are IN_ATTRIB as in the kernel',
  'rename cookies only pair a rename whose old and new names are both seen in one diff: a rename into or out of a directory not diffed in the same batch is IN_CREATE or IN_DELETE, and an inode number reused within one diff can look like a rename',
  'event order is fixed per diff (deletes, renames, creates, then modifications and attribute changes, directory by directory, names sorted), not the order the operations happened in',
  'IN_DELETE_SELF (then IN_IGNORED) is reported whenever the watched path stops naming the object and it is not found in its old directory or a directory diffed with it: moving it elsewhere, renaming a directory above it, replacing the path with another file, or unlinking a file still open all end the watch this way (the kernel reports IN_MOVE_SELF, nothing, or IN_ATTRIB and waits for the last close), and the link-count IN_ATTRIB the kernel reports before an IN_DELETE_SELF is not',
  'a watched directory that vanishes has its remaining entries reported as IN_DELETE before its IN_DELETE_SELF, even if they were moved away',
  'no IN_UNMOUNT: an unmounted filesystem looks like its watched objects vanished (IN_DELETE_SELF)',
  'no IN_Q_OVERFLOW from the source itself: only a group whose own queue fills queues one',
];

/** Options shared by the portable sources. */
export interface SnapshotSourceOptions {
  /** Sysctls for the core's own accounting (default: the kernel's defaults). */
  limits?: Limits;
  /**
   * Whether a source with marks keeps the process alive, as an fs.watch or a
   * kernel reader does (default true). False: it never holds the event loop.
   */
  persistent?: boolean;
}

/** A host object of a portable source: its identity, where it was last seen, and its snapshots. */
export class SnapshotInode extends HostInode {
  constructor(
    sb: HostSuperBlock,
    /** `dev:ino`, exact. */
    readonly id: string,
    /** Its stat when last scanned. */
    public self: EntryStat,
    /** Absolute path it was last seen at. */
    public path: string,
    /** Resolved following a final symlink (stat) or not (lstat). */
    public follow: boolean,
  ) {
    super(sb, self.ino, self.isDir);
  }
  /** A directory's entries when last scanned; null for other objects. */
  listing: Listing | null = null;
}

/** What one batch learnt about one object. */
interface Seen {
  readonly obj: SnapshotInode;
  /** Its stat where it is now; null when it is gone. */
  now: EntryStat | null;
  /** A directory's new listing (EMPTY_LISTING when gone); null for other objects. */
  after: Listing | null;
  /** It was found under another name in this batch. */
  moved: boolean;
}

export abstract class SnapshotSource implements HostSource {
  abstract readonly kind: string;
  abstract readonly limitations: readonly string[];
  readonly uid: number;
  readonly limits: Limits;
  protected readonly persistent: boolean;
  /** Every object with marks (or being looked up), by `dev:ino`. */
  protected readonly objects = new Map<string, SnapshotInode>();
  private readonly devices = new HostDevices();
  protected closed = false;

  constructor(opts: SnapshotSourceOptions = {}) {
    this.uid = process.geteuid?.() ?? 0;
    this.limits = opts.limits ?? new Limits();
    this.persistent = opts.persistent ?? true;
  }

  /** Start telling this source about changes to `obj` (at `obj.path`). Throws what the platform throws. */
  protected abstract arm(obj: SnapshotInode): void;
  /** Stop telling. Called once per armed object. */
  protected abstract disarm(obj: SnapshotInode): void;
  /** `obj.path` changed (it or a directory above it moved). */
  protected relocated(_obj: SnapshotInode): void {}
  /** How many fs.watch handles, or polled objects, are held now. */
  protected abstract watchCount(): number;

  stats(): HostSourceStats {
    let objects = 0;
    for (const o of this.objects.values()) if (o.connector) objects++;
    return { watches: this.watchCount(), objects };
  }

  private sbFor(dev: number): { sb: HostSuperBlock; mount: HostMount } {
    return this.devices.get(dev);
  }

  /**
   * Resolve `path` as inotify_add_watch would: stat (or lstat without
   * `follow`), ENOTDIR for a non-directory with `directory`, EACCES without
   * read permission. A new object is armed and snapshotted here, so the
   * arming's errors (ENOSPC, EMFILE from fs.watch) are the caller's. Throws
   * EBADF once closed; EINVAL for a path relative to a descriptor.
   */
  lookup(path: string, opts: LookupOptions): FsPath {
    const syscall = opts.syscall;
    if (this.closed) throw sysError('EBADF', syscall, path, `the ${this.kind} source is closed`);
    if (opts.dirfd !== undefined && opts.dirfd !== AT_FDCWD && !isAbsolute(path)) {
      throw sysError('EINVAL', syscall, path, `the ${this.kind} source resolves no path relative to a descriptor`);
    }
    // resolve('') would name the working directory; the kernel says ENOENT.
    if (path === '') throw sysError('ENOENT', syscall, path);
    const abs = resolve(path);
    let st: EntryStat;
    try {
      st = statStrict(abs, opts.follow);
      if (opts.directory && !st.isDir) throw sysError('ENOTDIR', syscall, path);
      // A symlink's own permission bits are always rwx: only a followed path is checked.
      if (!st.isSymlink) accessSync(abs, fsConstants.R_OK);
    } catch (e) {
      // The kernel's errno (Node's fs reports it by name), naming the caller's syscall and path.
      throw fsError(e, syscall, path);
    }
    let obj = this.objects.get(st.id);
    if (obj) {
      obj.path = abs;
      obj.follow = opts.follow;
    } else obj = this.adopt(st, abs, opts.follow, syscall, path);
    const created = obj;
    // A lookup whose caller attached nothing (its call failed later) must not leak a watch.
    queueMicrotask(() => {
      if (!created.connector) this.forget(created);
    });
    return { mount: this.sbFor(st.dev).mount, dentry: new HostDentry(obj, basename(abs)) };
  }

  /** A new object: armed first, then snapshotted, so no change falls between the two. */
  private adopt(st: EntryStat, abs: string, follow: boolean, syscall: string, path: string): SnapshotInode {
    const obj = new SnapshotInode(this.sbFor(st.dev).sb, st.id, st, abs, follow);
    try {
      this.arm(obj);
    } catch (e) {
      throw fsError(e, syscall, path, `the ${this.kind} source cannot watch it`);
    }
    try {
      const self = statEntry(abs, follow);
      if (self?.id === st.id) obj.self = self;
      if (st.isDir) obj.listing = readListing(abs) ?? EMPTY_LISTING;
    } catch (e) {
      this.disarm(obj);
      throw fsError(e, syscall, path);
    }
    this.objects.set(st.id, obj);
    observeMask(obj, (o, mask) => {
      if (mask === 0 || !o.connector) this.forget(o as SnapshotInode);
    });
    return obj;
  }

  /** Drop an object: disarmed, unobserved. Its marks are the caller's business. */
  protected forget(obj: SnapshotInode): void {
    if (this.objects.get(obj.id) !== obj) return;
    this.objects.delete(obj.id);
    observeMask(obj, null);
    this.disarm(obj);
  }

  protected isLive(obj: SnapshotInode): boolean {
    return this.objects.get(obj.id) === obj;
  }

  /** The source failed for `obj`: its groups are told, its marks destroyed. */
  protected fail(obj: SnapshotInode, error: Error): void {
    this.forget(obj);
    failObjects([obj], error);
  }

  /**
   * Rescan every object now and dispatch what changed since the last scan:
   * when it resolves, every change made before the call has been reported
   * (coalesced as the limitations say).
   */
  flush(): Promise<void> {
    if (!this.closed) this.scan([...this.objects.values()]);
    return Promise.resolve();
  }

  /** Release every watch; the marks on this source's objects are destroyed (IN_IGNORED). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const objects = [...this.objects.values()];
    for (const o of objects) this.forget(o);
    for (const o of objects) destroyObjectMarks(o);
  }

  // ------------------------------------------------------------ the batch scan

  /** Scan a batch of objects together and dispatch what their snapshots' diff implies. */
  protected scan(batch: Iterable<SnapshotInode>): void {
    const seen = new Map<SnapshotInode, Seen>();
    const lost: Seen[] = [];
    for (const obj of batch) {
      if (!this.isLive(obj) || seen.has(obj)) continue;
      const s = this.observe(obj);
      if (!s) continue;
      seen.set(obj, s);
      if (!s.now) lost.push(s);
    }
    // Ancestors first: relocating one rewrites the paths below it.
    lost.sort((a, b) => a.obj.path.length - b.obj.path.length);
    const relocated = new Set<SnapshotInode>();
    for (const s of lost) this.locate(s, seen, relocated);

    const scans: DirScan<SnapshotInode>[] = [];
    for (const s of seen.values()) {
      if (s.after && this.isLive(s.obj)) scans.push({ dir: s.obj, before: s.obj.listing ?? EMPTY_LISTING, after: s.after });
    }
    const changes = diffScans(scans);
    const selfMasks = new Map<SnapshotInode, number>();
    for (const s of seen.values()) {
      if (!s.now) continue;
      selfMasks.set(s.obj, changeMask(s.obj.self, s.now, 'self', !s.moved));
      s.obj.self = s.now;
      if (s.after) s.obj.listing = s.after;
    }
    new Emitter(seen, scans, changes, (o) => this.forget(o)).run(selfMasks);
    for (const o of relocated) if (this.isLive(o)) this.relocated(o);
  }

  /** Stat one object at its path (and read it, a directory); undefined when the scan failed (reported). */
  private observe(obj: SnapshotInode): Seen | undefined {
    try {
      const now = statEntry(obj.path, obj.follow);
      if (now?.id !== obj.id) return { obj, now: null, after: null, moved: false };
      const after = obj.isDir() ? readListing(obj.path) : null;
      if (obj.isDir() && !after) return { obj, now: null, after: null, moved: false };
      return { obj, now, after, moved: false };
    } catch (e) {
      this.fail(obj, fsError(e, 'stat', obj.path));
      return undefined;
    }
  }

  /** An object its path no longer names: find where it went, or mark it gone. */
  private locate(s: Seen, seen: Map<SnapshotInode, Seen>, relocated: Set<SnapshotInode>): void {
    const obj = s.obj;
    if (!this.isLive(obj)) return;
    try {
      // Its path may have been rewritten when a directory above it moved.
      let now = statEntry(obj.path, obj.follow);
      if (now?.id !== obj.id) {
        const to = this.findMoved(obj, seen);
        if (to === null) {
          s.after = obj.isDir() ? EMPTY_LISTING : null;
          return;
        }
        for (const o of this.movePath(obj, to)) relocated.add(o);
        s.moved = true;
        now = statEntry(obj.path, obj.follow);
        if (now?.id !== obj.id) {
          s.after = obj.isDir() ? EMPTY_LISTING : null;
          return;
        }
      }
      const after = obj.isDir() ? readListing(obj.path) : null;
      if (obj.isDir() && !after) {
        s.after = EMPTY_LISTING;
        return;
      }
      s.now = now;
      s.after = after;
    } catch (e) {
      seen.delete(obj);
      this.fail(obj, fsError(e, 'stat', obj.path));
    }
  }

  /**
   * Where `obj` lives now: under a new name in a directory of this batch
   * (its old directory first), else in its old directory read now (unless
   * that was in the batch: its listing already said no). Null: not found.
   */
  private findMoved(obj: SnapshotInode, seen: Map<SnapshotInode, Seen>): string | null {
    const parent = dirname(obj.path);
    const base = basename(obj.path);
    let parentScanned = false;
    const candidates: Seen[] = [];
    for (const s of seen.values()) {
      if (!s.now || !s.after) continue;
      if (s.obj.path === parent) {
        parentScanned = true;
        candidates.unshift(s);
      } else candidates.push(s);
    }
    for (const s of candidates) {
      const name = findName(s.after!, obj.id);
      if (name !== undefined && !(s.obj.path === parent && name === base)) return join(s.obj.path, name);
    }
    if (parentScanned || parent === obj.path) return null;
    const listing = readListing(parent);
    const name = listing ? findName(listing, obj.id) : undefined;
    return name === undefined || name === base ? null : join(parent, name);
  }

  /** `obj` now lives at `to`: rewrite its path and the paths of the objects below it. */
  private movePath(obj: SnapshotInode, to: string): SnapshotInode[] {
    const from = obj.path;
    const prefix = from.endsWith(sep) ? from : from + sep;
    obj.path = to;
    const moved = [obj];
    for (const o of this.objects.values()) {
      if (o !== obj && o.path.startsWith(prefix)) {
        o.path = join(to, o.path.slice(prefix.length));
        moved.push(o);
      }
    }
    return moved;
  }
}

/** Dispatches one batch's events in the documented order. */
class Emitter {
  private readonly byId = new Map<string, Seen>();
  private readonly scanOf = new Map<SnapshotInode, number>();
  private readonly scanned = new Set<number>();
  private readonly reported = new Set<SnapshotInode>();

  constructor(
    private readonly seen: Map<SnapshotInode, Seen>,
    private readonly scans: readonly DirScan<SnapshotInode>[],
    private readonly changes: readonly DirChange<SnapshotInode>[][],
    private readonly forget: (obj: SnapshotInode) => void,
  ) {
    for (const s of seen.values()) this.byId.set(s.obj.id, s);
    scans.forEach((scan, i) => this.scanOf.set(scan.dir, i));
  }

  run(selfMasks: Map<SnapshotInode, number>): void {
    for (let i = 0; i < this.scans.length; i++) {
      const s = this.seen.get(this.scans[i]!.dir);
      if (s?.now) this.emitScan(i);
    }
    for (const [obj, mask] of selfMasks) {
      const s = this.seen.get(obj)!;
      if (s.moved && !this.reported.has(obj)) this.moveSelf(obj);
      this.self(obj, mask & FS_MODIFY);
      this.self(obj, mask & FS_ATTRIB);
    }
    for (const s of this.seen.values()) if (!s.now) this.vanish(s);
  }

  private emitScan(i: number): void {
    if (this.scanned.has(i)) return;
    this.scanned.add(i);
    const dir = this.scans[i]!.dir;
    for (const c of this.changes[i]!) {
      const isDir = c.entry.isDir ? FS_ISDIR : 0;
      switch (c.kind) {
        case 'delete': {
          const v = this.byId.get(c.entry.id);
          if (v && !v.now) this.vanish(v);
          fsnotify(FS_DELETE | isDir, NONE, dir, c.name, null, 0);
          break;
        }
        case 'create':
          fsnotify(FS_CREATE | isDir, NONE, dir, c.name, null, 0);
          break;
        case 'move': {
          const cookie = nextCookie();
          fsnotify(FS_MOVED_FROM | isDir, NONE, dir, c.name, null, cookie);
          fsnotify(FS_MOVED_TO | isDir, NONE, c.to, c.toName, null, cookie);
          const m = this.byId.get(c.entry.id);
          if (m?.moved && !this.reported.has(m.obj)) this.moveSelf(m.obj);
          break;
        }
        case 'change': {
          const child = new HostInode(dir.sb, c.entry.ino, c.entry.isDir);
          for (const bit of [FS_MODIFY, FS_ATTRIB]) {
            if (c.mask & bit) fsnotify((bit | FS_EVENT_ON_CHILD | isDir) >>> 0, NONE, dir, c.name, child, 0);
          }
          break;
        }
      }
    }
  }

  private self(obj: FsInode, bit: number): void {
    if (bit !== 0) fsnotify(bit | (obj.isDir() ? FS_ISDIR : 0), NONE, null, null, obj, 0);
  }

  private moveSelf(obj: SnapshotInode): void {
    this.reported.add(obj);
    this.self(obj, FS_MOVE_SELF);
  }

  /** A gone object: its remaining entries' DELETEs, DELETE_SELF, then its marks die. */
  private vanish(s: Seen): void {
    const obj = s.obj;
    if (this.reported.has(obj)) return;
    this.reported.add(obj);
    const i = this.scanOf.get(obj);
    if (i !== undefined) this.emitScan(i);
    this.self(obj, FS_DELETE_SELF);
    this.forget(obj);
    destroyObjectMarks(obj);
  }
}
