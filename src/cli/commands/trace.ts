/**
 * `tsnotify trace`: fatrace-like, whole-filesystem tracing through
 * fanotify. An extension point: the host fanotify backend it needs is not
 * built yet, so it fails with ENOSYS and says so.
 */
import { SystemError } from '../../errors.js';
import type { Io } from '../io.js';

export const HELP = `Usage: tsnotify trace [options] [PATH]

Trace file accesses on the whole filesystem (or the mount or filesystem of
PATH), fatrace-style: which process opened, read, wrote or closed what.

NOT BUILT YET: this command needs the host fanotify backend, which is being
built. Until then it exits with status 1 and an ENOSYS error. For events on
a tree, use 'tsnotify wait -m -r' or 'tsnotify watch -r'.

Examples (once built):
  sudo tsnotify trace               # everything, every mount
  sudo tsnotify trace --json /srv   # the filesystem holding /srv, as NDJSON
`;

export async function traceCommand(argv: string[], io: Io): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  const err = new SystemError('ENOSYS', {
    syscall: 'fanotify_init',
    reason: "'tsnotify trace' needs the host fanotify backend, which is not built yet",
  });
  io.err(`tsnotify trace: ${err.message}\n`);
  return 1;
}
