/**
 * The Linux host source: the kernel's inotify feeding the core.
 *
 * One kernel inotify instance serves every group in the process. Each host
 * object (an inode, keyed by the kernel's wd, which is unique per inode in
 * one instance, and by (dev, ino)) has exactly one kernel watch whose mask is
 * the union its connector computes: widened, narrowed or removed as marks
 * change (observeMask). Kernel records are decoded off the main thread's
 * path by KernelReader and dispatched into the core in kernel order:
 * - a dirent event (CREATE, DELETE, MOVED_*) goes to the directory's marks
 *   with the name, a child event to the directory's marks as their PARENT
 *   with the name, a self event to the object's own marks;
 * - kernel IN_IGNORED destroys the object's marks (each inotify group then
 *   queues its own IN_IGNORED);
 * - kernel IN_Q_OVERFLOW becomes an overflow for every group fed here;
 * - FS_RENAME (dnotify's DN_RENAME, the only consumer here) has no inotify
 *   bit: a mark asking for it makes the kernel watch report IN_MOVE, and an
 *   IN_MOVED_FROM immediately followed by its IN_MOVED_TO on the same watch
 *   (one rename inside one directory) is dispatched as FS_RENAME first, as
 *   fsnotify_move() does.
 *
 * Path resolution is the kernel's own: a lookup is an inotify_add_watch with
 * IN_MASK_ADD and no new events, so follow/no-follow, ONLYDIR, EACCES,
 * ENOSPC and every other errno come from Linux itself.
 */
import { lstatSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  destroyObjectMarks,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_RENAME,
  fsnotify,
  Limits,
  MARK_FLAG_EXCL_UNLINK,
  observeMask,
} from '../../core/index.js';
import type { EventData, FsDentry, FsPath, LookupOptions, MarkableObject } from '../../core/index.js';
import { isSystemError, sysError } from '../../errors.js';
import type { HostSource, HostSourceStats } from '../source.js';
import { failObjects, groupsOf, HostDentry, HostDevices, HostInode, HostMount, HostSuperBlock } from '../source.js';
import { IN_CLOEXEC, IN_NONBLOCK } from './constants.js';
import { decodeInotify } from './decode.js';
import type { InotifyRecord } from './decode.js';
import { linuxSyscalls, type StatIdentity } from './ffi.js';
import { KernelReader } from './reader.js';
import type { KernelReaderOptions } from './reader.js';

const IN_ALL_EVENTS = 0xfff;
const IN_MOVED_FROM = 0x40;
const IN_MOVED_TO = 0x80;
const IN_CREATE = 0x100;
const IN_DELETE = 0x200;
const IN_DIRENT = 0x40 | IN_MOVED_TO | IN_CREATE | IN_DELETE;
const NONE: EventData = { type: 'none' };
const IN_Q_OVERFLOW = 0x4000;
const IN_IGNORED = 0x8000;
const IN_ONLYDIR = 0x01000000;
const IN_DONT_FOLLOW = 0x02000000;
const IN_EXCL_UNLINK = 0x04000000;
const IN_MASK_ADD = 0x20000000;

/** A host inode with its kernel watch. */
class WatchedInode extends HostInode {
  /** The kernel's wd for this inode in our instance. */
  kwd = -1;
  /** The last path that resolved to this inode (absolute) and how it was resolved. */
  path = '';
  follow = true;
  /** What the kernel watch currently asks for. */
  kernelMask = 0;
  /** Some mark here has IN_EXCL_UNLINK (emulated: see dispatchChild). */
  excl = false;
  /** Directories with EXCL_UNLINK marks: names the kernel reported deleted, not re-created since. */
  unlinkedNames: Set<string> | null = null;
  /** The object itself was seen unlinked (its own IN_ATTRIB with no path left). */
  selfUnlinked = false;
}

/** A dentry known to be unlinked: the core drops file events on it for IN_EXCL_UNLINK marks. */
class UnlinkedDentry extends HostDentry {
  override isUnlinked(): boolean {
    return true;
  }
}

