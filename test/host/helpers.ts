/**
 * Shared helpers for the host tests: temp dirs, bounded waits, fd/thread
 * counts. Waits poll a condition with a deadline; nothing sleeps a fixed time.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DEADLINE_MS = 5000;

/** A fresh directory under os.tmpdir(); `cleanup()` removes it. */
export function tempDir(prefix = 'tsnotify-host-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Resolve once `condition()` holds, checking on every turn of the event loop; reject after `ms`. */
export async function waitUntil(condition: () => boolean, what: string, ms = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Entries of /proc/self/fd (open descriptors of this process). */
export function openFdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

/** Entries of /proc/self/task (threads of this process, workers included). */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A fresh private tmpfs (root only): a filesystem of its own, so a
 * filesystem or mount mark on it sees nothing but the test's own activity.
 * `cleanup()` unmounts it (lazily) and removes the mount point.
 */
export async function privateTmpfs(prefix = 'tsnotify-fs-'): Promise<{ path: string; cleanup: () => void }> {
  const { linuxSyscalls } = await import('../../src/host/linux/ffi.js');
  const sys = linuxSyscalls();
  const path = mkdtempSync(join(tmpdir(), prefix));
  sys.mount('tmpfs', path, 'tmpfs', 0, 'mode=0755');
  sys.mount(null, path, null, 1 << 18 /* MS_PRIVATE */, null);
  return {
    path,
    cleanup: () => {
      sys.umount2(path, 2 /* MNT_DETACH */);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** The /proc/PID/fdinfo text of every descriptor of a process (none if it is gone; descriptors closed meanwhile are skipped). */
export function fdinfoTexts(pid: number | 'self'): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fdinfo`);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const fd of fds) {
    try {
      out.push(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Marks and watches this process holds, from /proc/self/fdinfo: fanotify inode/mount/filesystem marks and inotify watches. */
export function notificationMarks(): { fanotifyInode: number; fanotifyMount: number; fanotifyFilesystem: number; inotifyWatches: number } {
  const out = { fanotifyInode: 0, fanotifyMount: 0, fanotifyFilesystem: 0, inotifyWatches: 0 };
  for (const text of fdinfoTexts('self')) {
    for (const line of text.split('\n')) {
      if (line.startsWith('inotify wd:')) out.inotifyWatches++;
      else if (line.startsWith('fanotify ino:')) out.fanotifyInode++;
      else if (line.startsWith('fanotify mnt_id:')) out.fanotifyMount++;
      else if (line.startsWith('fanotify sdev:')) out.fanotifyFilesystem++;
    }
  }
  return out;
}
