/**
 * fanotify on the real kernel, with the front-end's API (FanotifyApi, the
 * same methods and event objects as the in-memory `Fanotify`): one kernel
 * fanotify group per HostFanotify. The kernel does everything fanotify is —
 * marks, ignore masks, merging, overflow, permission gating, the order of
 * checks and every errno — so nothing of it is re-implemented here. What
 * this file adds is getting events to JavaScript without ever blocking the
 * main thread, answering permission events without deadlock, and turning
 * file handles into paths.
 *
 * READING. Until something needs events pushed, read() is a non-blocking
 * read(2) of the kernel fd on the calling thread: events stay in the kernel
 * queue until then and merge there exactly as the kernel merges them. From
 * the first successful permission mark, readAsync()/iteration or onReady(),
 * a KernelReader worker reads the fd as soon as it is readable and hands the
 * events over; read() then returns what it delivered (flush() waits for
 * everything queued so far). The worker owns the fd from then on and closes
 * it as it exits. It keeps the process alive until close() (like fs.watch;
 * `reader.persistent: false` changes that).
 *
 * PERMISSION EVENTS WITHOUT DEADLOCK. The task that caused a permission
 * event sleeps until the group answers — and that task may be our own main
 * thread (a synchronous fs call, a module load on a gated filesystem). So:
 * - the worker that reads the fd is started and known to be polling
 *   (startSync, paused) *before* the first permission mark is added, so it
 *   never has to load a file that the new mark gates; it starts reading
 *   once the mark succeeded (a failed mark leaves the group as it was);
 * - the worker only polls/reads the fanotify fd, readlinks /proc/self/fd/N
 *   and writes `struct fanotify_response`; it never opens or stats a gated
 *   path. Event descriptors are FMODE_NONOTIFY: using them raises nothing;
 * - `permissionPolicy` (declarative rules) and `permissionTimeout` are
 *   applied in the worker (fanotify-responder.ts): they answer while the
 *   main thread is blocked. respond() and `onPermission` answer from the
 *   main thread with write(fanotify_fd, {fd, response}) — fine for events
 *   caused by other processes or other threads, a deadlock (until the
 *   timeout) for the main thread's own synchronous calls;
 * - close() stops the worker, which closes the fd as its very last act,
 *   even if the main thread is by then blocked on a gated file: the kernel
 *   then answers FAN_ALLOW to everything pending (F15).
 *
 * DESCRIPTORS. In descriptor mode every event carries a real descriptor
 * opened by the kernel in this process (O_CLOEXEC, FMODE_NONOTIFY): the
 * caller owns it and must close it (fs.closeSync). Events still buffered
 * when the group closes are closed here. FAN_REPORT_PIDFD records carry
 * pidfds the caller must close as well. The group's own fd is always opened
 * with FAN_CLOEXEC and FAN_NONBLOCK whatever `flags` say (the getters
 * report what was asked).
 *
 * FILE HANDLES. FID groups resolve handles to paths with pathOf(): a
 * HandleCache kept correct across renames by the group's own events. To
 * call open_by_handle_at the group opens, on first use, the root directory
 * of the mount that was marked (O_RDONLY: the kernel refuses O_PATH there) —
 * one FAN_OPEN/FAN_CLOSE_NOWRITE for whoever watches that directory — and
 * keeps it until close(); that mount cannot be unmounted without MNT_DETACH
 * meanwhile.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { ReadWaiters } from '../../core/index.js';
import { isSystemError, sysError, type SystemError } from '../../errors.js';
import type { FanotifyApi, FanotifyEvent, FanotifyFidInfo, FanotifyInfo, PermissionResponse } from '../../fanotify/index.js';
import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_FOLLOW,
  FAN_CLASS_CONTENT,
  FAN_CLASS_PRE_CONTENT,
  FAN_CLOEXEC,
  FAN_DELETE,
  FAN_DELETE_SELF,
  FAN_EVENT_INFO_TYPE_NEW_DFID_NAME,
  FAN_EVENT_INFO_TYPE_OLD_DFID_NAME,
  FAN_EVENT_INFO_TYPE_PIDFD,
  FAN_MARK_ADD,
  FAN_MARK_DONT_FOLLOW,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_IGNORE,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_MNTNS,
  FAN_MARK_MOUNT,
  FAN_MOVE_SELF,
  FAN_MOVED_FROM,
  FAN_MOVED_TO,
  FAN_NONBLOCK,
  FAN_ONDIR,
  FAN_RENAME,
  FAN_REPORT_DIR_FID,
  FAN_REPORT_FID,
  O_CLOEXEC,
  O_DIRECTORY,
  O_RDONLY,
} from './constants.js';
import { decodeFanotify, type FanotifyEvent as KernelEvent, type FanotifyInfo as KernelInfo } from './decode.js';
import { PERMISSION_EVENTS, responseNumber, type PermissionAnswer, type ResponderConfig } from './fanotify-responder.js';
import { linuxSyscalls } from './ffi.js';
import { HandleCache } from './handle-cache.js';
import { KernelReader, type KernelReaderOptions } from './reader.js';

/** One rule of a permission policy: see PermissionPolicy. */
export interface PermissionPolicyRule {
  /** Only events whose descriptor path is this (relative to the policy's `root`, '.' for the root; absolute without a root). */
  readonly path?: string;
  /** Only events whose mask has all these FAN_* bits (e.g. FAN_ACCESS_PERM). */
  readonly event?: number;
  /** Only the nth event (1-based) that passes this rule's filters. */
  readonly nth?: number;
  readonly response: PermissionResponse;
}

