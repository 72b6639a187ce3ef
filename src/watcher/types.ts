/**
 * The Watcher's public types: the events it delivers, its options, and the
 * coverage report. Kept apart from the implementation so that the package
 * root can re-export them without pulling anything else in.
 */
import type { Source } from '../core/index.js';
import type { WatcherFs } from './fs-adapter.js';

/**
 * What happened to a path:
 * - `create`, `delete`: an entry appeared or disappeared (a move into the
 *   tree is a create, a move out of it a delete; deleting or moving out a
 *   directory takes its subtree with it, and only the directory is named);
 * - `rename`: an entry moved within the tree (`oldPath` → `path`; a
 *   directory's subtree moves along, unnamed);
 * - `modify`: contents written; `write-complete`: a file opened for writing
 *   was closed; `attrib`: metadata changed (mode, owner, times, links, xattrs);
 * - `resync`: the kernel queue overflowed; the events just before it are the
 *   rescan's diff against what the Watcher knew, and the stream is whole
 *   again from here on (`path` is the root);
 * - `overflow`: only from async iteration, when its bounded buffer was full:
 *   events were dropped for this iterator (see Watcher.paths()).
 */
export type WatchEventType = 'create' | 'modify' | 'delete' | 'rename' | 'attrib' | 'write-complete' | 'resync' | 'overflow';

/** One normalized event. Paths are absolute; `oldPath` is set for `rename` only. */
export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
  readonly isDirectory: boolean;
  readonly oldPath?: string;
}

/**
 * An ignore rule: a glob (matched against the path relative to the root,
 * see glob.ts for the syntax) or a predicate on the absolute path. Ignored
 * directories cost no kernel watch and are never listed.
 */
export type IgnoreRule = string | ((path: string, isDirectory: boolean) => boolean);

export interface BatchOptions {
  /** Deliver once no event arrived for this long (ms). */
  settleMs: number;
  /** Deliver at the latest this long (ms) after the first event of a batch; default 10 × settleMs. */
  maxWaitMs?: number;
}

export interface WatchOptions {
  /**
   * The event source: the host's kernel by default (`defaultHostSource()`),
   * or a VfsProcess for an in-memory tree. Another source needs `fs`.
   */
  source?: Source;
  /** How directories are listed and entries stat'ed; derived from `source` by default. */
  fs?: WatcherFs;
  /**
   * 'inotify' (default): one kernel watch per directory. 'fanotify': one
   * fanotify filesystem mark for the whole tree (O(1) setup, no watch
   * limit), filtered to the root in user space; needs CAP_SYS_ADMIN and the
   * host's kernel (EPERM otherwise, rejecting `ready`). The tree is still
   * listed once (a readdir per directory, no watch) so that an overflow can
   * be diffed. No 'raw' events, no followSymlinks.
   */
  mode?: 'inotify' | 'fanotify';
  /**
   * What inotify mode does when the kernel refuses a watch (the watch
   * limit, ENOSPC): 'fanotify' (default) switches the whole Watcher to a
   * fanotify filesystem mark when the process may (root), releasing its
   * inotify watches, and polls otherwise; 'poll' always polls the subtrees
   * left without a watch.
   */
  onLimit?: 'fanotify' | 'poll';
  /** Watch the whole tree (default) or only the root directory's entries. */
  recursive?: boolean;
  /** Paths to leave out, before any watch is spent on them. */
  ignore?: IgnoreRule | readonly IgnoreRule[];
  /**
   * Descend into symbolic links to directories (default false: a link is a
   * leaf). Loop-safe: a directory already watched (same inode) is not
   * entered twice.
   */
  followSymlinks?: boolean;
  /** Group events: on('batch') gets arrays after a quiet period; on('event') and iteration are delayed alike. */
  batch?: BatchOptions;
  /**
   * Fold atomic saves: a file created, written and renamed (over an existing
   * target, or to a new name) within one batch becomes one `modify` (or one
   * `create`) of the target.
   */
  atomic?: boolean;
  /** Per async iterator: events buffered before `overflow` is signalled (default 16384). */
  bufferSize?: number;
  /** Interval (ms) at which subtrees left without watches (watch limit) are polled; default 1000. */
  pollIntervalMs?: number;
  /** The inotify queue size (passed to inotifyInit); default: the source's fs.inotify.max_queued_events. */
  maxQueuedEvents?: number;
  /**
   * Extra IN_* bits every directory watch asks for, for on('raw') listeners
   * (IN_OPEN, IN_ACCESS, …). Normalized events ignore them.
   */
  rawMask?: number;
  /** Closes the Watcher when aborted. */
  signal?: AbortSignal;
  /** Called during the initial scan every 1024 directories with the count so far (for progress displays). */
  onProgress?: (directories: number) => void;
}

/** Which parts of the tree are event-driven and which are polled. */
export interface Coverage {
  /** True when every directory has a kernel watch. */
  complete: boolean;
  /** Directories with a kernel watch. */
  watchedDirs: number;
  /** Directories without one, polled every `pollIntervalMs`. */
  polledDirs: number;
  /** Roots of the event-driven subtrees (the root when it has a watch), polled subtrees excepted. */
  eventDriven: string[];
  /** Roots of the polled subtrees (everything below each is polled). */
  polled: string[];
  /** Directories that could be neither watched nor listed (EACCES), with their contents unknown. */
  unreadable: string[];
  pollIntervalMs: number;
  /**
   * Roots of the subtrees covered by a fanotify filesystem mark (fanotify
   * mode, or after the switch at the watch limit); empty in inotify mode.
   */
  fanotify: string[];
}
