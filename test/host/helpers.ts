/**
 * Shared helpers for the host tests: temp dirs, bounded waits, fd/thread
 * counts. Waits poll a condition with a deadline; nothing sleeps a fixed time.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
