/**
 * Answering fanotify permission events off the main thread (runs inside a
 * KernelReader's worker; fs/notify/fanotify/fanotify_user.c
 * process_access_response; SEMANTICS F13–F15).
 *
 * WHY A SECOND THREAD. A permission event blocks the task that caused it
 * until the group answers. When that task is Node's main thread — a
 * synchronous fs call on a gated file, a module load — an answer that has to
 * come from the main thread never comes. So the two rules that can answer
 * without JavaScript on the main thread live here, in the thread that reads
 * the fanotify fd:
 * - a declarative policy (rules tried in order, first match wins, the nth
 *   match counted per rule, else a default), answered as soon as the event is
 *   read;
 * - a timeout: an event nobody answered within `timeoutMs` of being read gets
 *   `timeoutResponse`.
 *
 * The thread never blocks on a gated file: it only poll()s and read()s the
 * fanotify fd, readlink()s /proc/self/fd/N (which does not open the target;
 * event fds are FMODE_NONOTIFY anyway) and write()s the 8-byte
 * `struct fanotify_response`. A response the kernel refuses with ENOENT was
 * already given (by the main thread's respond(), racing a timeout): ignored.
 *
 * Descriptor numbers are the kernel's key. A timer is keyed by the fd of the
 * event it belongs to and replaced when a newer event is read with the same
 * number, so a stale timer can only ever hit an answered event (ENOENT).
 */
import { isSystemError } from '../../errors.js';
import { FAN_ALLOW, FAN_DENY, FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM, FAN_ACCESS_PERM, FAN_PRE_ACCESS } from './constants.js';
import { decodeFanotify } from './decode.js';
import type { LinuxSyscalls } from './ffi.js';

/** FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS. */
export const PERMISSION_EVENTS = FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM | FAN_PRE_ACCESS;

/** One rule of a permission policy (the same filters as the conformance format, FORMAT.md §3.3). */
export interface PermissionRule {
  /**
   * Only events whose descriptor path equals this: relative to the policy's
   * `root` ('.' for the root itself, ' (deleted)' kept), or absolute when
   * the policy has no root.
   */
  readonly path?: string;
  /** Only events whose mask has all these FAN_* bits. */
  readonly event?: number;
  /** Only the nth event (1-based) that passes this rule's filters. */
  readonly nth?: number;
  /** FAN_ALLOW, FAN_DENY or FAN_DENY_ERRNO(e) (PRE_CONTENT groups only). */
  readonly response: number;
}

/** What the worker is told (structured-clonable). */
export interface ResponderConfig {
  /** The rules, or null when no policy: events then wait for respond() or the timeout. */
  readonly rules: readonly PermissionRule[] | null;
  /** The answer when no rule applies. */
  readonly dflt: number;
  /** Paths in rules are relative to this absolute path, or null for absolute paths. */
  readonly root: string | null;
  /** Answer events left unanswered this long after they were read, or null (wait forever). */
  readonly timeoutMs: number | null;
  readonly timeoutResponse: number;
}

/** An answer given in the worker, reported to the main thread with the batch that held the event. */
export interface PermissionAnswer {
  /** The event's descriptor (the kernel's key). */
  readonly fd: number;
  readonly response: number;
  /** Who answered. */
  readonly by: 'policy' | 'timeout';
  /** The descriptor's path as the policy saw it (see PermissionRule.path), or null. */
  readonly path: string | null;
}

/** A kernel-reported absolute path relative to `root`, as FORMAT.md §5.2 renders it. */
export function relativeTo(root: string | null, abs: string): string {
  if (root === null) return abs;
  let suffix = '';
  if (abs.endsWith(' (deleted)')) {
    abs = abs.slice(0, -' (deleted)'.length);
    suffix = ' (deleted)';
  }
  if (abs === root) return '.' + suffix;
  const prefix = root.endsWith('/') ? root : root + '/';
  if (abs.startsWith(prefix)) return abs.slice(prefix.length) + suffix;
  return '!OUTSIDE:' + abs + suffix;
}

export class PermissionResponder {
  private readonly hits: number[];
  /** fd → deadline (ms since the epoch) of events waiting for an answer. */
  private readonly deadlines = new Map<number, number>();
  private readonly response = Buffer.alloc(8);

  constructor(
    private readonly sys: LinuxSyscalls,
    private readonly fanotifyFd: number,
    private readonly config: ResponderConfig,
  ) {
    this.hits = (config.rules ?? []).map(() => 0);
  }

  /** Handle the permission events among the whole events in `chunk` (bytes of one read(2)). */
  onChunk(chunk: Buffer, now: number, answers: PermissionAnswer[]): void {
    for (const ev of decodeFanotify(chunk)) {
      // fd < 0: the kernel could not open the descriptor and already denied (F13).
      if ((ev.mask & PERMISSION_EVENTS) === 0 || ev.fd < 0) continue;
      if (this.config.rules !== null) {
        const path = this.pathOf(ev.fd);
        const response = this.decide(ev.mask, path);
        this.deadlines.delete(ev.fd);
        if (this.answer(ev.fd, response)) answers.push({ fd: ev.fd, response, by: 'policy', path });
      } else if (this.config.timeoutMs !== null) {
        this.deadlines.set(ev.fd, now + this.config.timeoutMs);
      }
    }
  }

  /** Milliseconds until the next timeout (0 if one is due), or -1 when none is pending. */
  nextTimeout(now: number): number {
    let next = -1;
    for (const d of this.deadlines.values()) {
      const left = Math.max(0, d - now);
      if (next < 0 || left < next) next = left;
    }
    return next;
  }

  /** Answer every event whose timeout has passed. */
  expire(now: number, answers: PermissionAnswer[]): void {
    for (const [fd, deadline] of this.deadlines) {
      if (deadline > now) continue;
      this.deadlines.delete(fd);
      const response = this.config.timeoutResponse;
      if (this.answer(fd, response)) answers.push({ fd, response, by: 'timeout', path: null });
    }
  }

  /** First applying rule wins; a rule with `nth` applies only to the nth event passing its filters. */
  private decide(mask: number, path: string): number {
    const rules = this.config.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (rule.path !== undefined && rule.path !== path) continue;
      if (rule.event !== undefined && (mask & rule.event) !== rule.event) continue;
      this.hits[i]!++;
      if (rule.nth !== undefined && rule.nth !== this.hits[i]) continue;
      return rule.response;
    }
    return this.config.dflt;
  }

  private pathOf(fd: number): string {
    try {
      return relativeTo(this.config.root, this.sys.readlink(`/proc/self/fd/${fd}`));
    } catch (e) {
      return isSystemError(e) ? `!${e.code}` : '!?';
    }
  }

  /** write(fanotify_fd, {fd, response}); false when the kernel says it was already answered (ENOENT). */
  private answer(fd: number, response: number): boolean {
    this.response.writeInt32LE(fd, 0);
    this.response.writeUInt32LE(response >>> 0, 4);
    try {
      this.sys.write(this.fanotifyFd, this.response);
      return true;
    } catch (e) {
      if (isSystemError(e, 'ENOENT')) return false;
      throw e;
    }
  }
}

/** 'allow' → FAN_ALLOW, 'deny' → FAN_DENY; numbers pass through. */
export function responseNumber(response: 'allow' | 'deny' | number): number {
  if (response === 'allow') return FAN_ALLOW;
  if (response === 'deny') return FAN_DENY;
  return response >>> 0;
}
