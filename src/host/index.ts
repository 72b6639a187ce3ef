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
export { UnsupportedSource } from './unsupported.js';
export { FsWatchSource, FSWATCH_LIMITATIONS } from './fswatch/fswatch-source.js';
export type { FsWatchSourceOptions } from './fswatch/fswatch-source.js';
export { PollSource, POLL_LIMITATIONS, DEFAULT_POLL_INTERVAL_MS } from './poll/poll-source.js';
export type { PollSourceOptions } from './poll/poll-source.js';
export { SNAPSHOT_LIMITATIONS } from './snapshot-source.js';
