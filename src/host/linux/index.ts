/**
 * The Linux host layer: kernel constants, the system calls (ffi.ts, the only
 * native code, loaded on first call), decoders for the kernel's inotify and
 * fanotify records, and KernelReader, which moves a notification fd's bytes
 * to the main thread. Importing this module loads no native code.
 */
export * from './constants.js';
export { linuxSyscalls, PollSet, type FileHandle, type LinuxSyscalls } from './ffi.js';
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