/**
 * Permission answers decided in the reader thread, at once, without the
 * main thread: rules are tried in order, the first that applies answers,
 * else `default` ('allow' unless given). The one way to gate files the
 * process itself touches synchronously.
 */
export interface PermissionPolicy {
  readonly default?: PermissionResponse;
  readonly rules?: readonly PermissionPolicyRule[];
  /** Rule paths are relative to this absolute directory (descriptor paths are the kernel's, symlinks resolved). */
  readonly root?: string;
}

export interface HostFanotifyInitOptions {
  /** fanotify_init flags (FAN_CLASS_*, FAN_REPORT_*, FAN_UNLIMITED_*; FAN_CLOEXEC and FAN_NONBLOCK are always used). */
  flags?: number;
  /** open(2) flags of event descriptors (default O_RDONLY). */
  eventFFlags?: number;
  /**
   * Queue limit for this group. The kernel reads it from
   * /proc/sys/fs/fanotify/max_queued_events at fanotify_init, so the sysctl
   * is set just around the call and restored (root only; EACCES otherwise).
   */
  maxQueuedEvents?: number;
  /** Answer permission events in the reader thread (see PermissionPolicy). */
  permissionPolicy?: PermissionPolicy;
  /**
   * Answer permission events still unanswered `ms` after they were read with
   * `response`; enforced in the reader thread, so it also frees a blocked
   * main thread. Default: wait forever (the kernel has no timeout).
   */
  permissionTimeout?: { ms: number; response: PermissionResponse };
  /**
   * A decision function on the main thread for every permission event the
   * policy did not answer; the event's descriptor is closed after and the
   * event is not queued. Must not be relied on for events the main thread
   * itself causes synchronously (see permissionTimeout).
   */
  onPermission?: (event: FanotifyEvent) => PermissionResponse;
  /** The reader thread failed (the group is then dead: its fd is closed and read() throws the error). */
  onError?: (err: Error) => void;
  /** Reader thread options (buffer size, batching, whether it keeps the process alive). */
  reader?: Pick<KernelReaderOptions, 'bufferSize' | 'batch' | 'persistent' | 'workerUrl'>;
}

/** A buffered event with its bytes (for readBytes), or a read(2) failure in its place. */
type Slot = { event: FanotifyEvent; raw: Buffer } | { error: SystemError };

const DIRECT_READ_SIZE = 16 * 1024;
const RESPONSE = Buffer.alloc(8);
/** FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE. */
const IGNORE_FLAGS = FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORE;

const CREATE = Symbol('hostFanotifyInit');

/**
 * fanotify_init(2) on the real kernel: a HostFanotify with the API of the
 * in-memory Fanotify. Errors are the kernel's: EPERM (privileged flags, or
 * no FID flag, without CAP_SYS_ADMIN; the message says so), EINVAL, EMFILE,
 * ENOMEM; ENOSYS off Linux or without the FFI library.
 */
