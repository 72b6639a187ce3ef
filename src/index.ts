/**
 * tsnotify: Linux fsnotify rebuilt in TypeScript. The package root is the
 * curated surface for applications:
 *
 * - `watch(root, options)` → a recursive `Watcher` (normalized events,
 *   race-free, overflow recovery, the watch limit degraded to polling);
 * - the inotify user API, with `inotifyInit()` on the host's kernel unless
 *   another `source` is given;
 * - `SystemError` and `isSystemError()`, the one error class.
 *
 * The in-memory filesystem, the core and the front-ends' internals have
 * their own entry points (`tsnotify/vfs`, `tsnotify/core`, `tsnotify/inotify`).
 */
import type { Source } from './core/index.js';
import { defaultHostSource } from './host/index.js';
import { inotifyInit as inotifyInitOn } from './inotify/index.js';
import type { Inotify } from './inotify/index.js';

export { watch, Watcher } from './watcher/index.js';
export type { BatchOptions, Coverage, IgnoreRule, WatchEvent, WatchEventType, WatcherEvents, WatcherFs, WatchOptions } from './watcher/index.js';
export { isSystemError, SystemError } from './errors.js';
export type { ErrnoCode } from './errors.js';
export * from './inotify/index.js';

/** inotifyInit()'s options at the package root: `source` defaults to the host's kernel. */
export interface InotifyInitOptions {
  /** Where paths are resolved: `defaultHostSource()` unless given (e.g. a VfsProcess). */
  source?: Source;
  /** IN_CLOEXEC | IN_NONBLOCK; anything else is EINVAL. */
  flags?: number;
  /** Queue limit; default: the source's fs.inotify.max_queued_events. */
  maxQueuedEvents?: number;
}

/**
 * inotify_init1(): a new inotify instance, on the host's kernel unless
 * `source` says otherwise. Throws EINVAL (flags, maxQueuedEvents), EMFILE
 * (fs.inotify.max_user_instances).
 */
export function inotifyInit(options: InotifyInitOptions = {}): Inotify {
  return inotifyInitOn({ ...options, source: options.source ?? defaultHostSource() });
}
