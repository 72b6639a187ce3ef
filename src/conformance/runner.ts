/**
 * Run one scenario (FORMAT.md) against a source and produce its transcript.
 *
 * The runner is source-agnostic: a `ScenarioFs` performs the filesystem
 * ops, the front-ends resolve paths through its `Source`. Scenarios that use
 * a front-end this build does not have are skipped with the reason.
 */
// The same rendering the kernel backend's off-thread responder applies (no native code is loaded by it).
import { relativeTo } from '../host/linux/fanotify-responder.js';
import type { FileHandle } from '../core/index.js';
import * as DN from '../dnotify/constants.js';
import { dnotify } from '../dnotify/index.js';
import { errnoName, isSystemError } from '../errors.js';
import * as FAN from '../fanotify/constants.js';
import { AT_FDCWD, fanotifyInit } from '../fanotify/index.js';
import type { FanotifyApi, FanotifyFidInfo, FanotifyPidfdInfo } from '../fanotify/index.js';
import * as IN from '../inotify/constants.js';
import { inotifyInit } from '../inotify/index.js';
import type { Inotify } from '../inotify/index.js';
import { OPEN_FLAG_NAMES, SEEK_CUR, SEEK_END, SEEK_SET } from '../vfs/constants.js';
import type { TimeSpec } from '../vfs/constants.js';
import type { EventRecord, Op, Scenario, TranscriptEntry } from './format.js';
import { flagsOf, maskNames, modeOf, normaliseCookies } from './format.js';
import type { ScenarioFs, ScenarioNotifyFs } from './fs-driver.js';
import { mkfile } from './fs-driver.js';

/** Input names for inotify masks: events, flags and the aliases (§4.1). */
const IN_INPUT: Record<string, number> = Object.fromEntries(
  Object.entries(IN).filter(([k, v]) => k.startsWith('IN_') && typeof v === 'number' && k !== 'IN_CLOEXEC' && k !== 'IN_NONBLOCK'),
) as Record<string, number>;
/** Output names: the single bits a record can carry. */
const IN_OUTPUT: Record<string, number> = Object.fromEntries(
  Object.entries(IN_INPUT).filter(([k, v]) => v !== 0 && (v & (v - 1)) === 0 && !['IN_CLOSE', 'IN_MOVE', 'IN_ALL_EVENTS'].includes(k)),
);

/** fanotify names (§4.2, §4.3): single bits plus the input aliases. */
const FAN_MASK_INPUT: Record<string, number> = {
  ...Object.fromEntries(FAN.FANOTIFY_BIT_NAMES.map(([bit, name]) => [name, bit])),
  FAN_CLOSE: FAN.FAN_CLOSE,
  FAN_MOVE: FAN.FAN_MOVE,
};
const FAN_OUTPUT: Record<string, number> = Object.fromEntries(FAN.FANOTIFY_BIT_NAMES.map(([bit, name]) => [name, bit]));
const FAN_INIT_FLAGS: Record<string, number> = pick(FAN as unknown as Record<string, unknown>, [
  'FAN_CLASS_NOTIF', 'FAN_CLASS_CONTENT', 'FAN_CLASS_PRE_CONTENT', 'FAN_CLOEXEC', 'FAN_NONBLOCK', 'FAN_UNLIMITED_QUEUE',
  'FAN_UNLIMITED_MARKS', 'FAN_ENABLE_AUDIT', 'FAN_REPORT_PIDFD', 'FAN_REPORT_TID', 'FAN_REPORT_FID', 'FAN_REPORT_DIR_FID',
  'FAN_REPORT_NAME', 'FAN_REPORT_TARGET_FID', 'FAN_REPORT_FD_ERROR', 'FAN_REPORT_MNT', 'FAN_REPORT_DFID_NAME',
  'FAN_REPORT_DFID_NAME_TARGET',
]);
const FAN_MARK_FLAGS: Record<string, number> = pick(FAN as unknown as Record<string, unknown>, [
  'FAN_MARK_ADD', 'FAN_MARK_REMOVE', 'FAN_MARK_DONT_FOLLOW', 'FAN_MARK_ONLYDIR', 'FAN_MARK_MOUNT', 'FAN_MARK_IGNORED_MASK',
  'FAN_MARK_IGNORED_SURV_MODIFY', 'FAN_MARK_FLUSH', 'FAN_MARK_FILESYSTEM', 'FAN_MARK_EVICTABLE', 'FAN_MARK_IGNORE',
  'FAN_MARK_INODE', 'FAN_MARK_IGNORE_SURV',
]);
const DN_FLAGS: Record<string, number> = pick(DN as unknown as Record<string, unknown>, [
  'DN_ACCESS', 'DN_MODIFY', 'DN_CREATE', 'DN_DELETE', 'DN_RENAME', 'DN_ATTRIB', 'DN_MULTISHOT',
]);
const FAN_INFO_TYPES: Record<number, string> = {
  1: 'FID', 2: 'DFID_NAME', 3: 'DFID', 4: 'PIDFD', 5: 'ERROR', 6: 'RANGE', 7: 'MNT', 10: 'OLD_DFID_NAME', 12: 'NEW_DFID_NAME',
};

