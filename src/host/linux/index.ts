/**
 * The Linux host layer: kernel constants, the system calls (ffi.ts, the only
 * native code, loaded on first call), decoders for the kernel's inotify and
 * fanotify records, KernelReader, which moves a notification fd's bytes to
 * the main thread (and can answer fanotify permission events there,
 * fanotify-responder.ts), the kernel fanotify group with the front-end's API
 * (fanotify-group.ts), the handle → path cache (handle-cache.ts) and the
 * whole-filesystem listener (fs-listener.ts). Importing this module loads no
 * native code.
 */
export * from './constants.js';
export { linuxSyscalls, PollSet, type FileHandle, type LinuxSyscalls, type StatFs } from './ffi.js';
export {
  decodeFanotify,
  decodeInotify,
  fidKey,
  type FanotifyErrorInfo,
  type FanotifyEvent,
  type FanotifyFidInfo,
  type FanotifyInfo,
  type FanotifyMntInfo,
  type FanotifyPidfdInfo,
  type FanotifyRangeInfo,
  type FanotifyUnknownInfo,
  type FidInfoType,
  type InotifyRecord,
  type NameEncoding,
} from './decode.js';
export { KernelReader, type KernelReaderOptions, type ReaderState } from './reader.js';
export { hostFanotifyInit, HostFanotify, type HostFanotifyInitOptions, type PermissionPolicy, type PermissionPolicyRule } from './fanotify-group.js';
export { createFsListener, type FsEvent, type FsEventType, type FsListener, type FsListenerOptions, type FsListenerStats } from './fs-listener.js';
export { HandleCache, type HandleCacheStats, type MountFdFor } from './handle-cache.js';
export { PermissionResponder, relativeTo, type PermissionAnswer, type PermissionRule, type ResponderConfig } from './fanotify-responder.js';
