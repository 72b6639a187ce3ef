/**
 * inotify's per-user limits (fs/notify/inotify/inotify_user.c with
 * kernel/ucount.c): instances per user (EMFILE at init), watches per user
 * (ENOSPC at add_watch), and the per-instance queue size captured at init.
 * The counters live in the source's `Limits`; this file names them and words
 * the errors so that a user reading one knows which sysctl to raise.
 */
import type { Limits } from '../core/index.js';
import { sysError } from '../errors.js';

/** The Limits counter of inotify instances per user. */
export const INSTANCES_COUNTER = 'inotify.instances';
/** The Limits counter of inotify watches per user. */
export const WATCHES_COUNTER = 'inotify.watches';

/** Charge one instance to `uid`; EMFILE over fs.inotify.max_user_instances. */
export function chargeInstance(limits: Limits, uid: number): void {
  const max = limits.get('fs.inotify.max_user_instances');
  if (!limits.charge(uid, INSTANCES_COUNTER, max)) {
    throw sysError(
      'EMFILE',
      'inotify_init1',
      undefined,
      `uid ${uid} has reached fs.inotify.max_user_instances=${max}; ` +
        `close an instance or raise it with sysctl fs.inotify.max_user_instances=N`,
    );
  }
}

export function unchargeInstance(limits: Limits, uid: number): void {
  limits.uncharge(uid, INSTANCES_COUNTER);
}

/** Charge one watch to `uid`; ENOSPC over fs.inotify.max_user_watches. */
export function chargeWatch(limits: Limits, uid: number, path: string): void {
  const max = limits.get('fs.inotify.max_user_watches');
  if (!limits.charge(uid, WATCHES_COUNTER, max)) {
    throw sysError(
      'ENOSPC',
      'inotify_add_watch',
      path,
      `uid ${uid} has reached fs.inotify.max_user_watches=${max}; ` +
        `raise it with sysctl fs.inotify.max_user_watches=N`,
    );
  }
}

export function unchargeWatch(limits: Limits, uid: number): void {
  limits.uncharge(uid, WATCHES_COUNTER);
}

/** The queue limit of a new instance: the option, else the sysctl read now (I1). */
export function queueLimit(limits: Limits, maxQueuedEvents: number | undefined): number {
  if (maxQueuedEvents === undefined) return limits.get('fs.inotify.max_queued_events');
  if (!Number.isInteger(maxQueuedEvents) || maxQueuedEvents < 1) {
    const reason = `maxQueuedEvents must be an integer ≥ 1, got ${maxQueuedEvents}`;
    throw sysError('EINVAL', 'inotify_init1', undefined, reason);
  }
  return maxQueuedEvents;
}
