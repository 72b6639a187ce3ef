/**
 * Linux x86-64 ABI constants of the host layer: the open(2), *at(2),
 * inotify and fanotify tables come from uapi/ (one table for every room,
 * re-exported here); poll(2) and eventfd(2), which only the host calls, are
 * defined here. Plain numbers; the 64-bit fanotify mask is passed as a
 * number (all 6.18 bits sit in the low 32) or a bigint.
 *
 * The values are what the *kernel* takes and returns. The core's own bit
 * table (core/mask.ts) shares most event bits with them, but the host layer
 * does not import the core's constants for them: it is usable on its own.
 */

export * from '../../uapi/index.js';

// ---------------------------------------------------------------- poll(2), eventfd(2)

export const POLLIN = 0x001;
export const POLLPRI = 0x002;
export const POLLOUT = 0x004;
export const POLLERR = 0x008;
export const POLLHUP = 0x010;
export const POLLNVAL = 0x020;

export const EFD_SEMAPHORE = 0o1;
export const EFD_NONBLOCK = 0o4000;
export const EFD_CLOEXEC = 0o2000000;
