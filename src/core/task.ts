/**
 * The task on whose behalf an operation runs (the kernel's `current`).
 *
 * A source sets it around each operation it performs; front-ends read it
 * while handling the operation's events (fanotify reports the pid). The
 * core restores it when a dispatch resumes after an asynchronous permission
 * answer, so groups asked later still see the task that caused the event.
 */

export interface FsTask {
  /** Thread-group id (getpid()). */
  readonly pid: number;
  /** Thread id; equal to `pid` for a single-threaded task. */
  readonly tid?: number;
}

let current: FsTask | null = null;

/** The task running the current operation, or null outside any. */
export function currentTask(): FsTask | null {
  return current;
}

/** Run `fn` as `task` (nestable: the previous task is restored after). */
export function runAsTask<T>(task: FsTask | null, fn: () => T): T {
  const prev = current;
  current = task;
  try {
    return fn();
  } finally {
    current = prev;
  }
}
