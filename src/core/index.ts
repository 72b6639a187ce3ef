/**
 * tsnotify core — the fsnotify backend. No Node I/O, no FFI.
 * Sources call `hooks`; front-ends build groups with an ops table.
 */
export * from './mask.js';
export * from './object.js';
export * from './connector.js';
export * from './mark.js';
export * from './notification.js';
export * from './group.js';
export * from './limits.js';
export * from './dispatch.js';
export * from './hooks.js';
export * from './task.js';
export type * from './source.js';
