/**
 * tsnotify inotify — the inotify user API over any Source, the kernel's
 * exact read(2) records, and the 2006 in-kernel callback API. The public
 * surface is listed by name; everything else in this folder is private.
 */
export {
  ALL_INOTIFY_BITS,
  FIONREAD,
  IN_ACCESS,
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CLOEXEC,
  IN_CLOSE,
  IN_CLOSE_NOWRITE,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_DONT_FOLLOW,
  IN_EXCL_UNLINK,
  IN_IGNORED,
  IN_ISDIR,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_MODIFY,
  IN_MOVE,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_NONBLOCK,
  IN_ONESHOT,
  IN_ONLYDIR,
  IN_OPEN,
  IN_Q_OVERFLOW,
  IN_UNMOUNT,
  INOTIFY_ALIASES,
  INOTIFY_BIT_NAMES,
  INOTIFY_EVENT_HEADER_SIZE,
  INOTIFY_IOC_SETNEXTWD,
  INOTIFY_REPORTED_BITS,
  inotifyMaskToNames,
  namesToInotifyMask,
} from './constants.js';
export { decodeEvents, encodeEvents, formatInotifyEvent, Inotify, inotifyEventSize, inotifyInit } from './user.js';
export type { InotifyEvent, InotifyInitOptions, InotifyWatchInfo } from './user.js';
export { createInotifyHandle, InotifyHandle, inotifyAddWatchByPath, InotifyWatch } from './kernel-api.js';
export type { AddWatchByPathResult, InotifyHandleOps, InotifyHandleOptions } from './kernel-api.js';
