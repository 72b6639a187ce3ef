/**
 * KernelReader: delivers the bytes of a kernel notification fd (inotify,
 * fanotify) to the main thread without blocking it and without the libuv
 * thread pool.
 *
 * HOW: a `worker_threads` Worker (reader-worker.js, which loads koffi itself)
 * blocks in poll() on [the fd, a wake eventfd owned by this object], read()s
 * everything that is ready into a 256 KiB buffer and hands it over: copied
 * into a SharedArrayBuffer ring (ring.ts) that the main thread waits on with
 * Atomics.waitAsync, or, when the ring is full (the main thread is behind)
 * or permission answers travel with it, posted as one transferred
 * ArrayBuffer. Every hand-over is numbered, and the main thread takes them
 * in that order, so the kernel's order is kept either way. Node offers
 * no public way to put an arbitrary fd in its own event loop (`net.Socket`
 * refuses an anon-inode fd with ERR_INVALID_FD_TYPE, `fs` streams read on
 * the thread pool; koffi's uv_poll binding is undocumented "and might
 * change"), hence the worker.
 *
 * LIFETIME
 * - `start()` creates the eventfd and the worker. `stop()` writes the
 *   eventfd, the worker posts what it had read and returns, and `stop()`
 *   resolves after the worker's 'exit' (the thread is joined) and closes the
 *   eventfd. Every byte read off the fd reaches `onData` before `stop()`
 *   resolves. The notification fd is never closed here: its owner closes it,
 *   and only after `stop()` resolves. (Closed earlier, the worker keeps
 *   polling the number: EBADF at best, at worst it reads whatever file the
 *   number is reused for.) Exception: with `ownsFd` the worker itself closes
 *   the fd as it exits, and such a reader cannot be started again.
 * - `flush()` (with `flushable`): a second eventfd asks the worker for
 *   everything queued so far; see reader-worker.ts.
 * - Errors: an unexpected errno in the worker (poll/read) arrives as a
 *   SystemError; a crash of the worker as the Error it threw; an exit nobody
 *   asked for as EIO. The first failure reaches `onError`, once; the worker
 *   is then gone, the reader becomes 'stopped' (eventfd closed) and `stop()`
 *   is a no-op; `start()` may be called again.
 * - Exceptions thrown by `onData`/`onError` are not caught: like an
 *   EventEmitter listener's, they surface as uncaught exceptions.
 *
 * KEEPING THE PROCESS ALIVE (the choice): like `fs.watch`, a running reader
 * is `persistent` by default: it keeps the event loop alive while it runs,
 * because someone is listening. `unref()` (or `persistent: false`) lets the
 * process exit while it runs; the front-end calls it when its last listener
 * goes away, or simply stops the reader. A stopped reader holds nothing. A
 * Worker blocked in poll() cannot be terminated by Node (process exit would
 * wait for it forever), so a process 'exit' hook wakes every running reader's
 * worker; the process then exits normally even with readers still running.
 */
import { Worker } from 'node:worker_threads';
import { SystemError, type ErrnoCode } from '../../errors.js';
import { EFD_CLOEXEC, EFD_NONBLOCK } from './constants.js';
import { linuxSyscalls } from './ffi.js';
import type { PermissionAnswer, ResponderConfig } from './fanotify-responder.js';
import { createRingBuffer, RingReader, waitAsync } from './ring.js';

/** Data handed to the worker (reader-worker.ts). */
export interface ReaderWorkerData {
  fd: number;
  wakeFd: number;
  /** The flush command eventfd, or -1. */
  cmdFd: number;
  /** Int32 words shared with the worker: CONTROL_READY, CONTROL_FLUSH, CONTROL_PAUSED. */
  control: SharedArrayBuffer;
  bufferSize: number;
  batch: boolean;
  ownsFd: boolean;
  reportReadErrors: boolean;
  permission: ResponderConfig | null;
  /** The ring chunks of data go through (ring.ts), or null: everything is posted. */
  ring: SharedArrayBuffer | null;
}

