/**
 * tsnotify fanotify — the fanotify user API over any Source: groups in the
 * three classes, inode/mount/filesystem marks with ignore masks, descriptor
 * and file-handle (FID, DFID, DFID_NAME) reporting, merging, overflow,
 * permission events answered synchronously or asynchronously, and the
 * kernel's exact read(2) bytes. The public surface is listed by name.
 */
export * from './constants.js';
export { AT_FDCWD, Fanotify, fanotifyInit } from './user.js';
export { decodeFanotifyEvents, encodeFanotifyEvent, formatFanotifyEvent } from './layout.js';
export type {
  FanotifyApi,
  FanotifyErrorInfo,
  FanotifyEvent,
  FanotifyFidInfo,
  FanotifyInfo,
  FanotifyInitOptions,
  FanotifyMntInfo,
  FanotifyPidfdInfo,
  FanotifyRangeInfo,
  PermissionResponse,
} from './user.js';
