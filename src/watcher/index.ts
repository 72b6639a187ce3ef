/**
 * The recursive Watcher: race-free new directories, overflow recovery by
 * rescan and diff, the watch limit degraded to polling, ignore globs,
 * rename pairing, batching, atomic-save folding, async iteration.
 */
export { watch, Watcher } from './watcher.js';
export type { WatcherEvents } from './watcher.js';
export type { BatchOptions, Coverage, IgnoreRule, WatchEvent, WatchEventType, WatchOptions } from './types.js';
export { hostFs, vfsFs, KIND_DIR, KIND_FILE, KIND_OTHER, KIND_SYMLINK } from './fs-adapter.js';
export type { EntryKind, EntryStat, WatcherFs } from './fs-adapter.js';
export { compileGlob, IgnoreMatcher } from './glob.js';
