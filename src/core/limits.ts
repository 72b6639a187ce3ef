/**
 * Per-user limits (kernel/ucount.c as used by inotify and fanotify).
 *
 * A `Limits` object is one "kernel": a table of sysctl values (with the
 * kernel's defaults) and per-user counters charged against them. Front-ends
 * name their own counters (`inotify.instances`, `fanotify.marks`, …); the
 * core never asks which front-end charges.
 */

/** The sysctls tsnotify models, with the kernel's defaults (SEMANTICS §5.7, §6.8). */
import { sysError } from '../errors.js';

export const DEFAULT_SYSCTLS = {
  'fs.inotify.max_user_instances': 128,
  'fs.inotify.max_user_watches': 8192 * 16, // computed from RAM in the kernel; 8192..1048576
  'fs.inotify.max_queued_events': 16384,
  'fs.fanotify.max_user_groups': 128,
  'fs.fanotify.max_user_marks': 8192 * 16,
  'fs.fanotify.max_queued_events': 16384,
  'fs.dir-notify-enable': 1,
} as const;

export type SysctlName = keyof typeof DEFAULT_SYSCTLS;

export class Limits {
  private readonly values = new Map<SysctlName, number>();
  /** counter → uid → count (nested, so charging builds no key string). */
  private readonly counts = new Map<string, Map<number, number>>();

  constructor(overrides: Partial<Record<SysctlName, number>> = {}) {
    for (const [k, v] of Object.entries({ ...DEFAULT_SYSCTLS, ...overrides })) this.values.set(k as SysctlName, v);
  }

  get(name: SysctlName): number {
    return this.values.get(name)!;
  }

  /**
   * Write a sysctl, with the kernel's bounds: the limits take 0 to INT_MAX
   * (proc_dointvec_minmax), dir-notify-enable any int. EINVAL otherwise.
   */
  set(name: SysctlName, value: number): void {
    const min = name === 'fs.dir-notify-enable' ? -0x80000000 : 0;
    if (!Number.isInteger(value) || value < min || value > 0x7fffffff) {
      throw sysError('EINVAL', 'write', `/proc/sys/${name.replace(/\./g, '/')}`, `${value} is outside ${min}..2147483647`);
    }
    this.values.set(name, value);
  }

  /** Current count of `counter` charged to `uid`. */
  count(uid: number, counter: string): number {
    return this.counts.get(counter)?.get(uid) ?? 0;
  }

  /** Charge one unit; false (nothing charged) when `max` is reached. */
  charge(uid: number, counter: string, max: number): boolean {
    let perUid = this.counts.get(counter);
    if (perUid === undefined) {
      perUid = new Map();
      this.counts.set(counter, perUid);
    }
    const n = perUid.get(uid) ?? 0;
    if (n >= max) return false;
    perUid.set(uid, n + 1);
    return true;
  }

  uncharge(uid: number, counter: string): void {
    const perUid = this.counts.get(counter);
    if (perUid === undefined) return;
    const n = perUid.get(uid) ?? 0;
    if (n <= 1) perUid.delete(uid);
    else perUid.set(uid, n - 1);
  }
}

export const defaultLimits = new Limits();