function pick(mod: Record<string, unknown>, names: string[]): Record<string, number> {
  return Object.fromEntries(names.map((n) => [n, mod[n] as number]));
}

const RENAME_FLAGS = { RENAME_NOREPLACE: 1, RENAME_EXCHANGE: 2, RENAME_WHITEOUT: 4 };
const UMOUNT_FLAGS = { MNT_FORCE: 1, MNT_DETACH: 2, MNT_EXPIRE: 4, UMOUNT_NOFOLLOW: 8 };
const XATTR_FLAGS = { XATTR_CREATE: 1, XATTR_REPLACE: 2 };
const WHENCE: Record<string, number> = { SEEK_SET, SEEK_CUR, SEEK_END };

/** The front-ends a run may use; absent ones make their scenarios skip. */
export interface FrontEnds {
  inotify: boolean;
  fanotify: boolean;
  dnotify: boolean;
}

export const BUILT_FRONT_ENDS: FrontEnds = { inotify: true, fanotify: true, dnotify: true };

/** Why a scenario cannot run with these front-ends, or null. */
export function skipReason(s: Scenario, fe: FrontEnds): string | null {
  for (const op of s.steps) {
    if (op.op.startsWith('fanotify_') && !fe.fanotify) return 'uses fanotify, whose front-end is not built yet';
    if (op.op.startsWith('dnotify_') && !fe.dnotify) return 'uses dnotify, whose front-end is not built yet';
  }
  return null;
}

/** Why this filesystem cannot run the scenario's fanotify/dnotify steps, or null. */
export function notifySkipReason(s: Scenario, fs: ScenarioFs): string | null {
  for (const op of s.steps) {
    if (!fs.notify && (op.op.startsWith('fanotify_') || op.op.startsWith('dnotify_'))) return 'this source has no fanotify/dnotify support';
    if (fs.notify && !fs.notify.dnotifyTask && op.op.startsWith('dnotify_')) return fs.notify.dnotifySkipReason ?? 'this source has no dnotify support';
  }
  return null;
}

interface RespondRule {
  path?: string;
  event?: string;
  nth?: number;
  response?: 'allow' | 'deny';
}

interface FanotifyInstance {
  readonly kind: 'fanotify';
  readonly label: string;
  readonly fan: FanotifyApi;
  readonly rules: readonly RespondRule[];
  readonly ruleHits: number[];
  readonly dflt: 'allow' | 'deny';
  responder: boolean;
  /** Events the responder read early, in read order (§3.3). */
  pending: EventRecord[];
}

interface DnotifyInstance {
  readonly kind: 'dnotify';
  readonly label: string;
  readonly watches: Map<string, number>;
  readonly fdLabel: Map<number, string>;
  /** si_fd of each signal queued, in order. */
  signals: number[];
}

interface InotifyInstance {
  readonly kind: 'inotify';
  readonly label: string;
  readonly inotify: Inotify;
  /** raw wd → label, and label (incl. aliases) → raw wd. */
  readonly wdLabel: Map<number, string>;
  readonly labelWd: Map<string, number>;
}

type Instance = InotifyInstance | FanotifyInstance | DnotifyInstance;

