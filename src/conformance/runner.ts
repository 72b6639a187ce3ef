/**
 * Run one scenario (FORMAT.md) against a source and produce its transcript.
 *
 * The runner is source-agnostic: a `ScenarioFs` performs the filesystem
 * ops, the front-ends resolve paths through its `Source`. Scenarios that use
 * a front-end this build does not have are skipped with the reason.
 */
import { isSystemError } from '../errors.js';
import * as IN from '../inotify/constants.js';
import { inotifyInit } from '../inotify/index.js';
import type { Inotify } from '../inotify/index.js';
import { OPEN_FLAG_NAMES, SEEK_CUR, SEEK_END, SEEK_SET } from '../vfs/constants.js';
import type { TimeSpec } from '../vfs/constants.js';
import type { EventRecord, Op, Scenario, TranscriptEntry } from './format.js';
import { flagsOf, maskNames, modeOf, normaliseCookies } from './format.js';
import type { ScenarioFs } from './fs-driver.js';
import { mkfile } from './fs-driver.js';

/** Input names for inotify masks: events, flags and the aliases (§4.1). */
const IN_INPUT: Record<string, number> = Object.fromEntries(
  Object.entries(IN).filter(([k, v]) => k.startsWith('IN_') && typeof v === 'number' && k !== 'IN_CLOEXEC' && k !== 'IN_NONBLOCK'),
) as Record<string, number>;
/** Output names: the single bits a record can carry. */
const IN_OUTPUT: Record<string, number> = Object.fromEntries(
  Object.entries(IN_INPUT).filter(([k, v]) => v !== 0 && (v & (v - 1)) === 0 && !['IN_CLOSE', 'IN_MOVE', 'IN_ALL_EVENTS'].includes(k)),
);

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

export const BUILT_FRONT_ENDS: FrontEnds = { inotify: true, fanotify: false, dnotify: false };

/** Why a scenario cannot run with these front-ends, or null. */
export function skipReason(s: Scenario, fe: FrontEnds): string | null {
  for (const op of s.steps) {
    if (op.op.startsWith('fanotify_') && !fe.fanotify) return 'uses fanotify, whose front-end is not built yet';
    if (op.op.startsWith('dnotify_') && !fe.dnotify) return 'uses dnotify, whose front-end is not built yet';
  }
  return null;
}

interface InotifyInstance {
  readonly kind: 'inotify';
  readonly label: string;
  readonly inotify: Inotify;
  /** raw wd → label, and label (incl. aliases) → raw wd. */
  readonly wdLabel: Map<number, string>;
  readonly labelWd: Map<string, number>;
}

type Instance = InotifyInstance;

class Run {
  readonly fds = new Map<string, number>();
  readonly instances = new Map<string, Instance>();

  constructor(
    readonly fs: ScenarioFs,
    readonly scenario: Scenario,
  ) {}

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
      case 'mount_tmpfs':
        return fs.mountTmpfs(this.str(op, 'path'));
      case 'umount':
        return fs.umount(this.str(op, 'path'), flagsOf(op['flags'], UMOUNT_FLAGS, 'umount flags'));
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
        const inst = this.instance(op);
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
        inst.inotify.close();
        this.instances.delete(inst.label);
        return;
      }
      default:
        throw new Error(`${this.scenario.name}: unknown op '${op.op}'`);
    }
  }

  drain(inst: Instance): EventRecord[] {
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

  closeAll(): void {
    for (const inst of this.instances.values()) inst.inotify.close();
    this.instances.clear();
  }
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
