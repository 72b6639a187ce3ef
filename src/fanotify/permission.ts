/**
 * Permission events (fs/notify/fanotify/fanotify.c fanotify_get_response,
 * fanotify_user.c process_access_response and fanotify_release; SEMANTICS
 * F13–F15).
 *
 * A permission event is queued like any other (never merged); the
 * operation that caused it waits until the group answers. The answer can
 * come from three places, tried in this order:
 * 1. a synchronous reader: the queue's readiness callback runs inside the
 *    operation, may read the event and respond() at once (this is how the
 *    conformance runner's responder works);
 * 2. the group's decision function (`onPermission` at init), called with
 *    the event as read(2) would return it; its descriptor is closed after;
 * 3. later: the operation gets a pending answer (a promise) that settles
 *    when respond() is called, when the group is closed (FAN_ALLOW for
 *    everything pending, F15), or when the group's timeout expires (its
 *    default answer; the kernel has no such timeout and waits forever).
 *    A synchronous filesystem call cannot wait: it cancels the wait, which
 *    withdraws an unread event from the queue (a killed task in the kernel,
 *    F8), and fails with EAGAIN; the asynchronous calls (openAsync,
 *    readAsync) await it.
 *
 * The answer is FAN_ALLOW (0 to the operation) or FAN_DENY (EPERM, or the
 * errno carried by FAN_DENY_ERRNO).
 *
 * Why both styles. The in-memory filesystem is synchronous: an operation's
 * events are queued before it returns, so a test wants the answer inside
 * the same call — a decision function (or a reader woken synchronously) gives
 * exactly that, with no timers and no event loop turn. A real listener,
 * though, reads the event later and answers when it has scanned the file;
 * the asynchronous calls model that faithfully (the operation is blocked
 * until respond(), close or the timeout) and are what a listener running
 * on other events of the event loop needs. Both go through the same queue,
 * access list and respond() checks, so the two styles cannot disagree.
 */
import type { HandleResult, PendingAnswer } from '../core/index.js';
import { ERRNO } from '../errors.js';
import { FAN_ALLOW, FAN_DENY, FANOTIFY_RESPONSE_ACCESS } from './constants.js';
import type { FanotifyGroup, FanotifyRecord } from './ops.js';

export interface PermissionState {
  /** queued → reported (read, on the access list) → answered; or canceled. */
  state: 'queued' | 'reported' | 'answered' | 'canceled';
  /** The response once answered (FAN_ALLOW, FAN_DENY, FAN_DENY_ERRNO(e)). */
  response: number;
  /** The event descriptor once read (the key respond() matches). */
  fd: number;
  /** Settles the waiting operation's promise, when it waits asynchronously. */
  resolve: ((errno: number) => void) | null;
  timer: ReturnType<typeof setTimeout> | null;
}

/** The errno an answer gives the operation: 0, EPERM, or the FAN_DENY_ERRNO value. */
export function answerErrno(response: number): number {
  if ((response & FANOTIFY_RESPONSE_ACCESS) === FAN_ALLOW) return 0;
  const errno = (response >>> 24) & 0xff;
  return errno !== 0 ? errno : ERRNO.EPERM[0];
}

/** Queue a permission event and obtain its answer (now, or as a pending answer). */
export function queuePermissionEvent(group: FanotifyGroup, record: FanotifyRecord): HandleResult {
  const perm: PermissionState = { state: 'queued' as PermissionState['state'], response: 0, fd: -1, resolve: null, timer: null };
  record.perm = perm;
  // Readers woken by the insertion may answer synchronously.
  if (group.queue.add(record, null) !== 'queued') {
    // A shut-down group or a full queue (the overflow event is queued instead):
    // the event is not used and the access is allowed.
    group.release(record);
    return 0;
  }
  const state = (): PermissionState['state'] => perm.state;
  if (state() === 'queued' && group.decide) {
    const response = group.decide(record);
    if (response !== null && state() !== 'answered') finishPermission(group, record, response);
  }
  if (state() === 'answered') return answerErrno(perm.response);
  return waitForAnswer(group, record, perm);
}

function waitForAnswer(group: FanotifyGroup, record: FanotifyRecord, perm: PermissionState): PendingAnswer {
  const pending = new Promise<number>((resolve) => {
    perm.resolve = resolve;
  }) as PendingAnswer;
  pending.cancel = () => cancelPermission(group, record);
  const timeout = group.timeout;
  if (timeout) {
    perm.timer = setTimeout(() => {
      perm.timer = null;
      if (perm.state === 'queued') {
        group.queue.remove(record);
        group.release(record);
      }
      finishPermission(group, record, timeout.response);
    }, timeout.ms);
  }
  return pending;
}

/** finish_permission_event(): record the answer and wake the operation. */
export function finishPermission(group: FanotifyGroup, record: FanotifyRecord, response: number): void {
  const perm = record.perm;
  if (!perm || perm.state === 'answered') return;
  const i = group.accessList.indexOf(record);
  if (i >= 0) group.accessList.splice(i, 1);
  const wasCanceled = perm.state === 'canceled';
  perm.state = 'answered';
  perm.response = response;
  if (perm.timer) {
    clearTimeout(perm.timer);
    perm.timer = null;
  }
  const resolve = perm.resolve;
  perm.resolve = null;
  if (!wasCanceled) resolve?.(answerErrno(response));
}

/** The waiting operation went away: withdraw an unread event, mark a read one cancelled. */
function cancelPermission(group: FanotifyGroup, record: FanotifyRecord): void {
  const perm = record.perm;
  if (!perm || perm.state === 'answered' || perm.state === 'canceled') return;
  if (perm.state === 'queued') {
    group.queue.remove(record);
    group.release(record);
  }
  perm.state = 'canceled';
  if (perm.timer) {
    clearTimeout(perm.timer);
    perm.timer = null;
  }
  const resolve = perm.resolve;
  perm.resolve = null;
  resolve?.(ERRNO.EINTR[0]);
}

/**
 * fanotify_release(): every permission event read or still queued is
 * answered FAN_ALLOW; other queued events are dropped. Runs before the
 * group's marks are destroyed.
 */
export function releasePermissionEvents(group: FanotifyGroup): void {
  group.queue.shutdown = true;
  for (const record of group.accessList.slice()) finishPermission(group, record, FAN_ALLOW);
  group.accessList.length = 0;
  for (let record = group.queue.shift(); record !== undefined; record = group.queue.shift()) {
    group.unindex(record);
    group.release(record);
    if (record.perm) finishPermission(group, record, FAN_ALLOW);
  }
}

/** Parse a response given as a word: 'allow' → FAN_ALLOW, 'deny' → FAN_DENY; numbers pass through. */
export function responseValue(response: 'allow' | 'deny' | number): number {
  if (response === 'allow') return FAN_ALLOW;
  if (response === 'deny') return FAN_DENY;
  return response >>> 0;
}