/** The dentry a lookup returns: its name (rarely read) is computed when asked. */
class LookupDentry implements FsDentry {
  readonly parent = null;
  constructor(
    readonly inode: HostInode,
    private readonly fullPath: string,
  ) {}
  get name(): string {
    return basename(this.fullPath);
  }
  isUnlinked(): boolean {
    return false;
  }
}

/**
 * `path` made absolute and normalized, as path.resolve() does; an already
 * absolute path without '.', '..' or doubled and trailing slashes (what
 * callers pass nearly always) is returned as is, without resolve()'s copy.
 */
function absolutePath(path: string): string {
  if (path.charCodeAt(0) !== 47 /* / */ || path.length === 1) return resolve(path);
  if (path.charCodeAt(path.length - 1) === 47 || path.includes('//') || path.includes('/.')) return resolve(path);
  return path;
}

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
type Identity = Pick<StatIdentity, 'dev' | 'ino' | 'mode'>;

/** statx through the FFI when libc has it, else node:fs: what identifies a looked-up object. */
let statxMissing = false;
function identityOf(path: string, follow: boolean): Identity {
  if (!statxMissing) {
    try {
      return linuxSyscalls().statIdentity(path, follow);
    } catch (e) {
      if (!isSystemError(e, 'ENOSYS')) throw e;
      statxMissing = true;
    }
  }
  return follow ? statSync(path) : lstatSync(path);
}

/** How many deleted names one directory remembers for IN_EXCL_UNLINK. */
const MAX_UNLINKED_NAMES = 4096;

/** A child seen only through its parent's watch: no marks, never watched. */
class ChildStub extends HostInode {}

/** The kernel side of one generation: a kernel inotify fd and its reader. */
interface Kernel {
  fd: number;
  reader: KernelReader;
  /** The kernel wd of the private sync directory (flush()), or -1. */
  syncWd: number;
  /** Set while the generation has no watch: retires it unless a watch comes back. */
  idleTimer: NodeJS.Timeout | null;
}

/**
 * How long an idle kernel instance is kept (its reader unref'd, so it never
 * keeps the process alive) before its fd and thread are released. Reusing it
 * spares a thread start per instance when watches come and go.
 */
const IDLE_RETIRE_MS = 500;

const IN_ATTRIB = 0x4;
/** Private sync directories still on disk, removed at exit. */
const syncDirs = new Set<string>();
let exitHookInstalled = false;
function removeSyncDirs(): void {
  for (const d of syncDirs) rmSync(d, { recursive: true, force: true });
  syncDirs.clear();
}
/** How long flush() waits for its marker before failing. */
const FLUSH_TIMEOUT_MS = 10_000;

export interface LinuxInotifySourceOptions {
  /** Sysctls for the core's own accounting; defaults mirror /proc/sys/fs/inotify. */
  limits?: Limits;
  /** Options for the kernel reader (buffer size, a worker script for fault-injection tests). */
  reader?: KernelReaderOptions;
}

function readSysctl(name: string, dflt: number): number {
  try {
    const v = Number(readFileSync(`/proc/sys/fs/inotify/${name}`, 'utf8').trim());
    return Number.isInteger(v) && v > 0 ? v : dflt;
  } catch {
    return dflt;
  }
}

