/**
 * The watches of one `tsnotify wait` / `tsnotify watch` run, shared by both
 * commands: a recursive Watcher per directory given with -r (so a new
 * directory's contents are never missed: they arrive as CREATE events), and
 * one plain inotify instance for everything else. Events come out as
 * inotify-tools prints them: the watched path as the user named it (a
 * directory with a trailing `/`), the entry's name, the mask, the cookie.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSystemError } from '../errors.js';
import { defaultHostSource } from '../host/index.js';
import { IN_DONT_FOLLOW, IN_IGNORED, inotifyInit, type Inotify } from '../inotify/index.js';
import { watch, type Coverage, type WatchEvent, type Watcher } from '../watcher/index.js';

export interface RawEvent {
  /** The watched path as named by the user, a directory with a trailing `/`. */
  w: string;
  f: string;
  mask: number;
  cookie: number;
}

export interface SessionOptions {
  /** The paths as given on the command line (or in --fromfile). */
  paths: readonly string[];
  /** Paths given as `@path`: not watched, nor anything below them. */
  exclusions: readonly string[];
  recursive: boolean;
  /** The events asked for: the plain watches' mask, and the Watchers' raw mask. */
  mask: number;
  /** -P: do not follow a symbolic link given as a path. */
  noDereference: boolean;
  /** The Watchers' mode (--watcher --fanotify: 'fanotify'); default inotify. */
  mode?: 'inotify' | 'fanotify' | undefined;
  /** --exclude: directories whose display path matches are not watched either. */
  excludeDirectory?: ((display: string) => boolean) | undefined;
  onRaw(e: RawEvent): void;
  /** --watcher: the normalized events of the recursive Watchers instead. */
  onWatcherEvent?: ((e: WatchEvent, display: (abs: string) => string) => void) | undefined;
  /** A plain watch went away (IN_IGNORED): the path was deleted or unmounted. */
  onWatchGone?: (() => void) | undefined;
  onError(e: Error): void;
  /** Directories set up so far, during the initial scans. */
  onProgress?: ((directories: number) => void) | undefined;
}

/** Watching one of the paths failed; `reason` is what the watch failed with. */
export class SetupError extends Error {
  constructor(
    readonly path: string,
    readonly reason: unknown,
  ) {
    super(`cannot watch ${path}`);
  }
}

interface Root {
  abs: string;
  /** The given path without trailing slashes ('' for '/'). */
  base: string;
}

/** The display form of `dir` (absolute, inside `root`) as a watched directory: with a trailing slash. */
function displayDir(root: Root, dir: string): string {
  if (dir === root.abs) return root.base + '/';
  return root.base + (root.abs === '/' ? dir : dir.slice(root.abs.length)) + '/';
}

function displayPath(root: Root, abs: string): string {
  if (abs === root.abs) return root.base === '' ? '/' : root.base;
  return root.base + (root.abs === '/' ? abs : abs.slice(root.abs.length));
}

/**
 * A session's `open`: run its setUp; on failure close what was set up and
 * rethrow, so a half-open session never leaks watches or listeners.
 */
export async function setUpOrClose<S extends { close(): Promise<void> }>(session: S, setUp: () => Promise<void>): Promise<S> {
  try {
    await setUp();
  } catch (e) {
    await session.close();
    throw e;
  }
  return session;
}

export class WatchSession {
  readonly watchers: Watcher[] = [];
  private plain: Inotify | null = null;
  private readonly plainNames = new Map<number, string>();
  private closed = false;

  private constructor(private readonly opts: SessionOptions) {}

  /** Set up every watch; rejects with a SetupError naming the first path that failed. */
  static async open(opts: SessionOptions): Promise<WatchSession> {
    const s = new WatchSession(opts);
    return setUpOrClose(s, () => s.setUp());
  }

  private async setUp(): Promise<void> {
    const o = this.opts;
    const excluded = new Set(o.exclusions.map((p) => resolve(p)));
    let scanned = 0;
    for (const given of o.paths) {
      const abs = resolve(given);
      if (excluded.has(abs)) continue;
      let isDir = false;
      try {
        isDir = statSync(abs).isDirectory();
      } catch (e) {
        throw new SetupError(given, e);
      }
      if (isDir && (o.recursive || o.onWatcherEvent !== undefined)) {
        await this.addWatcher(given, abs, excluded, (n) => o.onProgress?.(scanned + n), (n) => (scanned += n));
      } else {
        this.addPlain(given, abs, isDir);
      }
    }
  }

