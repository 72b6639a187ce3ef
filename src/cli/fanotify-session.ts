/**
 * `tsnotify wait --fanotify` in raw mode: each PATH is listened to with one
 * kernel fanotify filesystem mark (host createFsListener: no walk, no watch
 * per directory, O(1) setup whatever the size of the tree), and the
 * listener's path events come out as inotifywait prints inotify events:
 *
 *   create → CREATE     delete → DELETE     modify → MODIFY
 *   attrib → ATTRIB     close-write → CLOSE_WRITE,CLOSE
 *   rename → MOVED_FROM (old place) then MOVED_TO (new place), one cookie
 *   move-from → MOVED_FROM      move-to → MOVED_TO
 *   overflow → Q_OVERFLOW (events were lost; nothing is rescanned)
 *
 * with ISDIR for directories, and PATH's own events as a watch on PATH
 * gives them: ATTRIB,ISDIR, MOVE_SELF, DELETE_SELF (self events keep
 * ISDIR only where inotify does: ATTRIB/MODIFY/CLOSE_WRITE).
 * %w is the directory in which the event happened, as the user named it
 * (dirname + '/'), %f the entry's name — the same lines `wait -r` prints.
 *
 * Scope: with -r everything below PATH; without -r only PATH's direct
 * entries (what an inotify watch on PATH would report). A PATH that is not
 * a directory is listened to through its parent directory, keeping only
 * the events on PATH itself (printed as `PATH EVENTS ` like inotifywait).
 *
 * Where this differs from inotify, by nature of fanotify: the listener
 * follows paths, not inodes (after MOVE_SELF nothing more is reported for
 * the moved tree, and a new directory renamed onto PATH is watched from
 * then on, silently); fanotify has no access, open, close_nowrite nor
 * unmount events (asking for them is refused before setup); and it needs
 * CAP_SYS_ADMIN.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isSystemError, SystemError } from '../errors.js';
import { createFsListener, type FsEvent, type FsEventType, type FsListener } from '../host/index.js';
import {
  IN_ACCESS,
  IN_ATTRIB,
  IN_CLOSE_NOWRITE,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_OPEN,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
} from '../inotify/index.js';
import { parseEventList } from './format.js';
import { SetupError, setUpOrClose, type RawEvent } from './session.js';

/** The inotify events a fanotify filesystem mark cannot report. */
export const FANOTIFY_UNSUPPORTED = IN_ACCESS | IN_OPEN | IN_CLOSE_NOWRITE | IN_UNMOUNT;

/**
 * The first `-e` name that asks only for events --fanotify cannot report
 * ('close' is accepted: it gets CLOSE_WRITE), or null.
 */
export function unsupportedFanotifyEvent(values: readonly string[] | undefined): string | null {
  if (values === undefined) return null;
  for (const value of values) {
    for (const name of value.split(',')) {
      const bits = parseEventList([name]);
      if (typeof bits === 'number' && bits & FANOTIFY_UNSUPPORTED && !(bits & ~FANOTIFY_UNSUPPORTED)) return name;
    }
  }
  return null;
}

/** The listener's event kinds an inotify mask needs (creates, deletes and renames are read anyway). */
export function listenerKinds(mask: number): Exclude<FsEventType, 'overflow'>[] {
  const kinds: Exclude<FsEventType, 'overflow'>[] = ['create', 'delete', 'rename', 'move-from', 'move-to'];
  if (mask & IN_MODIFY) kinds.push('modify');
  if (mask & IN_ATTRIB) kinds.push('attrib');
  if (mask & IN_CLOSE_WRITE) kinds.push('close-write');
  return kinds;
}

/** One PATH as listened to. */
export interface FanTarget {
  /** As the user named it (for %w). */
  given: string;
  /** Absolute, symlinks resolved (as the listener reports paths). */
  abs: string;
  isDir: boolean;
}

/** Where a path is relative to a target: PATH itself, an entry to report (w/f), or out of scope. */
type Place = { self: true } | { self: false; w: string; f: string } | null;

/** The given path without trailing slashes ('' for '/'). */
function baseOf(given: string): string {
  return given.replace(/\/+$/, '');
}