export class LinuxInotifySource implements HostSource {
  readonly kind = 'host';
  readonly uid: number;
  readonly limits: Limits;
  readonly limitations: readonly string[] = [];
  private kernel: Kernel | null = null;
  private readonly byWd = new Map<number, WatchedInode>();
  private readonly devices = new HostDevices();
  /** The lookup being served right now: the observer uses its fresh path. */
  private pending: WatchedInode | null = null;
  private pendingPath = '';
  private pendingFollow = true;
  /** Objects looked up in this turn, checked for a mark at its end (checkLooked). */
  private looked: WatchedInode[] = [];
  /** One observer for every object (the object comes as its argument). */
  private readonly maskObserver = (o: MarkableObject, m: number): void => this.onMask(o as WatchedInode, m);
  private closed = false;
  private readonly readerOptions: KernelReaderOptions;
  /** flush(): a private directory with two marker files touched alternately (so markers never coalesce). */
  private syncDir: string | null = null;
  private syncSeq = 0;
  private readonly flushWaiters: { resolve: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(opts: LinuxInotifySourceOptions = {}) {
    this.uid = process.geteuid?.() ?? 0;
    this.readerOptions = opts.reader ?? {};
    this.limits =
      opts.limits ??
      new Limits({
        'fs.inotify.max_user_watches': readSysctl('max_user_watches', 8192),
        'fs.inotify.max_user_instances': readSysctl('max_user_instances', 128),
        'fs.inotify.max_queued_events': readSysctl('max_queued_events', 16384),
      });
  }

  stats(): HostSourceStats {
    return { watches: this.byWd.size, objects: this.byWd.size };
  }

  /** The kernel fd currently in use (for tests and diagnostics), or -1. */
  get kernelFd(): number {
    return this.kernel?.fd ?? -1;
  }

  private ensureKernel(): Kernel {
    if (this.closed) throw sysError('EBADF', 'inotify_init1', undefined, 'the host source is closed');
    if (this.kernel) {
      if (this.kernel.idleTimer) {
        clearTimeout(this.kernel.idleTimer);
        this.kernel.idleTimer = null;
        this.kernel.reader.ref();
      }
      return this.kernel;
    }
    const sys = linuxSyscalls();
    const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
    const reader = new KernelReader(
      fd,
      (buf) => this.onData(fd, buf),
      (err) => this.onReaderError(fd, err),
      this.readerOptions,
    );
    const kernel: Kernel = { fd, reader, syncWd: -1, idleTimer: null };
    this.kernel = kernel;
    return kernel;
  }

  private sbFor(dev: number): { sb: HostSuperBlock; mount: HostMount } {
    return this.devices.get(dev);
  }

  /**
   * Resolve `path` the kernel's way: inotify_add_watch(path, IN_MASK_ADD …)
   * adds no events to an existing watch and makes an event-less one for a new
   * inode. Errors are the kernel's, naming the path.
   */
  lookup(path: string, opts: LookupOptions): FsPath {
    const kernel = this.ensureKernel();
    const sys = linuxSyscalls();
    // The caller's events ride along (IN_MASK_ADD only widens), sparing a
    // second inotify_add_watch when the mark is attached.
    const hint = (opts.mask ?? 0) & IN_ALL_EVENTS;
    const flags = IN_MASK_ADD | hint | (opts.follow ? 0 : IN_DONT_FOLLOW) | (opts.directory ? IN_ONLYDIR : 0);
    const kwd = sys.inotifyAddWatch(kernel.fd, path, flags);
    let obj = this.byWd.get(kwd);
    if (!obj) {
      let st: Identity;
      try {
        st = identityOf(path, opts.follow);
      } catch (e) {
        sys.inotifyRmWatch(kernel.fd, kwd);
        throw sysError('ENOENT', opts.syscall, path, `the object vanished during lookup: ${(e as Error).message}`);
      }
      obj = new WatchedInode(this.sbFor(st.dev).sb, st.ino, (st.mode & S_IFMT) === S_IFDIR);
      obj.kwd = kwd;
      this.byWd.set(kwd, obj);
      observeMask(obj, this.maskObserver);
      if (kernel.reader.state !== 'running') kernel.reader.start();
    }
    obj.kernelMask |= hint;
    obj.path = absolutePath(path);
    obj.follow = opts.follow;
    this.pending = obj;
    this.pendingPath = path;
    this.pendingFollow = opts.follow;
    // A lookup whose caller attached nothing (its call failed later) must not
    // leak a kernel watch: checked once for every lookup of this turn.
    if (this.looked.push(obj) === 1) queueMicrotask(this.checkLooked);
    return { mount: this.sbFor((obj.sb as HostSuperBlock).dev).mount, dentry: new LookupDentry(obj, path) };
  }

  /** The end of a turn of lookups: drop the watches nobody attached a mark to. */
  private readonly checkLooked = (): void => {
    const list = this.looked;
    this.looked = [];
    this.pending = null;
    for (const obj of list) if (!obj.connector && this.byWd.get(obj.kwd) === obj) this.dropWatch(obj);
  };

  /** The connector's union changed: make the kernel watch match it. */
  private onMask(obj: WatchedInode, mask: number): void {
    if (mask === 0 || !obj.connector) {
      this.dropWatch(obj);
      return;
    }
    // IN_EXCL_UNLINK is never set on the shared kernel watch (other groups may
    // not want it); to emulate it exactly, a directory whose marks use it also
    // asks the kernel for the dirent events that tell which names die.
    let excl = false;
    for (const m of obj.connector.marks) if ((m.flags & MARK_FLAG_EXCL_UNLINK) !== 0) excl = true;
    obj.excl = excl;
    if (excl && obj.isDir()) obj.unlinkedNames ??= new Set();
    else obj.unlinkedNames = null;
    let kmask = mask & IN_ALL_EVENTS;
    if (mask & FS_RENAME) kmask |= IN_MOVED_FROM | IN_MOVED_TO;
    if (excl && obj.isDir()) kmask |= IN_DIRENT;
    if (excl && !obj.isDir()) kmask |= IN_ATTRIB;
    if ((kmask & ~obj.kernelMask) === 0 && (kmask === obj.kernelMask || this.pending !== obj)) {
      // Narrowing without a fresh path is optional (the core filters); equal masks need nothing.
      if (kmask === obj.kernelMask) return;
    }
    const kernel = this.kernel;
    if (!kernel) return;
    let path: string;
    let follow: boolean;
    if (this.pending === obj) {
      path = this.pendingPath;
      follow = this.pendingFollow;
    } else {
      // The stored path may name another inode by now: only use it if it still names ours.
      path = obj.path;
      follow = obj.follow;
      try {
        const st = follow ? statSync(path) : lstatSync(path);
        if (st.ino !== obj.ino || st.dev !== (obj.sb as HostSuperBlock).dev) return; // keep the wider kernel mask; the core filters
      } catch {
        return;
      }
    }
    const flags = follow ? 0 : IN_DONT_FOLLOW;
    const sys = linuxSyscalls();
    let kwd: number;
    try {
      // No event wanted: a flag-only mask keeps an event-less watch (the flag is moot without events).
      kwd = sys.inotifyAddWatch(kernel.fd, path, kmask === 0 ? flags | IN_EXCL_UNLINK : kmask | flags);
    } catch (e) {
      failObjects([obj], e as Error);
      return;
    }
    if (kwd !== obj.kwd) {
      // The path was renamed over between our check and the call: undo a stray watch.
      if (!this.byWd.has(kwd)) sys.inotifyRmWatch(kernel.fd, kwd);
      failObjects([obj], sysError('ESTALE', 'inotify_add_watch', path, 'the path names another inode now; the watch could not be updated'));
      return;
    }
    obj.kernelMask = kmask;
  }

  private dropWatch(obj: WatchedInode): void {
    if (this.byWd.get(obj.kwd) !== obj) return;
    this.byWd.delete(obj.kwd);
    observeMask(obj, null);
    const kernel = this.kernel;
    if (kernel) {
      try {
        linuxSyscalls().inotifyRmWatch(kernel.fd, obj.kwd);
      } catch (e) {
        // EINVAL: the kernel already removed it (its IN_IGNORED is on the way).
        if (!isSystemError(e, 'EINVAL')) throw e;
      }
    }
    if (this.byWd.size === 0) this.idle();
  }

  /** No watch left: let the process exit, and release the kernel instance unless a watch comes back soon. */
  private idle(): void {
    const kernel = this.kernel;
    if (!kernel || kernel.idleTimer) return;
    kernel.reader.unref();
    kernel.idleTimer = setTimeout(() => {
      if (this.kernel === kernel && this.byWd.size === 0) this.retireKernel();
    }, IDLE_RETIRE_MS);
    kernel.idleTimer.unref();
  }

  /** Stop the reader and close the kernel fd. */
  private retireKernel(): void {
    const kernel = this.kernel;
    if (!kernel) return;
    this.kernel = null;
    if (kernel.idleTimer) clearTimeout(kernel.idleTimer);
    for (const w of this.flushWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve();
    }
    void kernel.reader.stop().then(() => {
      try {
        linuxSyscalls().close(kernel.fd);
      } catch {
        // already closed
      }
    });
  }

  private onData(fd: number, buf: Buffer): void {
    if (this.kernel?.fd !== fd) return; // a retired generation's late bytes: its watches are gone
    const records = decodeInotify(buf);
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.mask & IN_MOVED_FROM && r.cookie !== 0) {
        const to = records[i + 1];
        if (to && to.mask & IN_MOVED_TO && to.cookie === r.cookie && to.wd === r.wd) this.dispatchRename(r, to);
      }
      this.dispatch(r);
    }
  }

  /** fsnotify_move()'s FS_RENAME for a rename inside one directory (the moved entry's parent is that directory). */
  private dispatchRename(from: InotifyRecord, to: InotifyRecord): void {
    const dir = this.byWd.get(from.wd);
    if (!dir?.connector || !(dir.connector.mask & FS_RENAME)) return;
    const isDir = (from.mask & FS_ISDIR) !== 0;
    const parent = new HostDentry(dir, '');
    const moved = { inode: new ChildStub(dir.sb, 0, isDir), parent, name: to.name, isUnlinked: () => false };
    fsnotify((FS_RENAME | (isDir ? FS_ISDIR : 0)) >>> 0, { type: 'dentry', dentry: moved }, dir, from.name, null, 0);
  }

  private dispatch(r: InotifyRecord): void {
    if (r.wd === this.kernel?.syncWd && r.wd !== -1) {
      if (r.mask & IN_ATTRIB) this.flushWaiters.shift()?.resolve();
      return;
    }
    if (r.mask & IN_Q_OVERFLOW) {
      // The markers may have been lost with the overflow: release every waiter.
      for (const w of this.flushWaiters.splice(0)) w.resolve();
      for (const g of groupsOf(this.byWd.values())) g.queue.add(g.queue.overflowEvent, null);
      return;
    }
    const obj = this.byWd.get(r.wd);
    if (!obj) return;
    if (r.mask & IN_IGNORED) {
      this.byWd.delete(r.wd);
      observeMask(obj, null);
      destroyObjectMarks(obj);
      if (this.byWd.size === 0) this.idle();
      return;
    }
    if (r.name !== '') {
      if (r.mask & IN_DIRENT) {
        const names = obj.unlinkedNames;
        if (names) {
          if (r.mask & IN_DELETE) {
            if (names.size >= MAX_UNLINKED_NAMES) names.delete(names.values().next().value!);
            names.add(r.name);
          } else if (r.mask & (IN_CREATE | IN_MOVED_TO)) names.delete(r.name);
        }
        fsnotify(r.mask, NONE, obj, r.name, null, r.cookie);
      } else {
        const child = new ChildStub(obj.sb, 0, false);
        const data = obj.unlinkedNames?.has(r.name) ? this.unlinkedData(child, r.name) : NONE;
        fsnotify((r.mask | FS_EVENT_ON_CHILD) >>> 0, data, obj, r.name, child, 0);
      }
      return;
    }
    if (obj.excl && !obj.isDir() && r.mask & IN_ATTRIB && !obj.selfUnlinked) obj.selfUnlinked = !this.stillNamed(obj);
    const data = obj.excl && obj.selfUnlinked ? this.unlinkedData(obj, '') : NONE;
    fsnotify(r.mask, data, null, null, obj, r.cookie);
  }

  /** Event data saying "this came through an unlinked dentry" (for IN_EXCL_UNLINK marks). */
  private unlinkedData(inode: HostInode, name: string): EventData {
    const { mount } = this.sbFor((inode.sb as HostSuperBlock).dev);
    return { type: 'path', path: { mount, dentry: new UnlinkedDentry(inode, name) }, file: null };
  }

  /**
   * Does the object's last known path still name it? Used when its own
   * IN_ATTRIB may be a link-count drop: afterwards, file events seen on its
   * own watch come through an unlinked dentry. (Checked when the record is
   * dispatched, so an unlink that follows very closely can be seen early.)
   */
  private stillNamed(obj: WatchedInode): boolean {
    try {
      const st = obj.follow ? statSync(obj.path) : lstatSync(obj.path);
      return st.ino === obj.ino && st.dev === (obj.sb as HostSuperBlock).dev && st.nlink > 0;
    } catch {
      return false;
    }
  }

  private onReaderError(fd: number, err: Error): void {
    if (this.kernel?.fd !== fd) return;
    const objects: MarkableObject[] = [...this.byWd.values()];
    for (const o of this.byWd.values()) observeMask(o, null);
    this.byWd.clear();
    const kernel = this.kernel;
    this.kernel = null;
    failObjects(objects, err);
    void kernel.reader.stop().finally(() => {
      try {
        linuxSyscalls().close(kernel.fd);
      } catch {
        // already closed
      }
    });
  }

  /**
   * Resolve once every kernel event caused before this call has been
   * dispatched into the core: a marker event is generated in a private
   * directory watched by the same kernel instance, and the kernel keeps
   * order. Rejects with ETIMEDOUT-like EIO after 10 s (a stuck reader).
   */
  flush(): Promise<void> {
    const kernel = this.kernel;
    if (!kernel || kernel.reader.state !== 'running') return Promise.resolve();
    const sys = linuxSyscalls();
    if (kernel.syncWd === -1) {
      if (this.syncDir === null) {
        const dir = mkdtempSync(join(tmpdir(), 'tsnotify-sync-'));
        this.syncDir = dir;
        syncDirs.add(dir);
        if (!exitHookInstalled) {
          exitHookInstalled = true;
          process.once('exit', removeSyncDirs);
        }
      }
      for (const m of ['a', 'b']) writeFileSync(join(this.syncDir, m), '');
      kernel.syncWd = sys.inotifyAddWatch(kernel.fd, this.syncDir, IN_ATTRIB | IN_ONLYDIR);
    }
    return new Promise<void>((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        const i = this.flushWaiters.findIndex((w) => w.timer === timer);
        if (i >= 0) this.flushWaiters.splice(i, 1);
        reject(sysError('EIO', 'read', this.syncDir ?? undefined, `no marker event within ${FLUSH_TIMEOUT_MS} ms: the kernel reader is stuck`));
      }, FLUSH_TIMEOUT_MS);
      this.flushWaiters.push({
        resolve: () => {
          clearTimeout(timer);
          resolvePromise();
        },
        timer,
      });
      const t = ++this.syncSeq;
      utimesSync(join(this.syncDir!, t % 2 ? 'a' : 'b'), t, t);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    for (const w of this.flushWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve();
    }
    if (this.syncDir) {
      rmSync(this.syncDir, { recursive: true, force: true });
      syncDirs.delete(this.syncDir);
    }
    const objects = [...this.byWd.values()];
    for (const o of objects) observeMask(o, null);
    this.byWd.clear();
    for (const o of objects) destroyObjectMarks(o);
    const kernel = this.kernel;
    this.kernel = null;
    this.closed = true;
    if (kernel) {
      if (kernel.idleTimer) clearTimeout(kernel.idleTimer);
      await kernel.reader.stop();
      linuxSyscalls().close(kernel.fd);
    }
  }
}
