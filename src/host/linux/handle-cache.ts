/**
 * File handle → path, for fanotify's FID, DFID and DFID_NAME records
 * (open_by_handle_at(2), name_to_handle_at(2); SEMANTICS F10, F11).
 *
 * A miss costs three system calls: open_by_handle_at(mount fd, handle,
 * O_PATH), readlink("/proc/self/fd/N") — the kernel's own d_path, so a
 * directory always resolves to its current, connected path — and close.
 * The answer is cached under (fsid, handle type, handle bytes).
 *
 * STAYING CORRECT ACROSS RENAMES. A cached path is a claim that can go stale
 * the moment anything above it is renamed. Three things keep it honest:
 * 1. the owner reports what its events say happened: `moved(old, new)` (a
 *    FAN_RENAME or MOVED_FROM/TO pair) rewrites every cached path at or under
 *    `old`; `removed(path)` (FAN_DELETE, DELETE_SELF) forgets them;
 * 2. nothing cached is trusted unverified: a hit is checked with
 *    name_to_handle_at(path) (no open, no event), and a path that no longer
 *    names the same handle is resolved afresh. A verified entry is trusted
 *    until a `moved`/`removed` call rewrites or removes it, or `newBatch` is
 *    called, so a burst of events in one directory costs one check;
 * 3. an object that is gone (verification fails and open_by_handle_at says
 *    ESTALE) keeps its last verified path, marked gone: events read after
 *    the object died (the children deleted by `rm -r`, then the directory)
 *    still get the path they happened at. Handles are never reused for
 *    another object (they carry the inode generation), so a gone entry
 *    cannot name anything else.
 *
 * Size is bounded (least recently used entries go first). A directory
 * rename costs the entries it moves plus one look per directory that holds
 * cached entries; everything else is O(1) plus the system calls.
 *
 * Matching: handle type and bytes only. Two filesystems whose handles are
 * byte-identical (inode and random generation equal) would be confused; the
 * fsid in the key keeps records of different filesystems apart, only a path
 * that crossed into another filesystem since it was cached could fool the
 * check.
 */
import { isSystemError, sysError } from '../../errors.js';
import { O_CLOEXEC, O_PATH } from './constants.js';
import type { LinuxSyscalls } from './ffi.js';

/** How open_by_handle_at reaches a filesystem: a descriptor on it (not O_PATH: the kernel refuses those). */
export type MountFdFor = (fsid: readonly [number, number]) => number | null;

export interface HandleCacheStats {
  entries: number;
  hits: number;
  misses: number;
  /** Cached paths that failed name_to_handle_at verification. */
  stale: number;
}

interface Entry {
  path: string;
  handleType: number;
  handle: Buffer;
  /** The object no longer exists: its last path is kept for late events. */
  gone: boolean;
}

const DEFAULT_MAX_ENTRIES = 65536;

/** The cache key of a handle on a filesystem. */
function keyOf(fsid: readonly [number, number], handleType: number, handle: Uint8Array): string {
  return `${fsid[0].toString(16)}.${fsid[1].toString(16)}:${handleType.toString(16)}:${Buffer.from(handle.buffer, handle.byteOffset, handle.byteLength).toString('hex')}`;
}

export class HandleCache {
  private readonly entries = new Map<string, Entry>();
  /** Live entries by path, and their keys by parent directory (what a directory rename visits). */
  private readonly byPath = new Map<string, string>();
  private readonly children = new Map<string, Set<string>>();
  private verified = new Set<string>();
  private readonly counters = { hits: 0, misses: 0, stale: 0 };
  private readonly maxEntries: number;

