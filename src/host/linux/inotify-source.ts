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
 * - kernel IN_Q_OVERFLOW becomes an overflow for every group fed here.
 *
 * Path resolution is the kernel's own: a lookup is an inotify_add_watch with
 * IN_MASK_ADD and no new events, so follow/no-follow, ONLYDIR, EACCES,
 * ENOSPC and every other errno come from Linux itself.
 */
import { lstatSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import {
  destroyObjectMarks,
  FS_EVENT_ON_CHILD,
  fsnotify,
  Limits,
  MARK_FLAG_EXCL_UNLINK,
  observeMask,
} from '../../core/index.js';
import type { FsPath, LookupOptions, MarkableObject } from '../../core/index.js';
import { isSystemError, sysError } from '../../errors.js';
import type { HostSource, HostSourceStats } from '../source.js';
import { failObjects, groupsOf, HostDentry, HostInode, HostMount, HostSuperBlock } from '../source.js';
import { IN_CLOEXEC, IN_NONBLOCK } from './constants.js';
import { decodeInotify } from './decode.js';
import type { InotifyRecord } from './decode.js';
import { linuxSyscalls } from './ffi.js';
import { KernelReader } from './reader.js';

const IN_ALL_EVENTS = 0xfff;
const IN_DIRENT = 0x40 | 0x80 | 0x100 | 0x200;
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
  kernelExcl = false;
}

/** A child seen only through its parent's watch: no marks, never watched. */
class ChildStub extends HostInode {}

/** The kernel side of one generation: a kernel inotify fd and its reader. */
interface Kernel {
  fd: number;
  reader: KernelReader;
}

export interface LinuxInotifySourceOptions {
  /** Sysctls for the core's own accounting; defaults mirror /proc/sys/fs/inotify. */
  limits?: Limits;
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
  private readonly sbs = new Map<number, { sb: HostSuperBlock; mount: HostMount }>();
  /** The lookup being served right now: the observer uses its fresh path. */
  private pending: { obj: WatchedInode; path: string; follow: boolean } | null = null;
  private closed = false;

  constructor(opts: LinuxInotifySourceOptions = {}) {
    this.uid = process.geteuid?.() ?? 0;
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
    if (this.kernel) return this.kernel;
    const sys = linuxSyscalls();
    const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
    const reader = new KernelReader(
      fd,
      (buf) => this.onData(fd, buf),
      (err) => this.onReaderError(fd, err),
    );
    const kernel = { fd, reader };
    this.kernel = kernel;
    return kernel;
  }

  private sbFor(dev: number): { sb: HostSuperBlock; mount: HostMount } {
    let e = this.sbs.get(dev);
    if (!e) {
      const sb = new HostSuperBlock(dev);
      e = { sb, mount: new HostMount(sb) };
      this.sbs.set(dev, e);
    }
    return e;
  }

  /**
   * Resolve `path` the kernel's way: inotify_add_watch(path, IN_MASK_ADD …)
   * adds no events to an existing watch and makes an event-less one for a new
   * inode. Errors are the kernel's, naming the path.
   */
  lookup(path: string, opts: LookupOptions): FsPath {
    const kernel = this.ensureKernel();
    const sys = linuxSyscalls();
    const flags = IN_MASK_ADD | (opts.follow ? 0 : IN_DONT_FOLLOW) | (opts.directory ? IN_ONLYDIR : 0);
    const kwd = sys.inotifyAddWatch(kernel.fd, path, flags);
    let obj = this.byWd.get(kwd);
    if (!obj) {
      let st;
      try {
        st = opts.follow ? statSync(path) : lstatSync(path);
      } catch (e) {
        sys.inotifyRmWatch(kernel.fd, kwd);
        throw sysError('ENOENT', opts.syscall, path, `the object vanished during lookup: ${(e as Error).message}`);
      }
      const { sb } = this.sbFor(st.dev);
      obj = new WatchedInode(sb, st.ino, st.isDirectory());
      obj.kwd = kwd;
      this.byWd.set(kwd, obj);
      observeMask(obj, (o, m) => this.onMask(o as WatchedInode, m));
      if (kernel.reader.state !== 'running') kernel.reader.start();
    }
    obj.path = resolve(path);
    obj.follow = opts.follow;
    const created = obj;
    this.pending = { obj, path, follow: opts.follow };
    // A lookup whose caller attached nothing (its call failed later) must not leak a kernel watch.
    queueMicrotask(() => {
      if (this.pending?.obj === created) this.pending = null;
      if (!created.connector && this.byWd.get(created.kwd) === created) this.dropWatch(created);
    });
    return { mount: this.sbFor((obj.sb as HostSuperBlock).dev).mount, dentry: new HostDentry(obj, basename(path)) };
  }

  /** The connector's union changed: make the kernel watch match it. */
  private onMask(obj: WatchedInode, mask: number): void {
    if (mask === 0 || !obj.connector) {
      this.dropWatch(obj);
      return;
    }
    const kmask = mask & IN_ALL_EVENTS;
    const marks = obj.connector.marks;
    const excl = marks.length > 0 && marks.every((m) => (m.flags & MARK_FLAG_EXCL_UNLINK) !== 0);
    if (kmask === obj.kernelMask && excl === obj.kernelExcl) return;
    const kernel = this.kernel;
    if (!kernel) return;
    let path: string;
    let follow: boolean;
    if (this.pending?.obj === obj) {
      ({ path, follow } = this.pending);
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
    const flags = (follow ? 0 : IN_DONT_FOLLOW) | (excl ? IN_EXCL_UNLINK : 0);
    const sys = linuxSyscalls();
    let kwd: number;
    try {
      kwd = sys.inotifyAddWatch(kernel.fd, path, kmask | flags || IN_EXCL_UNLINK);
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
    obj.kernelExcl = excl;
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
    if (this.byWd.size === 0) this.retireKernel();
  }

  /** No watch left: stop the reader and close the kernel fd, so the process can exit. */
  private retireKernel(): void {
    const kernel = this.kernel;
    if (!kernel) return;
    this.kernel = null;
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
    for (const r of decodeInotify(buf)) this.dispatch(r);
  }

  private dispatch(r: InotifyRecord): void {
    if (r.mask & IN_Q_OVERFLOW) {
      for (const g of groupsOf(this.byWd.values())) g.queue.add(g.queue.overflowEvent, null);
      return;
    }
    const obj = this.byWd.get(r.wd);
    if (!obj) return;
    if (r.mask & IN_IGNORED) {
      this.byWd.delete(r.wd);
      observeMask(obj, null);
      destroyObjectMarks(obj);
      if (this.byWd.size === 0) this.retireKernel();
      return;
    }
    const none = { type: 'none' } as const;
    if (r.name !== '') {
      if (r.mask & IN_DIRENT) fsnotify(r.mask, none, obj, r.name, null, r.cookie);
      else fsnotify((r.mask | FS_EVENT_ON_CHILD) >>> 0, none, obj, r.name, new ChildStub(obj.sb, 0, false), 0);
    } else {
      fsnotify(r.mask, none, null, null, obj, r.cookie);
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

  async close(): Promise<void> {
    if (this.closed) return;
    const objects = [...this.byWd.values()];
    for (const o of objects) observeMask(o, null);
    this.byWd.clear();
    for (const o of objects) destroyObjectMarks(o);
    const kernel = this.kernel;
    this.kernel = null;
    this.closed = true;
    if (kernel) {
      await kernel.reader.stop();
      linuxSyscalls().close(kernel.fd);
    }
  }
}
