/**
 * The body of a KernelReader's worker thread (see reader.ts). Not a module
 * to import: it runs on load, with `workerData` describing the fds.
 *
 * Loop: poll() forever on [notification fd, wake eventfd, command eventfd?];
 * when the fd is readable, read() into one large buffer and keep reading while
 * poll() with a zero timeout still says readable (this works for blocking and
 * non-blocking fds alike) or until the free room drops below MIN_ROOM; then
 * post the bytes. A read that follows an idle wait (the thread blocked in
 * poll() for IDLE_MS or more) is posted at once: a lone event is not held
 * for the batching poll(0), whose answer would be "nothing more" anyway.
 * Posting copies the bytes into the parent's ring (ring.ts) or, when it is
 * full or permission answers go with them, sends a fresh, exactly-sized
 * ArrayBuffer, transferred; every hand-over carries the next number `n`. When the wake eventfd becomes readable: post what was read, post
 * nothing more, return (closing the notification fd first when it owns it).
 *
 * Optional parts:
 * - flush (command eventfd): the parent asks for "everything queued so far".
 *   The worker notes how many bytes FIONREAD says are queued, keeps reading
 *   until it has read that many (or the fd is empty), posts, then posts
 *   `flushed` with the sequence number the parent stored before asking;
 * - paused start (CONTROL_PAUSED): the worker polls only its eventfds, not
 *   the fd, until the word is cleared and the command eventfd written;
 * - fanotify permission answers (fanotify-responder.ts): each chunk read is
 *   scanned for permission events, answered by the policy at once or timed
 *   out later; the answers travel with the batch;
 * - read errors as data: fanotify's read() fails when it cannot open an
 *   event's descriptor (the event is consumed and lost); with
 *   `reportReadErrors` that is posted in order and reading goes on.
 *
 * Every other failure is posted as an `error` message (SystemError fields) or,
 * for anything that is not a SystemError, thrown so the parent's 'error'
 * event fires. Nothing is swallowed. The control word READY goes to 1 once
 * the native library is bound (startSync() waits for it), -1 on failure.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isSystemError, sysError } from '../../errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL } from './constants.js';
import { linuxSyscalls, PollSet } from './ffi.js';
import { PermissionResponder, type PermissionAnswer } from './fanotify-responder.js';
import { CONTROL_FLUSH, CONTROL_PAUSED, CONTROL_READY, type ReaderWorkerData, type WorkerMessage } from './reader.js';
import { RingWriter } from './ring.js';

type Message = WorkerMessage extends infer M ? (M extends WorkerMessage ? Omit<M, 'n'> : never) : never;

/** The number of the next hand-over (ring chunk or message): the parent handles them in this order. */
let nextN = 0;

function send(port: NonNullable<typeof parentPort>, msg: Message, transfer?: ArrayBuffer[]): void {
  port.postMessage({ ...msg, n: nextN++ } as WorkerMessage, transfer ?? []);
}

/** Below this much free room the batch is posted: more than any inotify/fanotify record. */
const MIN_ROOM = 8192;
/**
 * A blocking poll() that waited at least this long (ms) found the thread
 * idle: what it then reads is posted at once, without the batching poll(0)
 * (the kernel queue was just drained, and a lone event is waited for).
 */
const IDLE_MS = 1;