export function hostFanotifyInit(opts: HostFanotifyInitOptions = {}): HostFanotify {
  const sys = linuxSyscalls();
  const flags = (opts.flags ?? 0) >>> 0;
  const eventFFlags = (opts.eventFFlags ?? O_RDONLY) >>> 0;
  const sysctl = '/proc/sys/fs/fanotify/max_queued_events';
  let previous: string | null = null;
  if (opts.maxQueuedEvents !== undefined) {
    previous = readFileSync(sysctl, 'latin1');
    try {
      writeFileSync(sysctl, String(opts.maxQueuedEvents));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw sysError(code === 'EACCES' || code === 'EPERM' ? code : 'EINVAL', 'fanotify_init', sysctl, `setting max_queued_events needs root: ${(e as Error).message}`);
    }
  }
  let fd: number;
  try {
    fd = sys.fanotifyInit(flags | FAN_CLOEXEC | FAN_NONBLOCK, eventFFlags);
  } finally {
    if (previous !== null) writeFileSync(sysctl, previous);
  }
  return new HostFanotify(CREATE, fd, flags, opts);
}

/** A kernel fanotify group. Create it with hostFanotifyInit(). */
export class HostFanotify implements FanotifyApi {
  /** The fanotify_init flags as given. */
  readonly flags: number;
  readonly #fd: number;
  readonly #opts: HostFanotifyInitOptions;
  readonly #slots: Slot[] = [];
  #reader: KernelReader | null = null;
  #failure: Error | null = null;
  #closed = false;
  #released: Promise<void> = Promise.resolve();
  #ready: (() => void) | null = null;
  readonly #waiters = new ReadWaiters();
  readonly #cache: HandleCache | null;
  /** fsid key → the mount a mark of this group was added through (open_by_handle_at needs a descriptor on it). */
  readonly #filesystems = new Map<string, number>();
  readonly #mountFds = new Map<string, number>();

  /** @internal use hostFanotifyInit(). */
  constructor(token: typeof CREATE, fd: number, flags: number, opts: HostFanotifyInitOptions) {
    if (token !== CREATE) throw new TypeError('use hostFanotifyInit() to create a kernel fanotify group');
    this.#fd = fd;
    this.flags = flags;
    this.#opts = opts;
    this.#cache = flags & (FAN_REPORT_FID | FAN_REPORT_DIR_FID) ? new HandleCache(linuxSyscalls(), (fsid) => this.#mountFdFor(fsid)) : null;
  }

  /** The kernel's fanotify fd (for diagnostics: /proc/self/fdinfo/N). Do not read or close it. */
  get fd(): number {
    return this.#fd;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get nonblocking(): boolean {
    return (this.flags & FAN_NONBLOCK) !== 0;
  }

  get cloexec(): boolean {
    return (this.flags & FAN_CLOEXEC) !== 0;
  }

  /** Is the reader thread running (events are read as soon as they are queued)? */
  get reading(): boolean {
    return this.#reader?.state === 'running' && !this.#reader.paused;
  }

  /**
   * Run `callback` (on the main thread) whenever the reader delivered
   * events; starts the reader. null removes it.
   */
  onReady(callback: (() => void) | null): void {
    this.#checkOpen('read');
    this.#ready = callback;
    if (callback) this.#startReader('now');
  }