  constructor(
    private readonly sys: LinuxSyscalls,
    private readonly mountFdFor: MountFdFor,
    opts: { maxEntries?: number } = {},
  ) {
    this.maxEntries = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  stats(): HandleCacheStats {
    return { entries: this.entries.size, ...this.counters };
  }

  /**
   * The current absolute path of the object a handle designates (with
   * " (deleted)" for an unlinked object still open somewhere), or its last
   * known path when it is gone. Throws ESTALE (gone, never seen), ENODEV (no
   * descriptor on its filesystem), EPERM (open_by_handle_at needs
   * CAP_DAC_READ_SEARCH), EINVAL (bad handle).
   */
  resolve(fsid: readonly [number, number], handleType: number, handle: Uint8Array): string {
    const key = keyOf(fsid, handleType, handle);
    const cached = this.entries.get(key);
    if (cached) {
      if (cached.gone || this.verified.has(key) || this.stillNames(cached)) {
        this.counters.hits++;
        this.verified.add(key);
        this.touch(key, cached);
        return cached.path;
      }
      this.counters.stale++;
    }
    this.counters.misses++;
    const mountFd = this.mountFdFor(fsid);
    if (mountFd === null) {
      if (cached) return this.bury(key, cached);
      throw sysError('ENODEV', 'open_by_handle_at', undefined, `no descriptor on filesystem ${fsid[0].toString(16)}.${fsid[1].toString(16)} to resolve handles with`);
    }
    let fd: number;
    try {
      fd = this.sys.openByHandleAt(mountFd, { handleType, handle: Buffer.from(handle) }, O_PATH | O_CLOEXEC);
    } catch (e) {
      if (cached && isSystemError(e, 'ESTALE')) return this.bury(key, cached);
      throw e;
    }
    let path: string;
    try {
      path = this.sys.readlink(`/proc/self/fd/${fd}`);
    } finally {
      this.sys.close(fd);
    }
    if (path.endsWith(' (deleted)')) {
      if (cached) this.bury(key, cached);
      return path;
    }
    this.store(key, { path, handleType, handle: Buffer.from(handle), gone: false });
    this.verified.add(key);
    return path;
  }

  /** Record a path known from an event (e.g. the FID of a created entry), unverified. */
  remember(fsid: readonly [number, number], handleType: number, handle: Uint8Array, path: string): void {
    const key = keyOf(fsid, handleType, handle);
    this.store(key, { path, handleType, handle: Buffer.from(handle), gone: false });
  }

  /**
   * `oldPath` was renamed to `newPath`: rewrite the cached path at it and, for
   * a directory, every cached path under it. The cost is the entries moved
   * plus one look at each directory holding cached entries (not one at every
   * entry), so a burst of renames stays linear. Only the rewritten entries
   * lose their verification: a rename changes no other path.
   */
  moved(oldPath: string, newPath: string, isDirectory = true): void {
    const exact = this.byPath.get(oldPath);
    if (exact !== undefined) this.rewrite(exact, newPath);
    if (!isDirectory) return;
    const prefix = oldPath + '/';
    const dirs: string[] = [];
    for (const dir of this.children.keys()) if (dir === oldPath || dir.startsWith(prefix)) dirs.push(dir);
    for (const dir of dirs) {
      const keys = this.children.get(dir);
      if (keys === undefined) continue;
      for (const key of [...keys]) {
        const e = this.entries.get(key);
        if (e !== undefined) this.rewrite(key, newPath + e.path.slice(oldPath.length));
      }
    }
  }

  /**
   * The entry `path` was deleted. A directory has no other name, so its
   * entry is marked gone at once (its last path stays for late events); a
   * file may have another link, which the next check of its entry finds.
   */
  removed(path: string, isDirectory: boolean): void {
    const key = this.byPath.get(path);
    if (key === undefined) return;
    this.verified.delete(key);
    const e = this.entries.get(key);
    if (isDirectory && e !== undefined) this.bury(key, e);
  }

  /** The cached path of a handle without any check or system call (for bookkeeping), or null. */
  peek(fsid: readonly [number, number], handleType: number, handle: Uint8Array): string | null {
    const e = this.entries.get(keyOf(fsid, handleType, handle));
    return e && !e.gone ? e.path : null;
  }

  /** Start of a new batch of events: verified paths must be checked again. */
  newBatch(): void {
    if (this.verified.size > 0) this.verified = new Set();
  }

  clear(): void {
    this.entries.clear();
    this.byPath.clear();
    this.children.clear();
    this.verified = new Set();
  }

  /** Does the cached path still name the same object? name_to_handle_at does not open it. */
  private stillNames(e: Entry): boolean {
    try {
      const now = this.sys.nameToHandleAt(-100, e.path, 0);
      return now.handleType === e.handleType && now.handle.equals(e.handle);
    } catch {
      return false;
    }
  }

  /** The object is gone: keep its last path for late events. */
  private bury(key: string, e: Entry): string {
    e.gone = true;
    this.unlink(key, e);
    return e.path;
  }

  /** A live entry now lives at `path`: reindex it, and check it again before trusting it. */
  private rewrite(key: string, path: string): void {
    const e = this.entries.get(key);
    if (e === undefined || e.gone) return;
    this.unlink(key, e);
    e.path = path;
    this.link(key, e);
    this.verified.delete(key);
  }

  private touch(key: string, e: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, e);
  }

  private store(key: string, e: Entry): void {
    const old = this.entries.get(key);
    if (old) this.unlink(key, old);
    this.entries.delete(key);
    this.entries.set(key, e);
    this.link(key, e);
    while (this.entries.size > this.maxEntries) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      this.verified.delete(oldestKey);
      this.unlink(oldestKey, oldest);
    }
  }

  /** Index a live entry by its path and its parent directory. */
  private link(key: string, e: Entry): void {
    this.byPath.set(e.path, key);
    const dir = parentOf(e.path);
    let keys = this.children.get(dir);
    if (keys === undefined) this.children.set(dir, (keys = new Set()));
    keys.add(key);
  }

  /** Drop an entry from the path indexes (another entry may own its path by now). */
  private unlink(key: string, e: Entry): void {
    if (this.byPath.get(e.path) === key) this.byPath.delete(e.path);
    const dir = parentOf(e.path);
    const keys = this.children.get(dir);
    if (keys !== undefined && keys.delete(key) && keys.size === 0) this.children.delete(dir);
  }
}

/** The directory part of an absolute path ("/" for a top-level entry). */
function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? '/' : path.slice(0, slash);
}
