/**
 * Which host source to use: `'default'` resolves to the kernel's inotify on
 * Linux, else the portable fs.watch source, else a stub failing with ENOSYS.
 * The default source is shared by every front-end in the process, so two
 * groups watching one directory cost one kernel watch.
 */
import type { HostSource } from './source.js';
import { UnsupportedSource } from './unsupported.js';
import { LinuxInotifySource } from './linux/inotify-source.js';

export type HostSourceKind = 'default' | 'inotify' | 'unsupported';

let shared: HostSource | null = null;

/** A new host source of the given kind (not shared). */
export function createHostSource(kind: HostSourceKind = 'default'): HostSource {
  if (kind === 'unsupported') return new UnsupportedSource('requested explicitly');
  if (process.platform === 'linux') return new LinuxInotifySource();
  if (kind === 'inotify') return new UnsupportedSource(`inotify needs Linux; this is ${process.platform}`);
  return new UnsupportedSource(`no host source for ${process.platform} yet`);
}

/** The process-wide default host source. */
export function defaultHostSource(): HostSource {
  shared ??= createHostSource('default');
  return shared;
}
