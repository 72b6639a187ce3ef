/**
 * The stub source for platforms without a host facility: every lookup fails
 * with ENOSYS, naming the call and the path.
 */
import type { FsPath, LookupOptions } from '../core/index.js';
import { Limits } from '../core/index.js';
import { sysError } from '../errors.js';
import type { HostSource, HostSourceStats } from './source.js';

export class UnsupportedSource implements HostSource {
  readonly kind = 'unsupported';
  readonly uid = 0;
  readonly limits = new Limits();
  readonly limitations = ['reports nothing: no host notification facility on this platform'];
  constructor(private readonly why: string) {}
  lookup(path: string, opts: LookupOptions): FsPath {
    throw sysError('ENOSYS', opts.syscall, path, this.why);
  }
  stats(): HostSourceStats {
    return { watches: 0, objects: 0 };
  }
  async close(): Promise<void> {}
}
