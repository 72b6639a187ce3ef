/**
 * What a front-end needs from an event source (the in-memory filesystem, the
 * host's kernel, a fallback): resolve a path to a markable object the way the
 * kernel's user_path_at() does for inotify_add_watch / fanotify_mark, check
 * the caller's access, and say who the caller is. Sources implement it;
 * front-ends consume it; neither imports the other.
 */
import type { Limits } from './limits.js';
import type { FsPath } from './object.js';

export interface LookupOptions {
  /** Follow a final symlink (false: IN_DONT_FOLLOW / FAN_MARK_DONT_FOLLOW). */
  follow: boolean;
  /** Require a directory: ENOTDIR otherwise (IN_ONLYDIR / FAN_MARK_ONLYDIR). */
  directory: boolean;
  /** The syscall named in errors (`inotify_add_watch`). */
  syscall: string;
  /**
   * The events the caller is about to ask for on this object, if known: a
   * kernel-backed source may request them in the same call that resolves the
   * path (a hint; the connector's union stays authoritative).
   */
  mask?: number;
  /** Resolve a relative path from this descriptor (AT_FDCWD, -100, by default). */
  dirfd?: number;
}

export interface Source {
  /** `'vfs'`, `'host'`, `'fswatch'`, `'poll'` … */
  readonly kind: string;
  /** The caller's effective uid: whom limits are charged to. */
  readonly uid: number;
  /** The sysctls and per-user counters in force for this source. */
  readonly limits: Limits;
  /**
   * Resolve `path` and check read permission on the target (EACCES), as
   * inotify_add_watch does. Throws a SystemError (ENOENT, ENOTDIR, ELOOP,
   * EACCES, ENAMETOOLONG, …) naming `syscall` and `path`.
   */
  lookup(path: string, opts: LookupOptions): FsPath;
  /**
   * The path an open descriptor refers to, with read permission checked
   * (fanotify_mark with a NULL pathname). EBADF; ENOTDIR with
   * `opts.directory` on a non-directory; EACCES.
   */
  lookupFd?(fd: number, opts: LookupOptions): FsPath;
  /** The caller's process id (fanotify reports it; unprivileged readers see only their own). */
  readonly pid?: number;
  /**
   * fanotify descriptor mode: open a new descriptor on `path` in this
   * process with the open(2) `flags`, marked FMODE_NONOTIFY so its use
   * generates no events (dentry_open in create_fd). Returns the descriptor.
   */
  openEventFile?(path: FsPath, flags: number): number;
  /** Close a descriptor openEventFile returned. */
  closeEventFile?(fd: number): void;
  /** Hold / release a path while a queued event refers to it (path_get / path_put). */
  pathGet?(path: FsPath): void;
  pathPut?(path: FsPath): void;
}