/** Control word: 0 while the worker boots, 1 once it polls, -1 if it failed first. */
export const CONTROL_READY = 0;
/** Control word: the sequence number of the latest flush request. */
export const CONTROL_FLUSH = 1;
/** Control word: 1 while the worker must not read the fd (startSync(…, true) until resume()). */
export const CONTROL_PAUSED = 2;
const CONTROL_WORDS = 3;

/**
 * Messages from the worker. `n` numbers everything the worker sends, ring
 * chunks included, from 0: the parent handles them in that order whichever
 * way each came.
 */
export type WorkerMessage = { n: number } & (
  | { type: 'data'; buf: ArrayBuffer; answers: PermissionAnswer[] }
  | { type: 'flushed'; seq: number }
  | { type: 'read-error'; code: ErrnoCode; syscall: string; path: string | undefined; reason: string | undefined }
  | { type: 'error'; code: ErrnoCode; syscall: string; path: string | undefined; reason: string | undefined }
);

const NO_ANSWERS: readonly PermissionAnswer[] = [];

export interface KernelReaderOptions {
  /** Size of the worker's read buffer; one posted batch is at most this big. Default 256 KiB, at least 16 KiB. */
  bufferSize?: number;
  /** Keep the event loop alive while running (default true); see `ref()`/`unref()`. */
  persistent?: boolean;
  /**
   * true (default): keep reading while the fd stays readable and post one
   * batch; false: post after every read(2). Batching posts fewer messages
   * under load (about half in bench/host) for one extra poll(2) per batch.
   */
  batch?: boolean;
  /**
   * Where the worker script is (default: reader-worker.js beside this file).
   * For bundlers that move files, and for tests that need a failing worker.
   */
  workerUrl?: URL;
  /**
   * The worker closes the fd as the last thing it does (after a stop, a
   * failure or at process exit), and nobody else may. For fanotify groups:
   * the close then happens even while the main thread is blocked in a
   * system call waiting for a permission answer, and releases it (F15).
   */
  ownsFd?: boolean;
  /** Enable flush() (one more eventfd for the worker to poll). */
  flushable?: boolean;
  /**
   * fanotify: a read() that fails (an event whose descriptor could not be
   * opened is consumed and lost) goes here, in order, and reading goes on.
   * Without it such a failure stops the reader like any other.
   */
  onReadError?: (err: Error) => void;
  /** fanotify: answer permission events in the worker (fanotify-responder.ts). */
  permission?: ResponderConfig;
}

export type ReaderState = 'idle' | 'running' | 'stopping' | 'stopped';

const DEFAULT_BUFFER_SIZE = 256 * 1024;
/** Twice the worker's MIN_ROOM (8 KiB, more than any record): it posts when less than that is free. */
const MIN_BUFFER_SIZE = 16 * 1024;
const WAKE = new BigUint64Array([1n]);

/** Wake eventfds of readers whose worker is alive: written at process exit so the threads can be joined. */
const liveWakeFds = new Set<number>();
let exitHookInstalled = false;

function wakeAllAtExit(): void {
  for (const wakeFd of liveWakeFds) wake(wakeFd);
}

/** Write the eventfd so the worker leaves poll(). Synchronous. */
function wake(wakeFd: number): void {
  // -1 (EAGAIN) only when the counter is saturated: the worker is awake anyway.
  linuxSyscalls().write(wakeFd, new Uint8Array(WAKE.buffer));
}

/**
 * The worker gets no node options of its own: inherited ones can stop it
 * from starting (`--input-type` refuses a worker file, `--expose-gc` or
 * `--max-semi-space-size` give ERR_WORKER_INVALID_EXEC_ARGV), and the reader
 * needs none.
 */
function workerExecArgv(): string[] {
  return [];
}