  private async addWatcher(given: string, abs: string, excluded: Set<string>, progress: (n: number) => void, done: (n: number) => void): Promise<void> {
    const o = this.opts;
    const root: Root = { abs, base: given.replace(/\/+$/, '') };
    let last = 0;
    let w: Watcher;
    try {
      w = watch(abs, {
        ...(o.mode !== undefined ? { mode: o.mode } : {}),
        recursive: o.recursive,
        rawMask: o.onWatcherEvent !== undefined ? 0 : o.mask,
        ignore: (path, isDir) =>
          excluded.has(path) || (isDir && o.excludeDirectory !== undefined && o.excludeDirectory(displayDir(root, path))),
        onProgress: (n) => {
          last = n;
          progress(n);
        },
      });
    } catch (e) {
      // Bad options or a mode that cannot run here (e.g. fanotify without CAP_SYS_ADMIN): thrown before any watch.
      throw new SetupError(given, e);
    }
    this.watchers.push(w);
    // Until ready settles, errors wait: the one ready rejects with is reported once, as the SetupError.
    let early: Error[] | null = [];
    w.on('error', (e) => (early !== null ? early.push(e) : o.onError(e)));
    if (o.onWatcherEvent !== undefined) {
      const show = (p: string): string => displayPath(root, p);
      const onEvent = o.onWatcherEvent;
      w.on('event', (e) => onEvent(e, show));
    } else {
      w.on('raw', (e, dir) => {
        // IN_IGNORED of the directories below is the Watcher's business.
        if (e.mask & IN_IGNORED) return;
        o.onRaw({ w: dir === '' ? '' : displayDir(root, dir), f: e.name, mask: e.mask, cookie: e.cookie });
      });
    }
    try {
      await w.ready;
    } catch (e) {
      for (const x of early) if (x !== e && x.message !== (e as Error | null)?.message) o.onError(x);
      early = null;
      throw new SetupError(given, e);
    }
    for (const x of early) o.onError(x);
    early = null;
    done(last);
  }

  private addPlain(given: string, abs: string, isDir: boolean): void {
    const o = this.opts;
    if (this.plain === null) {
      this.plain = inotifyInit({ source: defaultHostSource() });
      void this.readPlain(this.plain);
    }
    let wd: number;
    try {
      wd = this.plain.addWatch(abs, (o.mask | (o.noDereference ? IN_DONT_FOLLOW : 0)) >>> 0);
    } catch (e) {
      throw new SetupError(given, e);
    }
    this.plainNames.set(wd, isDir && !given.endsWith('/') ? given + '/' : given);
  }

  private async readPlain(ino: Inotify): Promise<void> {
    const o = this.opts;
    for (;;) {
      let events;
      try {
        events = await ino.readAsync();
      } catch (e) {
        if (!this.closed && !isSystemError(e, 'EBADF')) o.onError(e as Error);
        return;
      }
      if (this.closed || events.length === 0) return;
      for (const e of events) {
        if (this.closed) return;
        if (e.mask & IN_IGNORED) {
          this.plainNames.delete(e.wd);
          o.onWatchGone?.();
          continue;
        }
        o.onRaw({ w: this.plainNames.get(e.wd) ?? '', f: e.name, mask: e.mask, cookie: e.cookie });
      }
    }
  }

  /** Directories watched or polled by the Watchers, and the plain watches, as displayed. */
  watchedNames(): string[] {
    const out = [...this.plainNames.values()];
    for (const w of this.watchers) {
      const root: Root = { abs: w.root, base: this.baseOf(w) };
      for (const d of w.directories()) out.push(displayDir(root, d));
    }
    return out;
  }

  private baseOf(w: Watcher): string {
    const given = this.opts.paths.find((p) => resolve(p) === w.root) ?? w.root;
    return given.replace(/\/+$/, '');
  }

  /** Coverage of every Watcher, merged. */
  coverage(): Coverage | null {
    if (this.watchers.length === 0) return null;
    const all = this.watchers.map((w) => w.coverage());
    return {
      complete: all.every((c) => c.complete),
      watchedDirs: all.reduce((n, c) => n + c.watchedDirs, 0),
      polledDirs: all.reduce((n, c) => n + c.polledDirs, 0),
      eventDriven: all.flatMap((c) => c.eventDriven),
      polled: all.flatMap((c) => c.polled),
      unreadable: all.flatMap((c) => c.unreadable),
      pollIntervalMs: all[0]!.pollIntervalMs,
      fanotify: all.flatMap((c) => c.fanotify),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.watchers) await w.close();
    if (this.plain !== null && !this.plain.closed) this.plain.close();
  }
}
