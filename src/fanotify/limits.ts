/**
 * fanotify's per-user limits (fs/notify/fanotify/fanotify_user.c with
 * kernel/ucount.c): groups per user (EMFILE at init), marks per user
 * (ENOSPC when a mark is created, skipped with FAN_UNLIMITED_MARKS), and the
 * queue size read at init (unlimited with FAN_UNLIMITED_QUEUE).
 */
import type { Limits } from '../core/index.js';
import { sysError } from '../errors.js';

/** The Limits counter of fanotify groups per user. */
export const GROUPS_COUNTER = 'fanotify.groups';
/** The Limits counter of fanotify marks per user. */
export const MARKS_COUNTER = 'fanotify.marks';

/** Charge one group to `uid`; EMFILE over fs.fanotify.max_user_groups. */
export function chargeGroup(limits: Limits, uid: number): void {
  const max = limits.get('fs.fanotify.max_user_groups');
  if (!limits.charge(uid, GROUPS_COUNTER, max)) {
    throw sysError(
      'EMFILE',
      'fanotify_init',
      undefined,
      `uid ${uid} has reached fs.fanotify.max_user_groups=${max}; close a group or raise the sysctl`,
    );
  }
}

export function unchargeGroup(limits: Limits, uid: number): void {
  limits.uncharge(uid, GROUPS_COUNTER);
}

/** Charge one mark to `uid`; ENOSPC over fs.fanotify.max_user_marks. */
export function chargeMark(limits: Limits, uid: number, path: string | undefined): void {
  const max = limits.get('fs.fanotify.max_user_marks');
  if (!limits.charge(uid, MARKS_COUNTER, max)) {
    throw sysError(
      'ENOSPC',
      'fanotify_mark',
      path,
      `uid ${uid} has reached fs.fanotify.max_user_marks=${max}; raise the sysctl or use FAN_UNLIMITED_MARKS`,
    );
  }
}

export function unchargeMark(limits: Limits, uid: number): void {
  limits.uncharge(uid, MARKS_COUNTER);
}

/** The queue limit of a new group: unlimited, the option, or the sysctl read now. */
export function queueLimit(limits: Limits, unlimited: boolean, maxQueuedEvents: number | undefined): number {
  if (unlimited) return Infinity;
  if (maxQueuedEvents === undefined) return limits.get('fs.fanotify.max_queued_events');
  if (!Number.isInteger(maxQueuedEvents) || maxQueuedEvents < 1) {
    throw sysError('EINVAL', 'fanotify_init', undefined, `maxQueuedEvents must be an integer ≥ 1, got ${maxQueuedEvents}`);
  }
  return maxQueuedEvents;
}