function place(t: FanTarget, path: string, recursive: boolean): Place {
  if (path === t.abs) return { self: true };
  if (!t.isDir) return null;
  const prefix = t.abs === '/' ? '/' : t.abs + '/';
  if (!path.startsWith(prefix)) return null;
  const rel = path.slice(prefix.length);
  if (!recursive && rel.includes('/')) return null;
  const display = baseOf(t.given) + '/' + rel;
  const slash = display.lastIndexOf('/');
  return { self: false, w: display.slice(0, slash + 1), f: display.slice(slash + 1) };
}

/** %w of PATH's own events: a directory with one trailing slash, a file as given. */
function selfName(t: FanTarget): string {
  return t.isDir ? baseOf(t.given) + '/' : t.given;
}

const PLAIN_BITS: Partial<Record<FsEventType, number>> = {
  create: IN_CREATE,
  delete: IN_DELETE,
  modify: IN_MODIFY,
  attrib: IN_ATTRIB,
  'close-write': IN_CLOSE_WRITE,
};

/**
 * One listener event as inotifywait would print it for this target: zero,
 * one or two raw events (a rename inside the scope is MOVED_FROM then
 * MOVED_TO, sharing `cookie`). Pure: no filesystem access.
 */
export function fanotifyToRaw(e: FsEvent, t: FanTarget, recursive: boolean, cookie: number): RawEvent[] {
  const isdir = e.isDirectory ? IN_ISDIR : 0;
  if (e.type === 'overflow') return [{ w: '', f: '', mask: IN_Q_OVERFLOW, cookie: 0 }];
  const from = (path: string, c: number): RawEvent[] => {
    const p = place(t, path, recursive);
    if (p === null) return [];
    if (p.self) return [{ w: selfName(t), f: '', mask: IN_MOVE_SELF, cookie: 0 }];
    return [{ w: p.w, f: p.f, mask: IN_MOVED_FROM | isdir, cookie: c }];
  };
  const to = (path: string, c: number): RawEvent[] => {
    const p = place(t, path, recursive);
    // Something renamed onto PATH: the listener follows the path; inotify would not see it.
    if (p === null || p.self) return [];
    return [{ w: p.w, f: p.f, mask: IN_MOVED_TO | isdir, cookie: c }];
  };
  switch (e.type) {
    case 'rename': {
      const out = [...from(e.oldPath ?? e.path, cookie), ...to(e.path, cookie)];
      // A half alone keeps its cookie, as inotify's does; nothing pairs it.
      return out;
    }
    case 'move-from':
      return from(e.path, cookie);
    case 'move-to':
      return to(e.path, cookie);
    default: {
      const bit = PLAIN_BITS[e.type];
      if (bit === undefined) return [];
      const p = place(t, e.path, recursive);
      if (p === null) return [];
      if (!p.self) return [{ w: p.w, f: p.f, mask: bit | isdir, cookie: 0 }];
      if (e.type === 'create') return []; // PATH made again after it went: inotify's watch is gone by then
      if (e.type === 'delete') return [{ w: selfName(t), f: '', mask: IN_DELETE_SELF, cookie: 0 }];
      return [{ w: selfName(t), f: '', mask: bit | isdir, cookie: 0 }];
    }
  }
}

export interface FanotifySessionOptions {
  paths: readonly string[];
  exclusions: readonly string[];
  recursive: boolean;
  mask: number;
  noDereference: boolean;
  /** --exclude: events below a directory whose display path (with a trailing '/') matches are dropped. */
  excludeDirectory?: ((display: string) => boolean) | undefined;
  onRaw(e: RawEvent): void;
  /** PATH itself was deleted (after its DELETE_SELF, if asked for). */
  onWatchGone?: (() => void) | undefined;
  onError(e: Error): void;
}

/** An absolute path with symlinks resolved as far as it exists (an @exclusion may not exist yet). */
function realOrResolved(p: string): string {
  const abs = resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : resolve(realOrResolved(parent), basename(abs));
  }
}

/**
 * The listener's errors as one clear line: code, call, path and what to do
 * (EPERM names CAP_SYS_ADMIN whichever call refused).
 */
