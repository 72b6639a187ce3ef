/**
 * Host sources: the real filesystem as an event source for the core.
 * Importing this module loads no native code; the FFI library is loaded on
 * the first kernel call.
 */
export type { HostSource, HostSourceStats } from './source.js';
export { HostInode, HostSuperBlock, HostMount, HostDentry } from './source.js';
export { createHostSource, defaultHostSource } from './registry.js';
export type { HostSourceKind, HostSourceOptions } from './registry.js';
export { LinuxInotifySource } from './linux/inotify-source.js';
/**
 * The kernel's fanotify with the fanotify front-end's API (FanotifyApi):
 * `hostFanotifyInit(opts)` makes one kernel fanotify group for real paths;
 * the package root's `fanotifyInit` will pick it or the in-memory one by
 * source. See host/linux/fanotify-group.ts for reading, permission answers
 * off the main thread, descriptors the caller closes, and handle → path.
 */
export { hostFanotifyInit, HostFanotify } from './linux/fanotify-group.js';
export type { HostFanotifyInitOptions, PermissionPolicy, PermissionPolicyRule } from './linux/fanotify-group.js';
/** One filesystem mark → path events for a whole tree (O(1) setup; root only). */
export { createFsListener } from './linux/fs-listener.js';
export type { FsEvent, FsEventType, FsListener, FsListenerOptions, FsListenerStats } from './linux/fs-listener.js';
export type { HandleCacheStats } from './linux/handle-cache.js';
export { UnsupportedSource } from './unsupported.js';
export { FsWatchSource, FSWATCH_LIMITATIONS } from './fswatch/fswatch-source.js';
export type { FsWatchSourceOptions } from './fswatch/fswatch-source.js';
export { PollSource, POLL_LIMITATIONS, DEFAULT_POLL_INTERVAL_MS } from './poll/poll-source.js';
export type { PollSourceOptions } from './poll/poll-source.js';
export { SNAPSHOT_LIMITATIONS } from './snapshot-source.js';
