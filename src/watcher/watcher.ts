/**
 * The Watcher: a recursive, race-free, overflow-recovering view of a
 * directory tree as a stream of normalized events.
 *
 *   const w = watch('/srv/app', { ignore: ['**\/node_modules', '*.log'] });
 *   await w.ready;
 *   w.on('event', (e) => console.log(e.type, e.path));
 *   for await (const e of w) …            // or iterate, with a bounded buffer
 *   await w.close();
 *
 * One inotify instance per Watcher, on the host's kernel by default or on
 * any Source (a VfsProcess for in-memory trees). TreeSync (sync.ts) keeps
 * the model and decides what happened; this class delivers: per batch (one
 * read of the queue) it folds atomic saves if asked, then calls 'event'
 * listeners, feeds iterators and calls 'batch' listeners — at once, or after
 * a settle delay when `batch` is set.
 *
 * LIFETIME. watch() returns at once; the initial scan runs in a microtask,
 * so listeners attached right after watch() see 'ready' (and 'error').
 * `ready` rejects when the root cannot be watched. close() (or the signal)
 * closes the inotify instance — on the host the kernel watches go and the
 * reader thread stops, so the process can exit —, clears the timers, ends
 * iterations and delivers a pending batch.
 */
import { realpathSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import type { Source } from '../core/index.js';
import { isSystemError, sysError } from '../errors.js';
import { createFsListener } from '../host/linux/fs-listener.js';
import { defaultHostSource } from '../host/registry.js';
import { inotifyInit, type Inotify, type InotifyEvent } from '../inotify/index.js';
import { foldAtomicSaves } from './fold.js';
import { fsForSource, type WatcherFs } from './fs-adapter.js';
import { IgnoreMatcher } from './glob.js';
import { FanSync, type PathEvent, type PathListener, type PathListenerFactory, type PathListenerHandlers } from './fan-sync.js';
import { TreeSync, type SyncOptions, type SyncSink } from './sync.js';
import type { BatchOptions, Coverage, WatchEvent, WatchEventType, WatchOptions } from './types.js';

const DEFAULT_BUFFER_SIZE = 16384;
const DEFAULT_POLL_INTERVAL_MS = 1000;
/** On the host, how long a MOVED_FROM that ended a read waits for its MOVED_TO. */
/** Without a barrier, how long a split rename pair may take; with one, the barrier's own bound. */
const HOST_MOVE_GRACE_MS = 2000;

/** The source's exact delivery barrier, if it has one. */
function sourceBarrier(source: object): (() => Promise<void>) | undefined {
  const flush = (source as { flush?: () => Promise<void> }).flush;
  return typeof flush === 'function' ? () => flush.call(source) : undefined;
}
/** On the host, how long without a batch tells that the reader thread had drained the queue. */
const QUIET_PROBE_MS = 10;

/** Listener signatures, by channel. */
export interface WatcherEvents {
  /** One normalized event. */
  event: [event: WatchEvent];
  /** The events of one batch: one read of the queue, or one settle window with `batch`. */
  batch: [events: WatchEvent[]];
  /**
   * A kernel event as read, with the path of the watched directory it is
   * about; `synthetic` for the CREATEs made up for the entries found when a
   * new directory is first listed.
   */
  raw: [event: InotifyEvent, directory: string, synthetic: boolean];
  error: [error: Error];
  ready: [];
  /** Coverage changed (a subtree became polled, or watched again). */
  coverage: [coverage: Coverage];
  close: [];
}

type Listener<K extends keyof WatcherEvents> = (...args: WatcherEvents[K]) => void;
type ListenerTable = { [K in keyof WatcherEvents]: Listener<K>[] };

/**
 * Watch the tree at `root` (see Watcher). Throws EINVAL for bad options;
 * errors watching the root (ENOENT, ENOTDIR, EACCES, EMFILE; EPERM for
 * mode 'fanotify' without CAP_SYS_ADMIN) reject `ready`.
 */
export function watch(root: string, options: WatchOptions = {}): Watcher {
  return new Watcher(root, options);
}

export class Watcher implements AsyncIterable<WatchEvent> {
  /** The watched root, absolute, without a trailing slash. */
  readonly root: string;
  /** Resolves once every directory is watched (or polled) and listed; rejects if the root cannot be watched. */
  readonly ready: Promise<void>;
  readonly #options: WatchOptions;
  readonly #source: Source;
  readonly #fs: WatcherFs;
  readonly #ignore: IgnoreMatcher;
  #ino: Inotify | null = null;
  #sync: TreeSync | FanSync | null = null;
  /** The switch to fanotify at the watch limit: not tried yet, under way, done, or impossible. */
  #limitSwitch: 'no' | 'pending' | 'done' | 'refused' = 'no';
  readonly #listeners: ListenerTable = { event: [], batch: [], raw: [], error: [], ready: [], coverage: [], close: [] };
  readonly #iterators = new Set<EventIterator>();
  #out: WatchEvent[] = [];
  /** How many events at the head of #out were given as `early`. */
  #early = 0;
  /** Renames that replaced an entry (for folding); null unless `atomic`. */
  readonly #replacing: Set<WatchEvent> | null;
  #hasRename = false;
  readonly #batch: BatchOptions | undefined;
  #batched: WatchEvent[] = [];
  #batchFirstAt = 0;
  #settleTimer: NodeJS.Timeout | null = null;
  #state: 'starting' | 'ready' | 'closed' = 'starting';
  #resolveReady!: () => void;
  #rejectReady!: (e: unknown) => void;
  #abort: (() => void) | null = null;
  readonly #sink: SyncSink;

  constructor(root: string, options: WatchOptions = {}) {
    if (typeof root !== 'string' || root === '') throw sysError('EINVAL', 'watch', undefined, 'root must be a non-empty path');
    if (options.mode !== undefined && options.mode !== 'inotify' && options.mode !== 'fanotify') throw sysError('EINVAL', 'watch', root, `unknown mode '${String(options.mode)}'`);
    checkOptions(root, options);
    this.#options = options;
    this.#source = options.source ?? defaultHostSource();
    if (options.mode === 'fanotify') {
      if (this.#source.kind !== 'host') {
        throw sysError('EINVAL', 'watch', root, `fanotify mode needs the host's kernel (a Linux inotify source), not a '${this.#source.kind}' source`);
      }
      if (options.followSymlinks === true) throw sysError('EINVAL', 'watch', root, 'fanotify mode follows no symbolic links (a filesystem mark sees only its own filesystem)');
      if (options.rawMask !== undefined && options.rawMask !== 0) throw sysError('EINVAL', 'watch', root, 'fanotify mode has no raw inotify events (rawMask)');
    }
    this.root = this.#source.kind === 'vfs' ? posix.resolve('/', root) : resolve(root);
    this.#fs = options.fs ?? fsForSource(this.#source);
    this.#ignore = new IgnoreMatcher(options.ignore, this.root);
    this.#replacing = options.atomic === true ? new Set() : null;
    this.#batch = options.batch;
    this.ready = new Promise<void>((res, rej) => {
      this.#resolveReady = res;
      this.#rejectReady = rej;
    });
    this.ready.catch(() => {}); // a rejection is also reported on 'error'; never unhandled
    this.#sink = this.#makeSink();
    const signal = options.signal;
    if (signal?.aborted) {
      void this.#closeWith(signal.reason);
      return;
    }
    if (signal !== undefined) {
      this.#abort = () => void this.#closeWith(signal.reason);
      signal.addEventListener('abort', this.#abort, { once: true });
    }
    queueMicrotask(() => this.#start());
  }

  // ---------------------------------------------------------------- listeners

  /** Add a listener. 'ready' added after the Watcher is ready is called on the next microtask. */
  on<K extends keyof WatcherEvents>(name: K, listener: Listener<K>): this {
    const list = this.#listeners[name] as Listener<K>[] | undefined;
    if (list === undefined) throw new TypeError(`unknown Watcher event '${String(name)}'`);
    list.push(listener);
    if (name === 'ready' && this.#state === 'ready') queueMicrotask(() => (listener as () => void)());
    return this;
  }

  /** Remove a listener added with on(). */
  off<K extends keyof WatcherEvents>(name: K, listener: Listener<K>): this {
    const list = this.#listeners[name] as Listener<K>[] | undefined;
    const i = list?.indexOf(listener) ?? -1;
    if (i >= 0) list!.splice(i, 1);
    return this;
  }

  /** Like on(), removed after its first call. */
  once<K extends keyof WatcherEvents>(name: K, listener: Listener<K>): this {
    const wrapper = ((...args: WatcherEvents[K]) => {
      this.off(name, wrapper);
      listener(...args);
    }) as Listener<K>;
    return this.on(name, wrapper);
  }

  /**
   * Iterate the events. Each iterator buffers up to `bufferSize` events;
   * beyond that events are dropped for it and one `overflow` event marks the
   * gap (Watcher.paths() then gives the whole current state). Ends when the
   * Watcher closes; throws if it fails.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent> {
    const it = new EventIterator(this.#options.bufferSize ?? DEFAULT_BUFFER_SIZE, this.root, (x) => this.#iterators.delete(x));
    if (this.#state === 'closed') it.end();
    else this.#iterators.add(it);
    return it;
  }

  // ---------------------------------------------------------------- queries and actions

  /** Which subtrees are event-driven and which are polled (the watch limit). */
  coverage(): Coverage {
    return (
      this.#sync?.coverage() ?? {
        complete: false,
        watchedDirs: 0,
        polledDirs: 0,
        eventDriven: [],
        polled: [],
        unreadable: [],
        pollIntervalMs: this.#options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
        fanotify: [],
      }
    );
  }

  /** Every path the Watcher believes exists below the root, parents before children. */
  paths(): string[] {
    return this.#sync === null ? [] : [...this.#sync.paths()];
  }

  /** Every directory the Watcher knows of, the root first (watched, polled or ignored-below). */
  directories(): string[] {
    return this.#sync === null ? [] : [...this.#sync.directories()];
  }

  /**
   * Handle now every event already queued (and deliver a pending batch),
   * instead of on the next turn. With an in-memory source this makes tests
   * deterministic: an operation's events are queued when it returns.
   */
  flush(): void {
    const ino = this.#ino;
    if (ino === null || this.#state === 'closed') {
      if (this.#settleTimer !== null) this.#releaseBatch();
      return;
    }
    for (;;) {
      let events: InotifyEvent[];
      try {
        events = ino.read();
      } catch (e) {
        if (!isSystemError(e, 'EAGAIN')) this.#fatal(e);
        break;
      }
      this.#apply(events);
    }
    if (this.#settleTimer !== null) this.#releaseBatch();
  }

  /**
   * Resolves once every event the kernel queued before the call has been
   * delivered to listeners (a pending batch too): the source's exact
   * barrier on the host, at once on an in-memory tree.
   */
  async drain(): Promise<void> {
    if (this.#state === 'starting') await this.ready.catch(() => undefined);
    const sync = this.#sync;
    if (this.#state === 'closed' || sync === null) return;
    // The host source's barrier is a marker watch: at the watch limit it may be refused (ENOSPC); what is queued is still read below.
    if (sync instanceof FanSync) await sync.barrier();
    else {
      try {
        await sourceBarrier(this.#source)?.();
      } catch (e) {
        if (!isSystemError(e, 'ENOSPC')) throw e;
      }
    }
    await new Promise<void>((res) => setImmediate(res));
    this.flush();
  }

  /** Rescan the whole tree now and emit the difference from what the Watcher knew, then `resync`. */
  rescan(): void {
    if (this.#state !== 'ready' || this.#sync === null) return;
    this.flush();
    this.#sync.rescan();
  }

  /** Poll the subtrees without watches now (otherwise done every `pollIntervalMs`). */
  poll(): void {
    if (this.#state !== 'ready' || this.#sync === null) return;
    this.flush();
    this.#sync.poll();
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /** Stop watching: kernel watches removed, timers cleared, iterations ended, a pending batch delivered. */
  close(): Promise<void> {
    return this.#closeWith(undefined);
  }

  // ---------------------------------------------------------------- internals

  #syncOptions(): SyncOptions {
    const vfs = this.#source.kind === 'vfs';
    return {
      recursive: this.#options.recursive ?? true,
      followSymlinks: this.#options.followSymlinks ?? false,
      ignore: this.#ignore,
      rawMask: this.#options.rawMask ?? 0,
      pollIntervalMs: this.#options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      moveGraceMs: vfs ? 0 : HOST_MOVE_GRACE_MS,
      barrier: sourceBarrier(this.#source),
      persistent: !vfs,
      quietProbeMs: vfs ? 0 : QUIET_PROBE_MS,
      onProgress: this.#options.onProgress,
      onLimit: () => this.#limitReached(),
    };
  }

  #start(): void {
    if (this.#state !== 'starting') return;
    if (this.#options.mode === 'fanotify') {
      this.#startFanotify();
      return;
    }
    let ino: Inotify;
    try {
      const max = this.#options.maxQueuedEvents;
      ino = inotifyInit(max === undefined ? { source: this.#source } : { source: this.#source, maxQueuedEvents: max });
    } catch (e) {
      this.#failStart(e);
      return;
    }
    this.#ino = ino;
    const sync = new TreeSync(this.root, ino, this.#fs, this.#syncOptions(), this.#sink);
    this.#sync = sync;
    try {
      sync.scan();
    } catch (e) {
      this.#failStart(e);
      return;
    }
    if (this.#state !== 'starting') return; // closed by a progress callback
    this.#becomeReady();
    void this.#loop(ino);
  }

  #becomeReady(): void {
    this.#state = 'ready';
    this.#resolveReady();
    for (const fn of [...this.#listeners.ready]) this.#call(fn);
  }

  /** fanotify mode: mark, list, ready. */
  #startFanotify(): void {
    const sink: SyncSink = { ...this.#sink, rawWanted: false, raw: () => undefined };
    const sync = new FanSync(this.root, this.#fs, this.#syncOptions(), sink, hostPathListener);
    this.#sync = sync;
    try {
      sync.start();
    } catch (e) {
      this.#failStart(e);
      return;
    }
    if (this.#state !== 'starting') return; // closed by a progress callback
    this.#becomeReady();
  }

  /**
   * inotify mode, the kernel refused a watch: switch to a fanotify
   * filesystem mark when allowed (see fan-sync.ts), after the current batch.
   */
  #limitReached(): void {
    if (this.#limitSwitch !== 'no' || this.#options.onLimit === 'poll' || this.#source.kind !== 'host') return;
    if (typeof process.geteuid === 'function' && process.geteuid() !== 0) {
      this.#limitSwitch = 'refused'; // fanotify filesystem marks need CAP_SYS_ADMIN
      return;
    }
    this.#limitSwitch = 'pending';
    setImmediate(() => {
      if (this.#state === 'starting') void this.ready.then(() => this.#switchToFanotify(), () => undefined);
      else this.#switchToFanotify();
    });
  }

  #switchToFanotify(): void {
    const old = this.#sync;
    const ino = this.#ino;
    if (this.#state !== 'ready' || !(old instanceof TreeSync) || ino === null) return;
    this.flush(); // every inotify event queued so far applied first
    if (this.#state !== 'ready') return;
    const sink: SyncSink = { ...this.#sink, rawWanted: false, raw: () => undefined };
    const fan = new FanSync(this.root, this.#fs, this.#syncOptions(), sink, hostPathListener, old.root);
    try {
      fan.mark();
    } catch {
      this.#limitSwitch = 'refused'; // no fanotify here (EPERM in a container, EOPNOTSUPP…): polling goes on
      return;
    }
    const since = old.release();
    this.#sync = fan;
    this.#ino = null;
    ino.close(); // every inotify watch of this Watcher is freed
    try {
      fan.resyncAdopted(since);
    } catch (e) {
      this.#fatal(e);
      return;
    }
    this.#limitSwitch = 'done';
    this.#sink.coverageChanged();
  }

  #failStart(e: unknown): void {
    const err = toError(e);
    this.#rejectReady(err);
    if (this.#listeners.error.length > 0) this.#emitError(err);
    void this.#closeWith(undefined);
  }

  async #loop(ino: Inotify): Promise<void> {
    for (;;) {
      let events: InotifyEvent[];
      try {
        events = await ino.readAsync();
      } catch (e) {
        if (this.#state !== 'closed' && this.#ino === ino) this.#fatal(e);
        return;
      }
      if (this.#state === 'closed' || this.#ino !== ino) return;
      this.#apply(events);
    }
  }

  #apply(events: InotifyEvent[]): void {
    try {
      (this.#sync as TreeSync).applyBatch(events);
    } catch (e) {
      this.#emitError(e);
      this.#deliver();
    }
  }

  /** The source failed (host reader crashed …): report, end iterations with the error, close. */
  #fatal(e: unknown): void {
    const err = toError(e);
    for (const it of this.#iterators) it.fail(err);
    this.#iterators.clear();
    this.#emitError(err);
    void this.#closeWith(undefined);
  }

  #makeSink(): SyncSink {
    const self = this;
    return {
      event(type: WatchEventType, path: string, isDirectory: boolean, oldPath: string | undefined, replaced: boolean, early?: boolean): void {
        if (early === true) {
          self.#out.splice(self.#early++, 0, { type, path, isDirectory });
          return;
        }
        if (oldPath === undefined) {
          self.#out.push({ type, path, isDirectory });
          return;
        }
        const e: WatchEvent = { type, path, isDirectory, oldPath };
        self.#out.push(e);
        self.#hasRename = true;
        if (replaced) self.#replacing?.add(e);
      },
      get rawWanted(): boolean {
        return self.#listeners.raw.length > 0;
      },
      raw(event: InotifyEvent, dir: string, synthetic: boolean): void {
        for (const fn of self.#listeners.raw) self.#call(fn, event, dir, synthetic);
      },
      flush(): void {
        self.#deliver();
      },
      coverageChanged(): void {
        if (self.#listeners.coverage.length === 0 || self.#sync === null) return;
        const c = self.#sync.coverage();
        for (const fn of [...self.#listeners.coverage]) self.#call(fn, c);
      },
      error(e: unknown): void {
        self.#emitError(e);
      },
    };
  }

  /** The end of a batch: fold, then deliver now or after the settle delay. */
  #deliver(): void {
    if (this.#out.length === 0) return;
    let events = this.#out;
    this.#out = [];
    this.#early = 0;
    if (this.#batch !== undefined) {
      this.#queueBatch(events);
      return;
    }
    if (this.#replacing !== null && this.#hasRename) {
      events = foldAtomicSaves(events, this.#replacing);
      this.#replacing.clear();
    }
    this.#hasRename = false;
    this.#dispatch(events);
  }

  #queueBatch(events: WatchEvent[]): void {
    const batched = this.#batched;
    for (const e of events) batched.push(e);
    const batch = this.#batch!;
    const now = Date.now();
    if (this.#batchFirstAt === 0) this.#batchFirstAt = now;
    const maxWait = batch.maxWaitMs ?? batch.settleMs * 10;
    const delay = Math.max(0, Math.min(batch.settleMs, this.#batchFirstAt + maxWait - now));
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => this.#releaseBatch(), delay);
  }

  #releaseBatch(): void {
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer);
    this.#settleTimer = null;
    this.#batchFirstAt = 0;
    let events = this.#batched;
    if (events.length === 0) return;
    this.#batched = [];
    if (this.#replacing !== null && this.#hasRename) {
      events = foldAtomicSaves(events, this.#replacing);
      this.#replacing.clear();
    }
    this.#hasRename = false;
    this.#dispatch(events);
  }

  #dispatch(events: WatchEvent[]): void {
    const listeners = this.#listeners.event;
    const iterators = this.#iterators;
    if (listeners.length > 0 || iterators.size > 0) {
      for (let i = 0; i < events.length; i++) {
        if (this.#state === 'closed') return; // close() called by a listener: nothing more
        const e = events[i]!;
        for (let k = 0; k < listeners.length; k++) {
          try {
            listeners[k]!(e);
          } catch (err) {
            this.#listenerThrew(err);
          }
        }
        for (const it of iterators) it.push(e);
      }
    }
    if (this.#state === 'closed') return;
    for (const fn of this.#listeners.batch) this.#call(fn, events);
  }

  #call<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
    try {
      fn(...args);
    } catch (err) {
      this.#listenerThrew(err);
    }
  }

  /** A listener threw: 'error' listeners hear it; without one it is rethrown (uncaught), as from an EventEmitter. */
  #listenerThrew(err: unknown): void {
    if (this.#listeners.error.length > 0) this.#emitError(err);
    else
      queueMicrotask(() => {
        throw err;
      });
  }

  #emitError(e: unknown): void {
    const err = toError(e);
    const list = this.#listeners.error;
    if (list.length === 0) {
      process.emitWarning(err);
      return;
    }
    for (const fn of [...list]) {
      try {
        fn(err);
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown;
        });
      }
    }
  }

  #closeWith(reason: unknown): Promise<void> {
    if (this.#state === 'closed') return Promise.resolve();
    const wasStarting = this.#state === 'starting';
    // What was found before close() is still delivered (a pending batch included).
    if (this.#out.length > 0 || this.#batched.length > 0) {
      const out = this.#out;
      this.#out = [];
      this.#early = 0;
      if (this.#batch !== undefined) for (const e of out) this.#batched.push(e);
      else this.#dispatch(out);
      this.#releaseBatch();
      if ((this.#state as string) === 'closed') return Promise.resolve(); // a listener closed it meanwhile
    }
    this.#state = 'closed';
    if (this.#abort !== null) {
      this.#options.signal?.removeEventListener('abort', this.#abort);
      this.#abort = null;
    }
    const sync = this.#sync;
    const closing = sync instanceof FanSync ? sync.close() : (sync?.stop(), Promise.resolve());
    if (this.#ino !== null && !this.#ino.closed) this.#ino.close();
    if (this.#settleTimer !== null) clearTimeout(this.#settleTimer);
    this.#settleTimer = null;
    if (wasStarting) {
      this.#rejectReady(reason ?? new DOMException('the Watcher was closed before it was ready', 'AbortError'));
    }
    for (const it of this.#iterators) it.end();
    this.#iterators.clear();
    for (const fn of [...this.#listeners.close]) this.#call(fn);
    return closing.catch(() => undefined);
  }
}

/**
 * The host's path listener for fanotify mode: createFsListener (one
 * filesystem mark), its paths put back under the name the Watcher was given
 * for the root when that differs from its real path (a symlink on the way).
 */
const hostPathListener: PathListenerFactory = (root: string, h: PathListenerHandlers): PathListener => {
  let real: string;
  try {
    real = realpathSync(root);
  } catch {
    real = root;
  }
  const remap =
    real === root
      ? (e: PathEvent): PathEvent => e
      : (e: PathEvent): PathEvent => {
          const fix = (p: string): string => (p === real ? root : p.startsWith(real + '/') ? root + p.slice(real.length) : p);
          return e.oldPath === undefined ? { type: e.type, path: fix(e.path), isDirectory: e.isDirectory } : { type: e.type, path: fix(e.path), oldPath: fix(e.oldPath), isDirectory: e.isDirectory };
        };
  return createFsListener(root, {
    onEvent: (e) => h.onEvent(remap(e)),
    onOverflow: () => h.onOverflow(),
    onError: (e) => h.onError(e),
  });
};

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

function checkOptions(root: string, o: WatchOptions): void {
  const bad = (what: string): never => {
    throw sysError('EINVAL', 'watch', root, what);
  };
  if (o.pollIntervalMs !== undefined && !(o.pollIntervalMs > 0 && Number.isFinite(o.pollIntervalMs))) bad(`pollIntervalMs must be a positive number, got ${o.pollIntervalMs}`);
  if (o.bufferSize !== undefined && !(Number.isInteger(o.bufferSize) && o.bufferSize > 0)) bad(`bufferSize must be a positive integer, got ${o.bufferSize}`);
  if (o.batch !== undefined) {
    if (!(o.batch.settleMs >= 0 && Number.isFinite(o.batch.settleMs))) bad(`batch.settleMs must be a number >= 0, got ${o.batch.settleMs}`);
    if (o.batch.maxWaitMs !== undefined && !(o.batch.maxWaitMs >= 0)) bad(`batch.maxWaitMs must be a number >= 0, got ${o.batch.maxWaitMs}`);
  }
  if (o.rawMask !== undefined && !(Number.isInteger(o.rawMask) && o.rawMask >= 0 && o.rawMask <= 0xffffffff)) bad(`rawMask must be a 32-bit mask, got ${o.rawMask}`);
}

/** One async iteration: a bounded buffer, an overflow marker, a pending next(). */
class EventIterator implements AsyncIterableIterator<WatchEvent> {
  #buf: (WatchEvent | undefined)[] = [];
  #head = 0;
  #overflowQueued = false;
  #wait: { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (e: unknown) => void } | null = null;
  #done = false;
  #error: Error | null = null;
  readonly #overflowEvent: WatchEvent;

  constructor(
    private readonly max: number,
    root: string,
    private readonly onReturn: (it: EventIterator) => void,
  ) {
    this.#overflowEvent = { type: 'overflow', path: root, isDirectory: true };
  }

  push(e: WatchEvent): void {
    if (this.#done) return;
    const wait = this.#wait;
    if (wait !== null) {
      this.#wait = null;
      wait.resolve({ value: e, done: false });
      return;
    }
    if (this.#buf.length - this.#head >= this.max) {
      if (!this.#overflowQueued) {
        this.#overflowQueued = true;
        this.#buf.push({ ...this.#overflowEvent });
      }
      return;
    }
    this.#buf.push(e);
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (this.#head < this.#buf.length) {
      const e = this.#buf[this.#head]!;
      this.#buf[this.#head++] = undefined;
      if (this.#head === this.#buf.length) {
        this.#buf.length = 0;
        this.#head = 0;
      }
      if (e.type === 'overflow') this.#overflowQueued = false;
      return Promise.resolve({ value: e, done: false });
    }
    if (this.#error !== null) {
      const err = this.#error;
      this.#error = null;
      this.#done = true;
      return Promise.reject(err);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#wait = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<WatchEvent>> {
    this.end();
    this.onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    this.#done = true;
    const wait = this.#wait;
    this.#wait = null;
    wait?.resolve({ value: undefined, done: true });
  }

  fail(err: Error): void {
    const wait = this.#wait;
    if (wait !== null) {
      this.#wait = null;
      this.#done = true;
      wait.reject(err);
    } else {
      this.#error = err;
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<WatchEvent> {
    return this;
  }
}