export class KernelReader {
  readonly fd: number;
  private readonly onData: (buf: Buffer, answers: readonly PermissionAnswer[]) => void;
  private readonly onError: (err: Error) => void;
  private readonly bufferSize: number;
  private readonly batch: boolean;
  private readonly workerUrl: URL;
  private persistent: boolean;
  private worker: Worker | undefined;
  private wakeFd = -1;
  private stateValue: ReaderState = 'idle';
  private stopping: Promise<void> | undefined;
  private failed = false;
  private cmdFd = -1;
  private control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
  private flushSeq = 0;
  private readonly flushWaiters: { seq: number; resolve: () => void }[] = [];
  private readonly ownsFd: boolean;
  private readonly flushable: boolean;
  private readonly onReadError: ((err: Error) => void) | undefined;
  private readonly permission: ResponderConfig | null;
  /** The running worker's ring, or null. */
  private ring: RingReader | null = null;
  /** The number of the next worker message (or ring chunk) to handle. */
  private nextN = 0;
  /** Messages that came before their turn (a ring chunk with a lower number is still unread). */
  private readonly early = new Map<number, WorkerMessage>();
  private pumping = false;

  /**
   * Read `fd` (an inotify or fanotify fd; non-blocking recommended) once
   * `start()` is called. `onData` gets whole records, in kernel order, with
   * the permission answers the worker gave for events among them (the buffer
   * may be empty when only answers are new: timeouts); `onError` gets every
   * failure. This reader must be the fd's only reader.
   * Throws EBADF (fd not a non-negative int) or EINVAL (bufferSize).
   */
  constructor(
    fd: number,
    onData: (buf: Buffer, answers: readonly PermissionAnswer[]) => void,
    onError: (err: Error) => void,
    options: KernelReaderOptions = {},
  ) {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw new SystemError('EBADF', { syscall: 'read', reason: `fd ${fd} is not a descriptor` });
    const bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    if (!Number.isInteger(bufferSize) || bufferSize < MIN_BUFFER_SIZE) {
      throw new SystemError('EINVAL', { syscall: 'read', reason: `bufferSize ${bufferSize} must be an integer >= ${MIN_BUFFER_SIZE}` });
    }
    this.fd = fd;
    this.onData = onData;
    this.onError = onError;
    this.bufferSize = bufferSize;
    this.workerUrl = options.workerUrl ?? new URL('./reader-worker.js', import.meta.url);
    this.batch = options.batch ?? true;
    this.persistent = options.persistent ?? true;
    this.ownsFd = options.ownsFd ?? false;
    this.flushable = options.flushable ?? false;
    this.onReadError = options.onReadError;
    this.permission = options.permission ?? null;
  }

  /** 'idle' (never started), 'running', 'stopping' (stop() pending), 'stopped'. */
  get state(): ReaderState {
    return this.stateValue;
  }

  /**
   * Start the worker. A no-op while running; after a stop it starts afresh.
   * Throws EMFILE/ENFILE (no fd for the eventfd) or ENOSYS (not Linux, FFI missing).
   */
  start(): void {
    this.startWorker(false);
  }