class Run {
  readonly fds = new Map<string, number>();
  readonly instances = new Map<string, Instance>();
  /** Nested tmpfs label (its mount_tmpfs path) → fsid, while mounted. */
  readonly mountFsid = new Map<string, readonly [number, number]>();
  readonly rootFsid: readonly [number, number] | null;

  constructor(
    readonly fs: ScenarioFs,
    readonly scenario: Scenario,
  ) {
    this.rootFsid = fs.notify ? fs.notify.statfsFsid('.') : null;
  }

  get notify(): ScenarioNotifyFs {
    if (!this.fs.notify) throw new Error(`${this.scenario.name}: this source has no fanotify/dnotify support`);
    return this.fs.notify;
  }

  str(op: Op, key: string, dflt?: string): string {
    const v = op[key];
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'string') throw new Error(`${this.scenario.name}: op ${op.op}: '${key}' must be a string`);
    return v;
  }

  num(op: Op, key: string, dflt: number): number {
    const v = op[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'number') throw new Error(`${this.scenario.name}: op ${op.op}: '${key}' must be a number`);
    return v;
  }

  fd(op: Op): number {
    const label = this.str(op, 'fd');
    const fd = this.fds.get(label);
    if (fd === undefined) throw new Error(`${this.scenario.name}: unknown fd label '${label}'`);
    return fd;
  }

  instance(op: Op): Instance {
    const label = this.str(op, 'instance');
    const inst = this.instances.get(label);
    if (!inst) throw new Error(`${this.scenario.name}: unknown instance '${label}'`);
    return inst;
  }

  kindOf<K extends Instance['kind']>(op: Op, kind: K): Extract<Instance, { kind: K }> {
    const inst = this.instance(op);
    if (inst.kind !== kind) throw new Error(`${this.scenario.name}: instance '${inst.label}' is ${inst.kind}, not ${kind}`);
    return inst as Extract<Instance, { kind: K }>;
  }

  /** Run one op; returns the extra transcript keys. Throws SystemError on failure. */
  exec(op: Op, entry: TranscriptEntry): void {
    const fs = this.fs;
    switch (op.op) {
      case 'mkdir':
        return fs.mkdir(this.str(op, 'path'), modeOf(op['mode'], 0o755));
      case 'rmdir':
        return fs.rmdir(this.str(op, 'path'));
      case 'open': {
        const fd = fs.open(this.str(op, 'path'), flagsOf(op['flags'] ?? ['O_RDONLY'], OPEN_FLAG_NAMES, 'open flags'), modeOf(op['mode'], 0o644));
        if (op['fd'] !== undefined) this.fds.set(this.str(op, 'fd'), fd);
        return;
      }
      case 'close': {
        fs.close(this.fd(op));
        this.fds.delete(this.str(op, 'fd'));
        return;
      }
      case 'read':
        entry.bytes = null;
        entry.bytes = fs.read(this.fd(op), this.num(op, 'count', 4096));
        return;
      case 'write': {
        entry.bytes = null;
        const data = op['data'] !== undefined ? Buffer.from(this.str(op, 'data')) : Buffer.alloc(this.num(op, 'size', 1), 'x');
        entry.bytes = fs.write(this.fd(op), data);
        return;
      }
      case 'lseek': {
        const whence = WHENCE[this.str(op, 'whence', 'SEEK_SET')];
        if (whence === undefined) throw new Error(`${this.scenario.name}: bad whence`);
        return fs.lseek(this.fd(op), this.num(op, 'offset', 0), whence);
      }
      case 'ftruncate':
        return fs.ftruncate(this.fd(op), this.num(op, 'length', 0));
      case 'truncate':
        return fs.truncate(this.str(op, 'path'), this.num(op, 'length', 0));
      case 'rename':
        return fs.rename(this.str(op, 'from'), this.str(op, 'to'), flagsOf(op['flags'], RENAME_FLAGS, 'rename flags'));
      case 'unlink':
        return fs.unlink(this.str(op, 'path'));
      case 'link':
        return fs.link(this.str(op, 'from'), this.str(op, 'to'));
      case 'symlink':
        return fs.symlink(this.str(op, 'target'), this.str(op, 'path'));
      case 'mknod': {
        const type = this.str(op, 'type', 'reg');
        if (type !== 'reg' && type !== 'fifo') throw new Error(`${this.scenario.name}: mknod type ${type}`);
        return fs.mknod(this.str(op, 'path'), type, modeOf(op['mode'], 0o644));
      }
      case 'chmod':
        return fs.chmod(this.str(op, 'path'), modeOf(op['mode'], 0o644));
      case 'fchmod':
        return fs.fchmod(this.fd(op), modeOf(op['mode'], 0o644));
      case 'chown':
        return fs.chown(this.str(op, 'path'), this.num(op, 'uid', -1), this.num(op, 'gid', -1), op['follow'] !== false);
      case 'utimes':
        return fs.utimes(this.str(op, 'path'), timeOf(op['atime']), timeOf(op['mtime']), op['follow'] !== false);
      case 'setxattr':
        return fs.setxattr(
          this.str(op, 'path'),
          this.str(op, 'name'),
          Buffer.from(this.str(op, 'value', '')),
          flagsOf(op['flags'], XATTR_FLAGS, 'xattr flags'),
          op['follow'] !== false,
        );
      case 'removexattr':
        return fs.removexattr(this.str(op, 'path'), this.str(op, 'name'), op['follow'] !== false);
      case 'readdir':
        return fs.readdir(this.str(op, 'path'));
      case 'mkfile':
        return mkfile(fs, this.str(op, 'path'), Buffer.from(this.str(op, 'data', '')), modeOf(op['mode'], 0o644));
      case 'mount_tmpfs': {
        const path = this.str(op, 'path');
        fs.mountTmpfs(path);
        if (fs.notify) this.mountFsid.set(path, fs.notify.statfsFsid(path));
        return;
      }
      case 'umount': {
        const path = this.str(op, 'path');
        fs.umount(path, flagsOf(op['flags'], UMOUNT_FLAGS, 'umount flags'));
        this.mountFsid.delete(path);
        return;
      }
      case 'inotify_init': {
        const label = this.str(op, 'instance');
        const max = op['max_queued_events'];
        const inotify = inotifyInit({
          source: fs.source,
          flags: IN.IN_NONBLOCK | IN.IN_CLOEXEC,
          ...(typeof max === 'number' ? { maxQueuedEvents: max } : {}),
        });
        this.instances.set(label, { kind: 'inotify', label, inotify, wdLabel: new Map(), labelWd: new Map() });
        return;
      }
      case 'inotify_add_watch': {
        entry.wd = null;
        const inst = this.kindOf(op, 'inotify');
        const label = this.str(op, 'wd');
        const wd = inst.inotify.addWatch(this.str(op, 'path'), flagsOf(op['mask'], IN_INPUT, 'inotify mask'));
        let bound = inst.wdLabel.get(wd);
        if (bound === undefined) {
          bound = label;
          inst.wdLabel.set(wd, label);
        }
        if (!inst.labelWd.has(label)) inst.labelWd.set(label, wd);
        entry.wd = bound;
        return;
      }
      case 'inotify_rm_watch': {
        const inst = this.instance(op);
        const w = op['wd'];
        if (inst.kind !== 'inotify') throw new Error(`${this.scenario.name}: not an inotify instance`);
        const wd = typeof w === 'number' ? w : inst.labelWd.get(this.str(op, 'wd'));
        if (wd === undefined) throw new Error(`${this.scenario.name}: unknown wd label ${JSON.stringify(w)}`);
        return inst.inotify.rmWatch(wd);
      }
      case 'drain': {
        entry.events = [];
        const label = op['instance'];
        const list = label === undefined ? [...this.instances.values()] : [this.instance(op)];
        for (const inst of list) entry.events.push(...this.drain(inst));
        return;
      }
      case 'close_instance': {
        const inst = this.instance(op);
        this.closeInstance(inst);
        this.instances.delete(inst.label);
        return;
      }
      case 'fanotify_init':
        return this.fanotifyInit(op);
      case 'fanotify_mark':
        return this.fanotifyMark(op);
      case 'dnotify_init': {
        const label = this.str(op, 'instance');
        void this.notify;
        this.instances.set(label, { kind: 'dnotify', label, watches: new Map(), fdLabel: new Map(), signals: [] });
        return;
      }
      case 'dnotify_watch':
        return this.dnotifyWatch(op);
      case 'dnotify_close': {
        const inst = this.kindOf(op, 'dnotify');
        const label = this.str(op, 'watch');
        const fd = inst.watches.get(label);
        if (fd === undefined) throw new Error(`${this.scenario.name}: unknown watch '${label}'`);
        inst.watches.delete(label);
        inst.fdLabel.delete(fd);
        fs.close(fd);
        return;
      }
      default:
        throw new Error(`${this.scenario.name}: unknown op '${op.op}'`);
    }
  }

  drain(inst: Instance): EventRecord[] {
    if (inst.kind === 'fanotify') {
      const out = inst.pending;
      inst.pending = [];
      out.push(...this.readFanotify(inst));
      return out;
    }
    if (inst.kind === 'dnotify') {
      const out = inst.signals.map((fd) => ({ instance: inst.label, watch: inst.fdLabel.get(fd) ?? '?fd' }));
      inst.signals = [];
      return out;
    }
    return this.drainInotify(inst);
  }

  drainInotify(inst: InotifyInstance): EventRecord[] {
    const out: EventRecord[] = [];
    for (;;) {
      let events;
      try {
        events = inst.inotify.read();
      } catch (e) {
        if (isSystemError(e, 'EAGAIN')) break;
        throw e;
      }
      if (events.length === 0) break;
      for (const ev of events) {
        out.push({
          instance: inst.label,
          wd: ev.wd === -1 ? -1 : (inst.wdLabel.get(ev.wd) ?? `!unknown-wd-${ev.wd}`),
          mask: maskNames(ev.mask, IN_OUTPUT),
          cookie: ev.cookie,
          name: ev.name,
        });
      }
    }
    return out;
  }

  closeInstance(inst: Instance): void {
    if (inst.kind === 'inotify') inst.inotify.close();
    else if (inst.kind === 'fanotify') inst.fan.close();
    else {
      for (const fd of inst.watches.values()) {
        try {
          this.fs.close(fd);
        } catch {
          // already closed
        }
      }
      inst.watches.clear();
      inst.signals = [];
    }
  }

  closeAll(): void {
    for (const inst of this.instances.values()) this.closeInstance(inst);
    this.instances.clear();
  }

  // ---------------------------------------------------------------- fanotify (§3.3, §5.2)

  fanotifyInit(op: Op): void {
    const label = this.str(op, 'instance');
    const flags = flagsOf(op['flags'] ?? ['FAN_CLASS_NOTIF'], FAN_INIT_FLAGS, 'fanotify_init flags');
    const eventFFlags = flagsOf(op['event_f_flags'] ?? ['O_RDONLY'], OPEN_FLAG_NAMES, 'event_f_flags');
    const max = op['max_queued_events'];
    const notify = this.notify;
    const respond = (op['respond'] ?? {}) as { default?: 'allow' | 'deny'; rules?: RespondRule[] };
    const rules = respond.rules ?? [];
    const common = {
      flags: flags | FAN.FAN_CLOEXEC | FAN.FAN_NONBLOCK,
      eventFFlags,
      ...(typeof max === 'number' ? { maxQueuedEvents: max } : {}),
    };
    // A backend whose permission events block real system calls gets the policy to apply off the main thread.
    const fan = notify.fanotifyInit
      ? notify.fanotifyInit({
          ...common,
          respond: {
            default: respond.default ?? 'allow',
            rules: rules.map((r) => ({
              ...(r.path !== undefined ? { path: r.path } : {}),
              ...(r.event !== undefined ? { event: flagsOf([r.event], FAN_OUTPUT, 'respond event') } : {}),
              ...(r.nth !== undefined ? { nth: r.nth } : {}),
              response: r.response ?? 'allow',
            })),
          },
        })
      : fanotifyInit({ source: this.fs.source, ...common });
    this.instances.set(label, {
      kind: 'fanotify',
      label,
      fan,
      rules,
      ruleHits: rules.map(() => 0),
      dflt: respond.default ?? 'allow',
      responder: false,
      pending: [],
    });
  }

  fanotifyMark(op: Op): void {
    const inst = this.kindOf(op, 'fanotify');
    const flags = flagsOf(op['flags'] ?? ['FAN_MARK_ADD'], FAN_MARK_FLAGS, 'fanotify_mark flags');
    const mask = flagsOf(op['mask'], FAN_MASK_INPUT, 'fanotify mask');
    const path = op['path'] === null ? null : this.str(op, 'path', '.');
    inst.fan.mark(flags, mask, AT_FDCWD, path);
    // The first successful non-ignore ADD with a permission bit starts the responder.
    const ignore = FAN.FAN_MARK_IGNORED_MASK | FAN.FAN_MARK_IGNORE;
    if (mask & FAN.FANOTIFY_PERM_EVENTS && flags & FAN.FAN_MARK_ADD && !(flags & ignore) && !inst.responder) {
      inst.responder = true;
      const respond = (): void => {
        inst.pending.push(...this.readFanotify(inst));
      };
      inst.fan.onReady(respond);
      respond();
    }
  }

  /** Read every queued event, answering permission events by the respond policy. */
  readFanotify(inst: FanotifyInstance): EventRecord[] {
    const notify = this.notify;
    const out: EventRecord[] = [];
    for (;;) {
      let events;
      try {
        events = inst.fan.read();
      } catch (e) {
        if (isSystemError(e, 'EAGAIN')) break;
        throw e;
      }
      for (const ev of events) {
        const names = maskNames(ev.mask, FAN_OUTPUT);
        let fdPath: string | null = null;
        if (ev.fdPath !== undefined) {
          fdPath = ev.fdPath; // as the off-thread responder saw it when it read the event
        } else if (ev.fd >= 0) {
          try {
            fdPath = this.rel(notify.fdPath(ev.fd));
          } catch (e) {
            fdPath = isSystemError(e) ? `!${e.code}` : '!?';
          }
        } else if (ev.fd !== FAN.FAN_NOFD) {
          fdPath = `!${errnoName(-ev.fd) ?? ev.fd}`;
        }
        const info = ev.info.map((i) => {
          const rec: EventRecord = { type: FAN_INFO_TYPES[i.type] ?? `UNKNOWN_${i.type}`, fs: null, path: null, name: null };
          if (i.type === FAN.FAN_EVENT_INFO_TYPE_PIDFD && (i as FanotifyPidfdInfo).pidfd >= 0) this.fs.close((i as FanotifyPidfdInfo).pidfd);
          if ('handle' in i) {
            const fid = i as FanotifyFidInfo;
            rec['fs'] = this.fsLabel(fid.fsid);
            rec['path'] = this.resolveHandle(fid.fsid, fid.handle);
            if (i.type === 2 || i.type === 10 || i.type === 12) rec['name'] = fid.name;
          }
          return rec;
        });
        let response: string | null = null;
        if (ev.mask & FAN.FANOTIFY_PERM_EVENTS) {
          if (ev.response !== undefined) {
            // Answered already, off the main thread, by the same policy (kernel backend).
            response = (ev.response & FAN.FANOTIFY_RESPONSE_ACCESS) === FAN.FAN_ALLOW ? 'allow' : 'deny';
          } else {
            response = this.policy(inst, names, fdPath);
            if (ev.fd >= 0) inst.fan.respond(ev.fd, response === 'allow' ? FAN.FAN_ALLOW : FAN.FAN_DENY);
          }
        }
        if (ev.fd >= 0) this.fs.close(ev.fd);
        out.push({ instance: inst.label, mask: names, self_pid: ev.pid === notify.pid, fd_path: fdPath, info, response });
      }
    }
    return out;
  }

  /** First applying rule wins; a rule with `nth` applies only to the nth event passing its filters. */
  policy(inst: FanotifyInstance, names: string[], path: string | null): 'allow' | 'deny' {
    for (let n = 0; n < inst.rules.length; n++) {
      const rule = inst.rules[n]!;
      if (rule.path !== undefined && rule.path !== path) continue;
      if (rule.event !== undefined && !names.includes(rule.event)) continue;
      inst.ruleHits[n]!++;
      if (rule.nth !== undefined && rule.nth !== inst.ruleHits[n]) continue;
      return rule.response ?? 'allow';
    }
    return inst.dflt;
  }

  /** A kernel-reported absolute path, relative to the scenario root (§5.2). */
  rel(abs: string): string {
    return relativeTo(this.notify.rootPath, abs);
  }

  fsLabel(fsid: readonly [number, number]): string {
    if (this.rootFsid && sameFsid(fsid, this.rootFsid)) return 'root';
    for (const [path, f] of this.mountFsid) if (sameFsid(f, fsid)) return path;
    return 'other';
  }

  /** open_by_handle_at(O_PATH) then readlink, at read time; '!ESTALE' etc. on failure, '!NOFS' when unmounted. */
  resolveHandle(fsid: readonly [number, number], handle: FileHandle): string {
    let where: string | null = null;
    if (this.rootFsid && sameFsid(fsid, this.rootFsid)) where = '.';
    else for (const [path, f] of this.mountFsid) if (sameFsid(f, fsid)) where = path;
    if (where === null) return '!NOFS';
    let fd: number;
    try {
      fd = this.notify.openByHandle(where, handle);
    } catch (e) {
      if (isSystemError(e)) return `!${e.code}`;
      throw e;
    }
    try {
      return this.rel(this.notify.fdPath(fd));
    } finally {
      this.fs.close(fd);
    }
  }

  // ---------------------------------------------------------------- dnotify (§3.4, §5.3)

  dnotifyWatch(op: Op): void {
    const inst = this.kindOf(op, 'dnotify');
    const label = this.str(op, 'watch');
    const mask = flagsOf(op['mask'], DN_FLAGS, 'dnotify mask');
    let fd = inst.watches.get(label);
    if (fd === undefined) {
      fd = this.fs.open(this.str(op, 'path'), OPEN_FLAG_NAMES['O_RDONLY']!, 0);
      inst.watches.set(label, fd);
      inst.fdLabel.set(fd, label);
    }
    // F_SETSIG then F_NOTIFY; the instance's signal queue records si_fd.
    const task = this.notify.dnotifyTask;
    if (!task) throw new Error(`${this.scenario.name}: this source has no dnotify support`);
    dnotify(task).notify(fd, mask, (signal) => inst.signals.push(signal.fd));
  }
}