function run(port: NonNullable<typeof parentPort>, data: ReaderWorkerData, control: Int32Array): void {
  const sys = linuxSyscalls();
  const { fd, wakeFd, cmdFd, bufferSize, batch } = data;
  const entries = [
    { fd, events: POLLIN },
    { fd: wakeFd, events: POLLIN },
  ];
  if (cmdFd >= 0) entries.push({ fd: cmdFd, events: POLLIN });
  const set = new PollSet(entries);
  const ring = data.ring !== null ? new RingWriter(data.ring) : null;
  const responder = data.permission ? new PermissionResponder(sys, fd, data.permission) : null;
  const buf = Buffer.allocUnsafeSlow(bufferSize); // >= 2 * MIN_ROOM, checked by KernelReader
  const counter = Buffer.alloc(8);
  let used = 0;
  let answers: PermissionAnswer[] = [];
  let flushing: { seq: number; remaining: number } | null = null;
  let flushSeen = 0;
  let paused = false;
  /** Poll the fd only when not paused (an entry with no events reports nothing but errors). */
  const setPaused = (p: boolean): void => {
    paused = p;
    set.buffer.writeInt16LE(p ? 0 : POLLIN, 4);
  };
  setPaused(Atomics.load(control, CONTROL_PAUSED) === 1);

  const post = (): void => {
    if (used === 0 && answers.length === 0) return;
    if (answers.length === 0 && ring !== null && ring.put(buf, used, nextN)) {
      nextN++;
      used = 0;
      return;
    }
    const out = buf.buffer.slice(buf.byteOffset, buf.byteOffset + used);
    const sent = answers;
    used = 0;
    answers = [];
    send(port, { type: 'data', buf: out, answers: sent }, [out]);
  };
  const acknowledge = (): void => {
    if (flushing === null) return;
    post();
    send(port, { type: 'flushed', seq: flushing.seq });
    flushing = null;
  };

  Atomics.store(control, CONTROL_READY, 1);
  Atomics.notify(control, CONTROL_READY);

  for (;;) {
    let timeout = used > 0 || answers.length > 0 || flushing !== null ? 0 : -1;
    if (responder) {
      const t = responder.nextTimeout(Date.now());
      if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    }
    const blockedAt = timeout < 0 ? performance.now() : 0;
    const ready = sys.poll(set, timeout);
    // After an idle wait the first read is delivered at once (latency); in a
    // steady stream reads are batched (fewer messages).
    const afterIdle = timeout < 0 && performance.now() - blockedAt >= IDLE_MS;
    responder?.expire(Date.now(), answers);
    if (ready === 0) {
      post(); // nothing more right now (or EINTR): deliver the batch
      acknowledge();
      continue;
    }
    const revents = set.revents(0);
    if ((set.revents(1) & POLLIN) !== 0) {
      post();
      return;
    }
    if (cmdFd >= 0 && (set.revents(2) & POLLIN) !== 0) {
      sys.read(cmdFd, counter); // resets the eventfd
      if (paused && Atomics.load(control, CONTROL_PAUSED) === 0) setPaused(false);
      const seq = Atomics.load(control, CONTROL_FLUSH);
      if (seq === flushSeen) continue;
      flushSeen = seq;
      // Paused: the owner reads the fd itself; nothing here to wait for.
      const queued = paused ? 0 : sys.fionread(fd);
      const before = flushing as { remaining: number } | null;
      flushing = { seq, remaining: Math.max(queued, before?.remaining ?? 0) };
      if (queued <= 0) acknowledge();
      continue;
    }
    if (paused) continue;
    if ((revents & POLLNVAL) !== 0) throw sysError('EBADF', 'poll', undefined, `fd ${fd} was closed while its reader was running`);
    if ((revents & POLLIN) === 0 && (revents & (POLLERR | POLLHUP)) !== 0) {
      throw sysError('EIO', 'poll', undefined, `fd ${fd} reported ${(revents & POLLERR) !== 0 ? 'POLLERR' : 'POLLHUP'}`);
    }
    if ((revents & POLLIN) === 0) continue;
    let n: number;
    try {
      n = sys.read(fd, buf, used, buf.length - used);
    } catch (e) {
      // EINVAL: the next record does not fit the room left; post and retry with the whole buffer.
      if (used > 0 && isSystemError(e, 'EINVAL')) {
        post();
        continue;
      }
      if (!data.reportReadErrors || !isSystemError(e) || e.code === 'EBADF' || e.code === 'EINVAL') throw e;
      // fanotify could not open an event's descriptor: that event is gone; say so in order.
      post();
      send(port, { type: 'read-error', code: e.code, syscall: e.syscall, path: e.path, reason: e.reason });
      continue;
    }
    if (n === 0) throw sysError('EIO', 'read', undefined, `unexpected end of file on fd ${fd}`);
    if (n > 0) {
      // n === -1: EAGAIN, a spurious wakeup
      responder?.onChunk(buf.subarray(used, used + n), Date.now(), answers);
      used += n;
      if (flushing !== null) {
        flushing.remaining -= n;
        if (flushing.remaining <= 0) {
          acknowledge();
          continue;
        }
      }
    }
    if (!batch || afterIdle || buf.length - used < MIN_ROOM) post();
  }
}

if (isMainThread || parentPort === null) {
  throw new Error('reader-worker.js is the body of a KernelReader worker thread; it is not meant to be imported');
}
const port = parentPort;
const data = workerData as ReaderWorkerData;
const control = new Int32Array(data.control);
try {
  run(port, data, control);
} catch (e) {
  if (Atomics.load(control, CONTROL_READY) !== 1) {
    Atomics.store(control, CONTROL_READY, -1);
    Atomics.notify(control, CONTROL_READY);
  }
  if (!isSystemError(e)) throw e;
  send(port, {
    type: 'error',
    code: e.code,
    syscall: e.syscall,
    path: e.path,
    reason: e.reason,
  });
} finally {
  if (data.ownsFd) {
    // The last thing this thread does: closing a fanotify fd answers FAN_ALLOW to everything pending (F15).
    try {
      linuxSyscalls().close(data.fd);
    } catch {
      // already closed
    }
  }
}
