/**
 * The body of a KernelReader's worker thread (see reader.ts). Not a module
 * to import: it runs on load, with `workerData` describing the fds.
 *
 * Loop: poll() forever on [notification fd, wake eventfd]; when the fd is
 * readable, read() into one large buffer and keep reading while poll() with a
 * zero timeout still says readable (this works for blocking and non-blocking
 * fds alike) or until the free room drops below MIN_ROOM; then post the bytes
 * (a fresh, exactly-sized ArrayBuffer, transferred) to the parent. When the
 * eventfd becomes readable: post what was read, post nothing more, return.
 *
 * Every failure is posted as an `error` message (SystemError fields) or, for
 * anything that is not a SystemError, thrown so the parent's 'error' event
 * fires. Nothing is swallowed.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { isSystemError, sysError } from '../../errors.js';
import { POLLERR, POLLHUP, POLLIN, POLLNVAL } from './constants.js';
import { linuxSyscalls, PollSet } from './ffi.js';
import type { ReaderWorkerData, WorkerMessage } from './reader.js';

/** Below this much free room the batch is posted: more than any inotify/fanotify record. */
const MIN_ROOM = 8192;

function run(port: NonNullable<typeof parentPort>, data: ReaderWorkerData): void {
  const sys = linuxSyscalls();
  const { fd, wakeFd, bufferSize, batch } = data;
  const set = new PollSet([
    { fd, events: POLLIN },
    { fd: wakeFd, events: POLLIN },
  ]);
  const buf = Buffer.allocUnsafeSlow(bufferSize); // >= 2 * MIN_ROOM, checked by KernelReader
  let used = 0;

  const flush = (): void => {
    if (used === 0) return;
    const out = buf.buffer.slice(buf.byteOffset, buf.byteOffset + used);
    used = 0;
    port.postMessage({ type: 'data', buf: out } satisfies WorkerMessage, [out]);
  };

  for (;;) {
    if (sys.poll(set, used > 0 ? 0 : -1) === 0) {
      flush(); // nothing more right now (or EINTR): deliver the batch
      continue;
    }
    const revents = set.revents(0);
    if ((set.revents(1) & POLLIN) !== 0) {
      flush();
      return;
    }
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
        flush();
        continue;
      }
      throw e;
    }
    if (n === 0) throw sysError('EIO', 'read', undefined, `unexpected end of file on fd ${fd}`);
    if (n > 0) used += n; // n === -1: EAGAIN, a spurious wakeup
    if (!batch || buf.length - used < MIN_ROOM) flush();
  }
}

if (isMainThread || parentPort === null) {
  throw new Error('reader-worker.js is the body of a KernelReader worker thread; it is not meant to be imported');
}
const port = parentPort;
try {
  run(port, workerData as ReaderWorkerData);
} catch (e) {
  if (!isSystemError(e)) throw e;
  port.postMessage({
    type: 'error',
    code: e.code,
    syscall: e.syscall,
    path: e.path,
    reason: e.reason,
  } satisfies WorkerMessage);
}
