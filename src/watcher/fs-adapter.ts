/**
 * How the Watcher sees the filesystem it watches: directory listings with
 * entry kinds, lstat/stat of one path, and the clock the filesystem stamps
 * times with. One adapter on node:fs for the host, one on a VfsProcess's
 * syscalls for the in-memory filesystem.
 *
 * Cost model (what startup pays): one `list` per directory, which on Linux
 * is open + getdents64 + close through the FFI (host/linux/dirents.ts: one
 * reused buffer, names repeated across directories shared), elsewhere one
 * `readdirSync(dir, { withFileTypes: true })`; d_type, no stat per entry. `lstat` is used only where a listing cannot answer:
 * overflow rescans of files, polled subtrees, followed symlinks.
 */
import { lstatSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import type { Source } from '../core/index.js';
import { isSystemError, sysError } from '../errors.js';
import { DT_DIR as HOST_DT_DIR, DT_LNK as HOST_DT_LNK, DT_REG as HOST_DT_REG, listDirectory } from '../host/linux/dirents.js';
import { linuxSyscalls } from '../host/linux/ffi.js';
import type { VfsProcess } from '../vfs/index.js';
import { DT_DIR, DT_LNK, DT_REG, O_DIRECTORY, O_RDONLY } from '../vfs/constants.js';

/** Entry kinds as the Watcher keeps them (one small integer per leaf). */
export const KIND_FILE = 0;
export const KIND_DIR = 1;
export const KIND_SYMLINK = 2;
export const KIND_OTHER = 3;
export type EntryKind = typeof KIND_FILE | typeof KIND_DIR | typeof KIND_SYMLINK | typeof KIND_OTHER;

/** What the Watcher needs of a stat. Times in ms on the filesystem's clock. */
export interface EntryStat {
  readonly dev: number;
  readonly ino: number;
  readonly kind: EntryKind;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

export interface WatcherFs {
  /**
   * Call `entry` for each entry of directory `path` (no `.`/`..`). Throws an
   * error with a `code` (ENOENT, ENOTDIR, EACCES, …) when it cannot be read.
   */
  list(path: string, entry: (name: string, kind: EntryKind) => void): void;
  /** The entry itself (no symlink followed); null when it does not exist. */
  lstat(path: string): EntryStat | null;
  /** What the path resolves to; null when it does not exist or dangles. */
  stat(path: string): EntryStat | null;
  /** Now, in ms, on the clock file times are stamped with. */
  now(): number;
  /**
   * How far (ms) a file time may trail the real moment of its change as
   * `now()` measures it: 0 for an exact clock, more for coarse timestamps.
   */
  readonly clockSlackMs: number;
  /** The watch limit in force now (fs.inotify.max_user_watches), if it can be read: a change lets refused watches be retried at once. */
  watchLimit?(): number;
}

/** The `code` of a Node or tsnotify error, if any. */
export function errorCode(e: unknown): string | undefined {
  if (isSystemError(e)) return e.code;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

// ---------------------------------------------------------------- host (node:fs)

function hostStat(st: Stats): EntryStat {
  const kind = st.isDirectory() ? KIND_DIR : st.isFile() ? KIND_FILE : st.isSymbolicLink() ? KIND_SYMLINK : KIND_OTHER;
  return { dev: st.dev, ino: st.ino, kind, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/** Can directories be listed through getdents64 here (Linux, the FFI library loads)? Decided once. */
let direntsUsable: boolean | undefined;
function canListDirents(): boolean {
  if (direntsUsable === undefined) {
    try {
      direntsUsable = process.platform === 'linux' && linuxSyscalls() !== undefined;
    } catch {
      direntsUsable = false;
    }
  }
  return direntsUsable;
}

function hostDtKind(type: number): EntryKind {
  return type === HOST_DT_DIR ? KIND_DIR : type === HOST_DT_REG ? KIND_FILE : type === HOST_DT_LNK ? KIND_SYMLINK : KIND_OTHER;
}

/** The real filesystem: getdents64 through the FFI on Linux, node:fs for the rest. */
export const hostFs: WatcherFs = {
  list(path, entry) {
    if (canListDirents()) {
      listDirectory(path, (name, type) => entry(name, hostDtKind(type)));
      return;
    }
    for (const d of readdirSync(path, { withFileTypes: true })) {
      entry(d.name, d.isDirectory() ? KIND_DIR : d.isFile() ? KIND_FILE : d.isSymbolicLink() ? KIND_SYMLINK : KIND_OTHER);
    }
  },
  lstat(path) {
    const st = lstatSync(path, { throwIfNoEntry: false });
    return st === undefined ? null : hostStat(st);
  },
  stat(path) {
    try {
      const st = statSync(path, { throwIfNoEntry: false });
      return st === undefined ? null : hostStat(st);
    } catch (e) {
      if (errorCode(e) === 'ELOOP' || errorCode(e) === 'ENOTDIR') return null;
      throw e;
    }
  },
  now: () => Date.now(),
  // Kernel file times come from a coarse clock (a jiffy, ≤ 10 ms, behind the
  // real time), and the reader thread may lag when starved of CPU: a margin.
  clockSlackMs: 1000,
  watchLimit() {
    try {
      return Number(readFileSync('/proc/sys/fs/inotify/max_user_watches', 'latin1'));
    } catch {
      return NaN;
    }
  },
};

// ---------------------------------------------------------------- in-memory filesystem

function dtKind(type: number): EntryKind {
  return type === DT_DIR ? KIND_DIR : type === DT_REG ? KIND_FILE : type === DT_LNK ? KIND_SYMLINK : KIND_OTHER;
}

const NS_PER_MS = 1e6;

/** A VfsProcess's syscalls: getdents for listings (d_type included), lstat/stat, the machine's clock. */
export function vfsFs(p: VfsProcess): WatcherFs {
  const toStat = (st: ReturnType<VfsProcess['lstat']>): EntryStat => ({
    dev: st.dev,
    ino: st.ino,
    kind: st.isDirectory() ? KIND_DIR : st.isFile() ? KIND_FILE : st.isSymbolicLink() ? KIND_SYMLINK : KIND_OTHER,
    size: st.size,
    mtimeMs: Number(st.mtimeNs) / NS_PER_MS,
    ctimeMs: Number(st.ctimeNs) / NS_PER_MS,
  });
  const missing = (e: unknown): boolean => {
    const code = errorCode(e);
    return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
  };
  return {
    list(path, entry) {
      const fd = p.open(path, O_RDONLY | O_DIRECTORY);
      try {
        for (let batch = p.getdents(fd); batch.length > 0; batch = p.getdents(fd)) {
          for (const e of batch) if (e.name !== '.' && e.name !== '..') entry(e.name, dtKind(e.type));
        }
      } finally {
        p.close(fd);
      }
    },
    lstat(path) {
      try {
        return toStat(p.lstat(path));
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },
    stat(path) {
      try {
        return toStat(p.stat(path));
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },
    now: () => Number(p.machine.now()) / NS_PER_MS,
    clockSlackMs: 0,
    watchLimit: () => p.limits.get('fs.inotify.max_user_watches'),
  };
}

/**
 * The adapter for a source: the VFS's own syscalls for a VfsProcess, node:fs
 * for the host's sources. Throws EINVAL for a source it does not know.
 */
export function fsForSource(source: Source): WatcherFs {
  if (source.kind === 'vfs') return vfsFs(source as VfsProcess);
  if (source.kind === 'host' || source.kind === 'fswatch' || source.kind === 'poll') return hostFs;
  throw sysError('EINVAL', 'watch', undefined, `no filesystem adapter for a '${source.kind}' source: pass options.fs`);
}