  /**
   * fanotify_mark(2), relative to `dirfd` (AT_FDCWD by default); a null
   * `path` marks what `dirfd` refers to. The errors are the kernel's (F3):
   * EINVAL, EBADF, ENOENT, ENOTDIR, EACCES, EISDIR, EEXIST, EXDEV, ENODEV,
   * EOPNOTSUPP, ENOSPC, and EPERM — for mount and filesystem marks without
   * CAP_SYS_ADMIN, with a message saying so. Adding the first permission
   * mark starts the reader thread (and waits until it polls).
   */
  mark(flags: number, mask: number, path: string | null): void;
  mark(flags: number, mask: number, dirfd: number, path: string | null): void;
  mark(flags: number, mask: number, a: string | number | null, b?: string | null): void {
    const dirfd = typeof a === 'number' ? a : AT_FDCWD;
    const path = typeof a === 'number' ? (b ?? null) : a;
    this.#checkOpen('fanotify_mark', path ?? undefined);
    flags >>>= 0;
    const permissionMark =
      (flags & FAN_MARK_ADD) !== 0 && (flags & IGNORE_FLAGS) === 0 && (Number(mask) & PERMISSION_EVENTS) !== 0 && (this.flags & (FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT)) !== 0;
    // Before the mark exists the reader thread must be up (paused: it reads nothing yet), so
    // that it never has to load a file the new mark gates; it starts reading once the mark stands.
    if (permissionMark) this.#startReader('paused');
    try {
      linuxSyscalls().fanotifyMark(this.#fd, flags, mask, dirfd, path);
    } catch (e) {
      if (isSystemError(e, 'EPERM') && flags & (FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM | FAN_MARK_MNTNS)) {
        throw sysError('EPERM', 'fanotify_mark', path ?? undefined, 'mount and filesystem marks need CAP_SYS_ADMIN: run as root');
      }
      throw e;
    }
    if (permissionMark) this.#startReader('now');
    if (this.#cache && flags & FAN_MARK_ADD) this.#noteFilesystem(dirfd, path, (flags & FAN_MARK_DONT_FOLLOW) === 0);
  }

  /**
   * read(2) as objects: up to `maxEvents` events, oldest first. In
   * descriptor mode each carries a descriptor the caller must close. Throws
   * EBADF (closed), EAGAIN (nothing queued), or the error of opening an
   * event's descriptor (that event is lost, as in the kernel), or the reader
   * thread's failure.
   */
  read(maxEvents = Infinity): FanotifyEvent[] {
    if (this.#closed) throw sysError('EBADF', 'read', undefined, 'the fanotify group is closed');
    const out: FanotifyEvent[] = [];
    while (out.length < maxEvents) {
      if (this.#slots.length === 0 && !this.#readDirect()) break;
      const slot = this.#slots[0]!;
      if ('error' in slot) {
        if (out.length > 0) break;
        this.#slots.shift();
        throw slot.error;
      }
      this.#slots.shift();
      out.push(slot.event);
    }
    if (out.length === 0) {
      if (this.#failure) throw this.#failure;
      throw sysError('EAGAIN', 'read');
    }
    return out;
  }

  /**
   * read(2) as the kernel's bytes: as many whole events as fit in
   * `bufferSize` (descriptors inside are live: close them). Throws EBADF,
   * EAGAIN, EINVAL (the next event does not fit), as read() otherwise.
   */
  readBytes(bufferSize: number): Buffer {
    if (this.#closed) throw sysError('EBADF', 'read', undefined, 'the fanotify group is closed');
    if (this.#slots.length === 0 && this.#direct()) {
      const buf = Buffer.alloc(bufferSize);
      const n = linuxSyscalls().read(this.#fd, buf);
      if (n < 0) throw sysError('EAGAIN', 'read');
      const bytes = buf.subarray(0, n);
      for (const ev of decodeFanotify(bytes)) this.#observe(ev);
      return bytes;
    }
    const chunks: Buffer[] = [];
    let left = bufferSize;
    while (this.#slots.length > 0) {
      const slot = this.#slots[0]!;
      if ('error' in slot) {
        if (chunks.length > 0) break;
        this.#slots.shift();
        throw slot.error;
      }
      if (slot.raw.length > left) {
        if (chunks.length === 0) throw sysError('EINVAL', 'read', undefined, `a ${bufferSize}-byte buffer cannot hold the next ${slot.raw.length}-byte event`);
        break;
      }
      this.#slots.shift();
      chunks.push(slot.raw);
      left -= slot.raw.length;
    }
    if (chunks.length === 0) {
      if (this.#failure) throw this.#failure;
      throw sysError('EAGAIN', 'read');
    }
    return Buffer.concat(chunks);
  }

  /** Resolves with the next events as soon as there are some (starts the reader); [] if the group is closed meanwhile. */
  async readAsync(maxEvents = Infinity): Promise<FanotifyEvent[]> {
    this.#checkOpen('read');
    this.#startReader('now');
    while (this.#slots.length === 0) {
      if (this.#failure) throw this.#failure;
      await this.#waitQueued();
      if (this.#closed) return [];
    }
    return this.read(maxEvents);
  }

  /** Yields events one by one as they come (starts the reader), until close(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<FanotifyEvent, void, undefined> {
    this.#checkOpen('read');
    this.#startReader('now');
    for (;;) {
      if (this.#closed) return;
      if (this.#slots.length === 0) {
        if (this.#failure) throw this.#failure;
        await this.#waitQueued();
        continue;
      }
      for (const e of this.read(1)) yield e;
    }
  }

  /**
   * write(2) of a struct fanotify_response from this thread: answer the
   * permission event with descriptor `fd` (or given as the event) with
   * 'allow', 'deny' or FAN_ALLOW / FAN_DENY / FAN_DENY_ERRNO(e). The kernel
   * checks it (F14): EINVAL (bad response, fd < 0), ENOENT (no such pending
   * event: answered already, by a policy, a timeout or a second respond()).
   * EBADF when the group is closed.
   */
  respond(target: number | FanotifyEvent, response: PermissionResponse): void {
    this.#checkOpen('write');
    const fd = typeof target === 'number' ? target : target.fd;
    RESPONSE.writeInt32LE(fd | 0, 0);
    RESPONSE.writeUInt32LE(responseNumber(response), 4);
    linuxSyscalls().write(this.#fd, RESPONSE);
  }

  /** ioctl(FIONREAD): bytes of the events buffered here plus those still queued in the kernel. */
  get queuedBytes(): number {
    this.#checkOpen('ioctl');
    let n = 0;
    for (const slot of this.#slots) if ('raw' in slot) n += slot.raw.length;
    if (this.#direct()) n += linuxSyscalls().fionread(this.#fd);
    return n;
  }

  /** The kernel's fanotify lines of /proc/self/fdinfo/<fd> (F20): flags, then one line per mark. */
  fdinfo(): string[] {
    this.#checkOpen('fdinfo');
    return readFileSync(`/proc/self/fdinfo/${this.#fd}`, 'latin1')
      .split('\n')
      .filter((l) => l.startsWith('fanotify'));
  }

  /**
   * Resolve once every event queued in the kernel before this call can be
   * read (with the reader running: has been delivered; without: at once).
   */
  flush(): Promise<void> {
    return this.#direct() ? Promise.resolve() : this.#reader!.flush();
  }

  /**
   * The path of a file-handle record (FID, DFID, DFID_NAME, OLD/NEW_DFID_NAME):
   * the object's current path, with "/name" for named records ("." names the
   * directory itself); the last known path when the object is gone. Cached
   * and kept correct across renames (handle-cache.ts). Throws ESTALE (gone
   * and never seen), ENODEV (no mark of this group on that filesystem),
   * EPERM (needs CAP_DAC_READ_SEARCH), EINVAL (not a FID group).
   */
  pathOf(info: FanotifyFidInfo): string {
    this.#checkOpen('open_by_handle_at');
    if (!this.#cache) throw sysError('EINVAL', 'open_by_handle_at', undefined, 'this group reports no file handles');
    const dir = this.#cache.resolve(info.fsid, info.handle.type, info.handle.bytes);
    if (info.name === null || info.name === '.') return dir;
    return (dir === '/' ? '' : dir) + '/' + info.name;
  }

  /**
   * close(2): stop queueing; the kernel answers FAN_ALLOW to every pending
   * permission event (F15). With the reader running, the reader thread
   * closes the fd as it exits — promptly, even if this thread then blocks on
   * a gated file; `whenClosed()` resolves after. Descriptors of events not
   * read yet are closed. Throws EBADF when already closed.
   */
  close(): void {
    if (this.#closed) throw sysError('EBADF', 'close', undefined, 'the fanotify group is closed');
    this.#closed = true;
    const reader = this.#reader;
    // A reader that ran owns the fd (it closes it as it exits, or did when it failed); one that never ran does not.
    if (reader && reader.state !== 'idle') this.#released = reader.stop();
    else linuxSyscalls().close(this.#fd);
    for (const slot of this.#slots.splice(0)) if ('event' in slot) releaseEvent(slot.event);
    for (const fd of this.#mountFds.values()) closeQuietly(fd);
    this.#mountFds.clear();
    this.#cache?.clear();
    this.#wakeReaders();
  }

  /** Resolves once the kernel fd is really closed (after close()). */
  whenClosed(): Promise<void> {
    return this.#released;
  }

  /** For debugging: `HostFanotify(fd 12, reading, 3 buffered)`. */
  toString(): string {
    if (this.#closed) return 'HostFanotify(closed)';
    return `HostFanotify(fd ${this.#fd}, ${this.reading ? 'reading' : 'direct'}, ${this.#slots.length} buffered)`;
  }

  // ---------------------------------------------------------------- reading

  /**
   * 'now': the reader reads from now on (started, or resumed if paused);
   * 'paused': make sure the thread is up and polling, without reading.
   */
  #startReader(how: 'now' | 'paused'): void {
    if (this.#failure) throw this.#failure;
    let reader = this.#reader;
    if (!reader) {
      const opts = this.#opts;
      const permission = responderConfig(opts);
      reader = new KernelReader(
        this.#fd,
        (buf, answers) => this.#accept(buf, answers),
        (err) => this.#fail(err),
        {
          ...(opts.reader ?? {}),
          ownsFd: true,
          flushable: true,
          onReadError: (err) => this.#push({ error: err as SystemError }),
          ...(permission ? { permission } : {}),
        },
      );
      this.#reader = reader;
    }
    if (reader.state === 'stopped' || reader.state === 'stopping') return;
    if (how === 'paused') reader.startSync(undefined, true);
    else if (reader.state === 'running') reader.resume();
    else reader.start();
  }

  /** Does this thread read the kernel fd itself (no reader, or one that is paused)? */
  #direct(): boolean {
    return this.#reader === null || this.#reader.state === 'idle' || this.#reader.paused;
  }

  /** One non-blocking read(2) on this thread when no reader runs; false when nothing was queued. */
  #readDirect(): boolean {
    if (!this.#direct() || this.#closed) return false;
    const buf = Buffer.allocUnsafe(DIRECT_READ_SIZE);
    let n: number;
    try {
      n = linuxSyscalls().read(this.#fd, buf);
    } catch (e) {
      if (!isSystemError(e) || e.code === 'EBADF') throw e;
      this.#slots.push({ error: e });
      return true;
    }
    if (n < 0) return false;
    this.#accept(buf.subarray(0, n), [], false);
    return this.#slots.length > 0;
  }

  /** Events off the kernel (reader thread or direct read): decode, bookkeep, answer or buffer. */
  #accept(buf: Buffer, answers: readonly PermissionAnswer[], notify = true): void {
    const byFd = new Map<number, PermissionAnswer>();
    for (const a of answers) byFd.set(a.fd, a);
    if (this.#closed) {
      for (const ev of decodeFanotify(buf)) releaseKernelEvent(ev);
      return;
    }
    this.#cache?.newBatch();
    let off = 0;
    let added = false;
    for (const kev of decodeFanotify(buf)) {
      const raw = buf.subarray(off, off + kev.eventLen);
      off += kev.eventLen;
      this.#observe(kev);
      const answer = kev.fd >= 0 && kev.mask & PERMISSION_EVENTS ? byFd.get(kev.fd) : undefined;
      if (answer) byFd.delete(kev.fd);
      const event = toEvent(kev, answer);
      if (kev.mask & PERMISSION_EVENTS && !answer && kev.fd >= 0 && this.#opts.onPermission) {
        this.#decide(event);
        continue;
      }
      this.#slots.push({ event, raw: Buffer.from(raw) });
      added = true;
    }
    // Answers for events delivered earlier (timeouts): mark them if still buffered.
    if (byFd.size > 0) {
      for (let i = this.#slots.length - 1; i >= 0 && byFd.size > 0; i--) {
        const slot = this.#slots[i]!;
        if (!('event' in slot)) continue;
        const a = byFd.get(slot.event.fd);
        if (a && slot.event.response === undefined && slot.event.mask & PERMISSION_EVENTS) {
          this.#slots[i] = { event: { ...slot.event, response: a.response }, raw: slot.raw };
          byFd.delete(slot.event.fd);
        }
      }
    }
    if (added && notify) this.#notifyQueued();
  }

  #push(slot: Slot): void {
    if (this.#closed) return;
    this.#slots.push(slot);
    this.#notifyQueued();
  }

  #notifyQueued(): void {
    this.#wakeReaders();
    if (this.#slots.length > 0) this.#ready?.();
  }

  /** onPermission: the main thread's decision function; the event is consumed, its descriptor closed. */
  #decide(event: FanotifyEvent): void {
    let response: PermissionResponse = 'allow';
    let error: unknown = null;
    try {
      response = this.#opts.onPermission!(event);
    } catch (e) {
      error = e;
    }
    try {
      this.respond(event.fd, response);
    } catch (e) {
      if (!isSystemError(e, 'ENOENT')) error ??= e; // ENOENT: the timeout answered first
    } finally {
      releaseEvent(event);
    }
    if (error !== null) {
      if (this.#opts.onError) this.#opts.onError(error as Error);
      else throw error;
    }
  }

  #fail(err: Error): void {
    this.#failure = err;
    this.#opts.onError?.(err);
    this.#wakeReaders();
  }

  // ---------------------------------------------------------------- file handles

  /** Keep the handle cache right: renames rewrite cached paths, deletions invalidate them (peeks only, no system call). */
  #observe(ev: KernelEvent): void {
    const cache = this.#cache;
    if (!cache || !(ev.mask & (FAN_MOVED_FROM | FAN_MOVED_TO | FAN_RENAME | FAN_DELETE | FAN_DELETE_SELF | FAN_MOVE_SELF))) return;
    const isDir = (ev.mask & FAN_ONDIR) !== 0;
    const named = (type: number): string | null => {
      const i = ev.info.find((r) => r.kind === 'fid' && r.infoType === type);
      if (!i || i.kind !== 'fid' || i.name === null) return null;
      const dir = cache.peek(i.fsid, i.handleType, i.handle);
      return dir === null ? null : (dir === '/' ? '' : dir) + '/' + i.name;
    };
    if (ev.mask & FAN_RENAME) {
      const from = named(FAN_EVENT_INFO_TYPE_OLD_DFID_NAME);
      const to = named(FAN_EVENT_INFO_TYPE_NEW_DFID_NAME);
      if (from !== null && to !== null) cache.moved(from, to, isDir);
      else if (from !== null) cache.removed(from, isDir);
      else cache.newBatch();
      return;
    }
    if (ev.mask & (FAN_DELETE | FAN_MOVED_FROM)) {
      const dfid = ev.info.find((r) => r.kind === 'fid' && r.name !== null && r.name !== '.');
      if (dfid && dfid.kind === 'fid') {
        const dir = cache.peek(dfid.fsid, dfid.handleType, dfid.handle);
        if (dir !== null) {
          // A directory moved away still exists: only a deleted one is buried.
          cache.removed((dir === '/' ? '' : dir) + '/' + dfid.name, isDir && (ev.mask & FAN_DELETE) !== 0);
          return;
        }
      }
    }
    cache.newBatch();
  }

  /** After an ADD on a FID group: remember the mount id and a path of the filesystem, for open_by_handle_at later. */
  #noteFilesystem(dirfd: number, path: string | null, follow: boolean): void {
    const sys = linuxSyscalls();
    try {
      const where = path === null ? `/proc/self/fd/${dirfd}` : dirfd === AT_FDCWD || path.startsWith('/') ? path : `/proc/self/fd/${dirfd}/${path}`;
      const st = path === null ? sys.fstatfs(dirfd) : sys.statfs(where);
      const key = fsidKey(st.fsid);
      if (this.#filesystems.has(key)) return;
      const h = path === null ? sys.nameToHandleAt(dirfd, '', AT_EMPTY_PATH) : sys.nameToHandleAt(dirfd, path, follow ? AT_SYMLINK_FOLLOW : 0);
      this.#filesystems.set(key, h.mountId);
    } catch {
      // The mark stands; handles of that filesystem just cannot be resolved (ENODEV).
    }
  }

  /** A descriptor on the filesystem `fsid`: its mount's root directory, opened once (see the header). */
  #mountFdFor(fsid: readonly [number, number]): number | null {
    const key = fsidKey(fsid);
    const open = this.#mountFds.get(key);
    if (open !== undefined) return open;
    const mountId = this.#filesystems.get(key);
    if (mountId === undefined) return null;
    const mountPoint = mountPointOf(mountId);
    if (mountPoint === null) return null;
    try {
      const fd = linuxSyscalls().open(mountPoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      this.#mountFds.set(key, fd);
      return fd;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- helpers

  #checkOpen(syscall: string, path?: string): void {
    if (this.#closed) throw sysError('EBADF', syscall, path, 'the fanotify group is closed');
    // The reader thread closed the fd when it failed: the number may name another file by now.
    if (this.#reader?.state === 'stopped') throw sysError('EBADF', syscall, path, `the reader thread failed and closed the fanotify fd: ${this.#failure?.message ?? 'exited'}`);
  }

  #waitQueued(): Promise<void> {
    return this.#waiters.wait();
  }

  #wakeReaders(): void {
    this.#waiters.wake(true);
  }
}

/** The worker's part of the options, or null when the worker answers nothing. */
function responderConfig(opts: HostFanotifyInitOptions): ResponderConfig | null {
  const policy = opts.permissionPolicy;
  const timeout = opts.permissionTimeout;
  if (!policy && !timeout) return null;
  return {
    rules: policy
      ? (policy.rules ?? []).map((r) => ({
          ...(r.path !== undefined ? { path: r.path } : {}),
          ...(r.event !== undefined ? { event: r.event >>> 0 } : {}),
          ...(r.nth !== undefined ? { nth: r.nth } : {}),
          response: responseNumber(r.response),
        }))
      : null,
    dflt: responseNumber(policy?.default ?? 'allow'),
    root: policy?.root ?? null,
    timeoutMs: timeout ? timeout.ms : null,
    timeoutResponse: responseNumber(timeout?.response ?? 'allow'),
  };
}

/** The front-end's event object for a decoded kernel event. */
function toEvent(kev: KernelEvent, answer: PermissionAnswer | undefined): FanotifyEvent {
  const info: FanotifyInfo[] = [];
  for (const i of kev.info) {
    const rec = toInfo(i);
    if (rec) info.push(rec);
  }
  const event: { -readonly [K in keyof FanotifyEvent]: FanotifyEvent[K] } = { mask: kev.mask, fd: kev.fd, pid: kev.pid, info };
  if (answer) {
    event.response = answer.response;
    if (answer.path !== null) event.fdPath = answer.path;
  }
  return event;
}

/** Records of types this version does not know are left out. */
function toInfo(i: KernelInfo): FanotifyInfo | null {
  switch (i.kind) {
    case 'fid':
      return { type: i.infoType, fsid: i.fsid, handle: { type: i.handleType, bytes: new Uint8Array(i.handle) }, name: i.name };
    case 'pidfd':
      return { type: i.infoType, pidfd: i.pidfd };
    case 'error':
      return { type: i.infoType, error: i.error, errorCount: i.errorCount };
    case 'range':
      return { type: i.infoType, offset: i.offset, count: i.count };
    case 'mnt':
      return { type: i.infoType, mntId: i.mntId };
    default:
      return null;
  }
}

/** Close what an event handed us: its descriptor and a pidfd. */
function releaseEvent(ev: FanotifyEvent): void {
  if (ev.fd >= 0) closeQuietly(ev.fd);
  for (const i of ev.info) if (i.type === FAN_EVENT_INFO_TYPE_PIDFD && 'pidfd' in i && i.pidfd >= 0) closeQuietly(i.pidfd);
}

function releaseKernelEvent(ev: KernelEvent): void {
  if (ev.fd >= 0) closeQuietly(ev.fd);
  for (const i of ev.info) if (i.kind === 'pidfd' && i.pidfd >= 0) closeQuietly(i.pidfd);
}

function closeQuietly(fd: number): void {
  try {
    linuxSyscalls().close(fd);
  } catch {
    // already closed by its owner
  }
}

function fsidKey(fsid: readonly [number, number]): string {
  return `${fsid[0]}.${fsid[1]}`;
}

/** The mount point of mount `mountId` (/proc/self/mountinfo field 5, octal escapes decoded), or null. */
export function mountPointOf(mountId: number): string | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    if (Number(fields[0]) === mountId && fields[4] !== undefined) {
      return fields[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    }
  }
  return null;
}
