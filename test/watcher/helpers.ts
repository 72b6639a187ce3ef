/**
 * Helpers for the Watcher tests: an in-memory tree with a Watcher on it
 * (deterministic: operations queue their events before they return and
 * `flush()` handles them), event collection, and bounded waits for the host.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WatchEvent, WatchOptions, Watcher } from '../../src/index.js';
import { fdinfoTexts } from '../host/helpers.js';
import { watch } from '../../src/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { createVfs, O_CREAT, O_TRUNC, O_WRONLY } from '../../src/vfs/index.js';

export const DEADLINE_MS = 10_000;

/** Write `data` to `path` (created if missing) and close it: CREATE?, MODIFY, CLOSE_WRITE. */
export function writeFile(vfs: VfsProcess, path: string, data = 'x', truncate = false): void {
  const fd = vfs.open(path, O_CREAT | O_WRONLY | (truncate ? O_TRUNC : 0));
  if (data !== '') vfs.write(fd, data);
  vfs.close(fd);
}

/** Create the directories and files named (a trailing `/` marks a directory), relative to `root`. */
export function makeTree(vfs: VfsProcess, root: string, entries: readonly string[]): void {
  for (const e of entries) {
    if (e.endsWith('/')) vfs.mkdir(root + '/' + e.slice(0, -1));
    else writeFile(vfs, root + '/' + e);
  }
}

/** Everything below `root` on the vfs, as absolute paths, sorted. */
export function vfsTree(vfs: VfsProcess, root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of vfs.readdir(dir)) {
      const p = dir + '/' + name;
      out.push(p);
      if (vfs.lstat(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

export interface VfsWatch {
  vfs: VfsProcess;
  w: Watcher;
  events: WatchEvent[];
  /** Handle what is queued; return the events delivered since the last take(). */
  take(): WatchEvent[];
  /** take() as `type path` (and `<- oldPath` for renames) lines, paths relative to the root. */
  lines(): string[];
}

/** A vfs with `root` populated by `entries`, watched once ready. */
export async function vfsWatch(entries: readonly string[] = [], options: WatchOptions = {}, root = '/w'): Promise<VfsWatch> {
  const vfs = createVfs();
  vfs.mkdir(root);
  makeTree(vfs, root, entries);
  const w = watch(root, { source: vfs, ...options });
  const events: WatchEvent[] = [];
  w.on('event', (e) => events.push(e));
  await w.ready;
  let seen = 0;
  const take = (): WatchEvent[] => {
    w.flush();
    const out = events.slice(seen);
    seen = events.length;
    return out;
  };
  return { vfs, w, events, take, lines: () => take().map((e) => line(e, root)) };
}

/** `create d/f`, `rename b <- a`, `create/ d` for a directory. */
export function line(e: WatchEvent, root: string): string {
  const rel = (p: string): string => (p === root ? '.' : p.startsWith(root + '/') ? p.slice(root.length + 1) : p);
  const type = e.type + (e.isDirectory ? '/' : '');
  return e.oldPath === undefined ? `${type} ${rel(e.path)}` : `${type} ${rel(e.path)} <- ${rel(e.oldPath)}`;
}

/** Resolve once `condition()` holds, checking every few ms; reject after `ms`. */
export async function waitFor(condition: () => boolean, what: string, ms = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
}

/** A fresh directory under the system's temp directory (host tests). */
export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'tsnotify-watcher-'));
}

export function diskTree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      out.push(p);
      if (lstatSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

/** Inotify watches held by every process now (as root /proc shows them all). */
export function watchesInUse(): number {
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    for (const info of fdinfoTexts(Number(pid))) n += info.split('inotify wd:').length - 1;
  }
  return n;
}

/**
 * Set a sysctl (as root) and return what puts its old value back: call it in
 * a `finally`; calling it twice is harmless. Tests that lower global limits
 * run one file at a time in CI (other processes on the machine feel them).
 */
export function setSysctl(path: string, value: number | string): () => void {
  const saved = readFileSync(path, 'latin1').trim();
  writeFileSync(path, String(value));
  return () => writeFileSync(path, saved);
}

/** Lower fs.inotify.max_user_watches to leave `free` more watches than are in use now. */
export function limitWatches(free: number): () => void {
  return setSysctl('/proc/sys/fs/inotify/max_user_watches', watchesInUse() + free);
}
