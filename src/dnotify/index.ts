/**
 * tsnotify dnotify — directory notification (fcntl F_NOTIFY) with the DN_*
 * bits and DN_MULTISHOT, delivered to a callback in place of a signal.
 */
export { DN_ACCESS, DN_ALL, DN_ATTRIB, DN_CREATE, DN_DELETE, DN_MODIFY, DN_MULTISHOT, DN_RENAME, DN_SI_BAND, dnotifyArgToMask, F_NOTIFY, F_SETSIG } from './constants.js';
export { Dnotify, dnotify } from './user.js';
export type { DnotifyCallback, DnotifyTask } from './user.js';
export type { DnotifySignal } from './ops.js';
