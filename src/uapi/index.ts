/**
 * The Linux x86-64 user-space ABI that several rooms share: open(2) and *at(2)
 * flags, the inotify and fanotify constants and record layouts. The bottom
 * room: it imports nothing, and the VFS, the host layer and the front-ends
 * all take their numbers from here, so each value is written once.
 */
export * from './fcntl.js';
export * from './inotify.js';
export * from './fanotify.js';