export function explainFanotifyError(e: unknown): string {
  if (!isSystemError(e)) return e instanceof Error ? e.message : String(e);
  if (e.code === 'EPERM' && !/CAP_SYS_ADMIN/.test(e.message)) {
    return new SystemError('EPERM', { syscall: e.syscall, path: e.path, reason: '--fanotify needs CAP_SYS_ADMIN: run as root, e.g. with sudo' }).message;
  }
  return e.message;
}

export class FanotifySession {
  private readonly listeners: FsListener[] = [];
  private closed = false;
  private cookie = 0;

  private constructor(private readonly opts: FanotifySessionOptions) {}

  /** One listener per PATH; rejects with a SetupError naming the first PATH that failed. */
  static async open(opts: FanotifySessionOptions): Promise<FanotifySession> {
    const s = new FanotifySession(opts);
    return setUpOrClose(s, () => s.setUp());
  }

  private async setUp(): Promise<void> {
    const o = this.opts;
    const excluded = o.exclusions.map(realOrResolved);
    for (const given of o.paths) {
      let target: FanTarget;
      try {
        target = this.targetOf(given);
      } catch (e) {
        throw new SetupError(given, e);
      }
      if (excluded.includes(target.abs)) continue;
      const listenRoot = target.isDir ? target.abs : dirname(target.abs);
      const scopeRecursive = target.isDir && o.recursive;
      const isExcluded = (path: string): boolean => this.excluded(target, path, excluded);
      let listener: FsListener;
      try {
        listener = createFsListener(listenRoot, {
          events: listenerKinds(o.mask),
          persistent: true,
          onEvent: (ev) => this.deliver(ev, target, scopeRecursive, isExcluded),
          onError: (err) => {
            if (!this.closed) o.onError(err);
          },
        });
      } catch (e) {
        throw new SetupError(given, e);
      }
      this.listeners.push(listener);
      await listener.ready;
    }
  }

  private targetOf(given: string): FanTarget {
    const abs = resolve(given);
    if (this.opts.noDereference && lstatSync(abs).isSymbolicLink()) {
      // -P: the link itself, through its (resolved) parent.
      return { given, abs: resolve(realpathSync(dirname(abs)), basename(abs)), isDir: false };
    }
    const isDir = statSync(abs).isDirectory();
    return { given, abs: realpathSync(abs), isDir };
  }

  /** Below an @exclusion, or below a directory --exclude matches (the entries themselves are still shown). */
  private excluded(t: FanTarget, path: string, excluded: readonly string[]): boolean {
    for (const x of excluded) if (path.startsWith(x === '/' ? '/' : x + '/')) return true;
    const o = this.opts;
    if (o.excludeDirectory === undefined || !t.isDir || !path.startsWith(t.abs + '/')) return false;
    const rel = path.slice(t.abs.length + 1).split('/');
    let display = baseOf(t.given) + '/';
    for (let i = 0; i < rel.length - 1; i++) {
      display += rel[i] + '/';
      if (o.excludeDirectory(display)) return true;
    }
    return false;
  }

  private deliver(ev: FsEvent, t: FanTarget, recursive: boolean, isExcluded: (path: string) => boolean): void {
    if (this.closed) return;
    let e = ev;
    if (ev.type === 'rename') {
      // Each half is judged on its own: a rename out of an excluded place is a MOVED_TO.
      const fromOut = isExcluded(ev.oldPath ?? ev.path);
      const toOut = isExcluded(ev.path);
      if (fromOut && toOut) return;
      if (fromOut) e = { type: 'move-to', path: ev.path, isDirectory: ev.isDirectory };
      else if (toOut) e = { type: 'move-from', path: ev.oldPath ?? ev.path, isDirectory: ev.isDirectory };
    } else if (ev.type !== 'overflow' && isExcluded(ev.path)) {
      return;
    }
    const raws = fanotifyToRaw(e, t, recursive, e.type === 'rename' || e.type === 'move-from' || e.type === 'move-to' ? ++this.cookie : 0);
    for (const r of raws) {
      if (this.closed) return;
      this.opts.onRaw(r);
    }
    if (ev.type === 'delete' && ev.path === t.abs) this.opts.onWatchGone?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.listeners.map((l) => l.close()));
  }
}
