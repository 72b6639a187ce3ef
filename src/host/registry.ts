/**
 * Which host source to use: `'default'` resolves to the kernel's inotify on
 * Linux when its FFI library loads, else to the portable fs.watch source;
 * `'fswatch'` and `'poll'` name the portable sources (see their
 * `limitations`); the stub failing with ENOSYS only when asked for.
 * The default source is shared by every front-end in the process, so two
 * groups watching one directory cost one kernel watch.
 */
import type { HostSource } from './source.js';
import { UnsupportedSource } from './unsupported.js';
import { LinuxInotifySource } from './linux/inotify-source.js';
import type { LinuxInotifySourceOptions } from './linux/inotify-source.js';
import { linuxSyscalls } from './linux/ffi.js';
import { FsWatchSource } from './fswatch/fswatch-source.js';
import type { FsWatchSourceOptions } from './fswatch/fswatch-source.js';
import { PollSource } from './poll/poll-source.js';
import type { PollSourceOptions } from './poll/poll-source.js';

export type HostSourceKind = 'default' | 'inotify' | 'fswatch' | 'poll' | 'unsupported';

/** Options for createHostSource(): each kind reads those it knows. */
export interface HostSourceOptions extends LinuxInotifySourceOptions, FsWatchSourceOptions, PollSourceOptions {}

/** Can the kernel source be used here: Linux, and the FFI library loads? */
function kernelSourceLoads(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    linuxSyscalls();
    return true;
  } catch {
    return false; // ENOSYS from dlopen: fall back to fs.watch, which needs no native code of ours
  }
}

let shared: HostSource | null = null;

/** A new host source of the given kind (not shared). Throws EINVAL for a bad poll interval. */
export function createHostSource(kind: HostSourceKind = 'default', opts: HostSourceOptions = {}): HostSource {
  if (kind === 'unsupported') return new UnsupportedSource('requested explicitly');
  if (kind === 'fswatch') return new FsWatchSource(opts);
  if (kind === 'poll') return new PollSource(opts);
  if (kind === 'default' && !kernelSourceLoads()) return new FsWatchSource(opts);
  if (process.platform === 'linux') return new LinuxInotifySource(opts);
  return new UnsupportedSource(`inotify needs Linux; this is ${process.platform}`);
}

/** The process-wide default host source. */
export function defaultHostSource(): HostSource {
  shared ??= createHostSource('default');
  return shared;
}