  private startWorker(paused: boolean): void {
    if (this.stateValue === 'running') return;
    if (this.stateValue === 'stopping') throw new SystemError('EBUSY', { syscall: 'read', reason: 'the reader is stopping; await stop() first' });
    if (this.ownsFd && this.stateValue === 'stopped') throw new SystemError('EBADF', { syscall: 'read', reason: `fd ${this.fd} was closed by its reader` });
    const sys = linuxSyscalls();
    this.wakeFd = sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (this.flushable) {
      try {
        this.cmdFd = sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      } catch (e) {
        sys.close(this.wakeFd);
        this.wakeFd = -1;
        throw e;
      }
    }
    this.control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
    if (paused) Atomics.store(this.control, CONTROL_PAUSED, 1);
    const workerData: ReaderWorkerData = {
      fd: this.fd,
      wakeFd: this.wakeFd,
      cmdFd: this.cmdFd,
      control: this.control.buffer as SharedArrayBuffer,
      bufferSize: this.bufferSize,
      batch: this.batch,
      ownsFd: this.ownsFd,
      reportReadErrors: this.onReadError !== undefined,
      permission: this.permission,
      ring: waitAsync !== undefined ? createRingBuffer(this.bufferSize) : null,
    };
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl, { workerData, execArgv: workerExecArgv() });
    } catch (e) {
      sys.close(this.wakeFd);
      this.wakeFd = -1;
      if (this.cmdFd >= 0) sys.close(this.cmdFd);
      this.cmdFd = -1;
      throw e;
    }
    this.worker = worker;
    this.ring = workerData.ring !== null ? new RingReader(workerData.ring) : null;
    this.nextN = 0;
    this.early.clear();
    this.failed = false;
    this.stateValue = 'running';
    this.stopping = undefined;
    if (!this.persistent) worker.unref();
    liveWakeFds.add(this.wakeFd);
    if (!exitHookInstalled) {
      process.on('exit', wakeAllAtExit);
      exitHookInstalled = true;
    }
    worker.on('message', (msg: WorkerMessage) => {
      this.early.set(msg.n, msg);
      this.pumpAll();
    });
    if (this.ring !== null) this.armRing(this.ring);
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.handleExit(worker, code));
  }

  /**
   * start(), then block this thread until the worker is polling (Atomics.wait,
   * at most `timeoutMs`). For callers that must not generate an event the
   * reader has to answer before it can run: a fanotify group about to add a
   * permission mark on the filesystem the worker's own files live on.
   * With `paused` a worker started now polls only its eventfds until
   * resume() (needs `flushable`): the owner can then make the thread exist
   * before it decides whether it wants it to read. A running reader is only
   * waited for. Throws what start() throws, EINVAL (paused without
   * `flushable`), and EIO when the worker failed or did not come up in time.
   */
  startSync(timeoutMs = 10_000, paused = false): void {
    if (paused && !this.flushable) throw new SystemError('EINVAL', { syscall: 'read', reason: 'a paused start needs a flushable reader' });
    this.startWorker(paused);
    const r = Atomics.wait(this.control, CONTROL_READY, 0, timeoutMs);
    const state = Atomics.load(this.control, CONTROL_READY);
    if (state === 1) return;
    throw new SystemError('EIO', {
      syscall: 'read',
      reason: state === -1 ? `the reader thread for fd ${this.fd} failed while starting` : `the reader thread for fd ${this.fd} did not start within ${timeoutMs} ms (${r})`,
    });
  }

  /** True while a worker started paused has not been resumed: it does not read the fd. */
  get paused(): boolean {
    return this.stateValue === 'running' && Atomics.load(this.control, CONTROL_PAUSED) === 1;
  }

  /** Let a worker started paused read the fd from now on. */
  resume(): void {
    if (!this.paused) return;
    Atomics.store(this.control, CONTROL_PAUSED, 0);
    if (this.cmdFd >= 0) wake(this.cmdFd);
  }

  /**
   * Resolve once every record queued on the fd before this call has been
   * read and handed to `onData` (needs `flushable`). Resolves at once when
   * the reader is not running, and when it stops meanwhile.
   */
  flush(): Promise<void> {
    if (this.stateValue !== 'running' || this.cmdFd < 0) return Promise.resolve();
    const seq = ++this.flushSeq;
    Atomics.store(this.control, CONTROL_FLUSH, seq);
    return new Promise<void>((resolve) => {
      this.flushWaiters.push({ seq, resolve });
      wake(this.cmdFd);
    });
  }

  /**
   * Wake the worker, deliver what it had read, join it, close the eventfd.
   * Resolves when the thread is gone. Safe to call in any state, repeatedly.
   */
  stop(): Promise<void> {
    if (this.stateValue !== 'running' && this.stateValue !== 'stopping') return Promise.resolve();
    if (this.stopping !== undefined) return this.stopping;
    const worker = this.worker;
    this.stateValue = 'stopping';
    this.stopping = new Promise<void>((resolve) => {
      worker?.once('exit', () => resolve());
    });
    worker?.ref(); // the pending stop keeps the loop alive until the join
    if (this.wakeFd >= 0) wake(this.wakeFd);
    return this.stopping;
  }

  /** Keep the event loop alive while running (the default). */
  ref(): this {
    this.persistent = true;
    this.worker?.ref();
    return this;
  }

  /** Let the process exit while this reader runs. */
  unref(): this {
    this.persistent = false;
    if (this.stateValue === 'running') this.worker?.unref();
    return this;
  }

  /**
   * Handle, in the worker's order, everything that has come: ring chunks
   * and messages, by number. Stops at a gap (a message still in flight).
   */
  private pump(): void {
    if (this.pumping) return; // re-entered from onData: the outer loop goes on
    this.pumping = true;
    try {
      for (;;) {
        const ring = this.ring;
        if (ring !== null && ring.peek() === this.nextN) {
          this.nextN++;
          this.onData(ring.take(), NO_ANSWERS);
          continue;
        }
        const msg = this.early.get(this.nextN);
        if (msg === undefined) return;
        this.early.delete(this.nextN);
        this.nextN++;
        this.handleMessage(msg);
      }
    } finally {
      this.pumping = false;
    }
  }

  /** Wait for the worker's next ring chunk (Atomics.waitAsync: no thread is blocked). */
  private armRing(ring: RingReader): void {
    while (this.ring === ring) {
      const r = ring.waitAsync();
      if (r.async) {
        void (r.value as Promise<unknown>).then(() => {
          if (this.ring !== ring) return;
          this.pumpAll();
          // Waiting again costs a few µs (tens when cold): after what was just
          // delivered has been handled (the microtasks it queued), not before.
          // A chunk written meanwhile is seen when the wait is armed.
          process.nextTick(() => this.armRing(ring));
        });
        return;
      }
      this.pumpAll(); // written meanwhile
    }
  }

  /**
   * pump() until nothing is left. An exception thrown by onData/onError
   * surfaces as an uncaught exception (as from an event listener) and
   * delivery goes on with what follows.
   */
  private pumpAll(): void {
    for (;;) {
      try {
        this.pump();
        return;
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  private handleMessage(msg: WorkerMessage): void {
    if (msg.type === 'data') {
      this.onData(Buffer.from(msg.buf), msg.answers);
      return;
    }
    if (msg.type === 'flushed') {
      this.resolveFlushes(msg.seq);
      return;
    }
    const err = new SystemError(msg.code, { syscall: msg.syscall, path: msg.path, reason: msg.reason });
    if (msg.type === 'read-error') this.onReadError?.(err);
    else this.fail(err);
  }

  private resolveFlushes(upTo: number): void {
    while (this.flushWaiters.length > 0 && this.flushWaiters[0]!.seq <= upTo) this.flushWaiters.shift()!.resolve();
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(err);
  }

  private handleExit(worker: Worker, code: number): void {
    if (this.worker !== worker) return;
    const requested = this.stateValue === 'stopping';
    // Every message has been received by now ('exit' comes after them): deliver what is left.
    this.pumpAll();
    const ring = this.ring;
    this.ring = null;
    ring?.release();
    this.worker = undefined;
    if (this.wakeFd >= 0) {
      const wakeFd = this.wakeFd;
      liveWakeFds.delete(wakeFd);
      this.wakeFd = -1;
      linuxSyscalls().close(wakeFd);
    }
    if (this.cmdFd >= 0) {
      linuxSyscalls().close(this.cmdFd);
      this.cmdFd = -1;
    }
    this.stateValue = 'stopped';
    this.resolveFlushes(Infinity);
    if (!requested && !this.failed) {
      this.fail(new SystemError('EIO', { syscall: 'read', reason: `reader worker for fd ${this.fd} exited unexpectedly with code ${code}` }));
    }
  }
}