function sameFsid(a: readonly [number, number], b: readonly [number, number]): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

function timeOf(v: unknown): TimeSpec {
  if (v === undefined || v === 'now') return 'now';
  if (v === 'omit') return 'omit';
  if (typeof v === 'number') return v;
  throw new Error(`bad time ${JSON.stringify(v)}`);
}

/**
 * Execute a scenario exactly as FORMAT.md specifies: setup (must succeed,
 * not recorded), each step (one entry each), then the final drain of every
 * open instance; then teardown (not recorded).
 */
export async function runScenario(scenario: Scenario, fs: ScenarioFs): Promise<TranscriptEntry[]> {
  const run = new Run(fs, scenario);
  const transcript: TranscriptEntry[] = [];
  try {
    for (const op of scenario.setup ?? []) {
      try {
        run.exec(op, { step: 0, op: op.op, result: 'ok' });
      } catch (e) {
        throw new Error(`${scenario.name}: setup op ${JSON.stringify(op)} failed: ${(e as Error).message}`);
      }
    }
    for (const [i, op] of scenario.steps.entries()) {
      const entry: TranscriptEntry = { step: i, op: op.op, result: 'ok' };
      // An asynchronous source delivers the events of the previous steps first.
      if (fs.settle && op.op === 'drain') await fs.settle();
      try {
        run.exec(op, entry);
      } catch (e) {
        if (!isSystemError(e)) throw e;
        entry.result = e.code;
      }
      transcript.push(entry);
      if (fs.settle) await fs.settle();
    }
    const final: TranscriptEntry = { step: 'final', op: 'drain', result: 'ok', events: [] };
    for (const inst of run.instances.values()) final.events!.push(...run.drain(inst));
    transcript.push(final);
  } finally {
    run.closeAll();
    fs.teardown();
  }
  normaliseCookies(transcript);
  return transcript;
}
