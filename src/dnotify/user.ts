/**
 * The dnotify user API: fcntl(fd, F_NOTIFY, arg) with the signal replaced
 * by a callback (fs/notify/dnotify/dnotify.c fcntl_dirnotify and
 * dnotify_flush; SEMANTICS §7).
 *
 *   const dn = dnotify(process);
 *   dn.notify(fd, DN_CREATE | DN_MULTISHOT, ({ fd }) => …);   // F_SETSIG + F_NOTIFY
 *   dn.notify(fd, 0);                                          // cancel
 *
 * Registrations are keyed by (task, open file): F_NOTIFY again on the same
 * open file ORs the new bits in and takes the new descriptor number and
 * callback; closing any descriptor of that open file in that task removes
 * the registration (the task's close hook runs dnotify_flush); a dup() in
 * another task shares nothing. The callback runs synchronously inside the
 * filesystem operation, once per matching registration, in the order the
 * kernel queues the signals; it should record and return.
 */
import type { FsFile, Limits } from '../core/index.js';
import { attachMark, destroyMark, findMark, FMODE_PATH, Mark } from '../core/index.js';
import { sysError } from '../errors.js';
import { DN_MULTISHOT, dnotifyArgToMask } from './constants.js';
import type { DnotifyMark, DnotifySignal, Registration } from './ops.js';
import { dnotifyGroup, recalcMark } from './ops.js';

/** What dnotify needs from a process: its descriptors, its limits and a close hook (the VFS process has all three). */
export interface DnotifyTask {
  readonly limits: Limits;
  /** The open file behind `fd`; throws EBADF. */
  file(fd: number, syscall: string): FsFile;
  /** Run `hook` whenever a descriptor is closed (filp_close); returns a remover. */
  onClose(hook: (closer: object, file: FsFile) => void): () => void;
}

export type DnotifyCallback = (signal: DnotifySignal) => void;

const perTask = new WeakMap<DnotifyTask, Dnotify>();

/** The dnotify API of one task (one per task). */
export function dnotify(task: DnotifyTask): Dnotify {
  let dn = perTask.get(task);
  if (!dn) perTask.set(task, (dn = new Dnotify(task)));
  return dn;
}

export class Dnotify {
  readonly #task: DnotifyTask;
  #closeHook: (() => void) | null = null;

  /** @internal use dnotify(task). */
  constructor(task: DnotifyTask) {
    this.#task = task;
  }

  /**
   * fcntl(fd, F_NOTIFY, arg), with `signal` as the F_SETSIG handler.
   * `arg` without any DN_* event bit removes this task's registration for
   * the open file. Throws EINVAL (fs.dir-notify-enable is 0), EBADF,
   * ENOTDIR (not a directory).
   */
  notify(fd: number, arg: number, signal?: DnotifyCallback): void {
    const task = this.#task;
    if (task.limits.get('fs.dir-notify-enable') === 0) throw sysError('EINVAL', 'fcntl', undefined, 'fs.dir-notify-enable is 0');
    const file = task.file(fd, 'fcntl');
    if (file.fmode & FMODE_PATH) throw sysError('EBADF', 'fcntl');
    arg = arg >>> 0;
    if ((arg & ~DN_MULTISHOT) === 0) {
      flush(task, file);
      return;
    }
    const inode = file.path.dentry.inode;
    if (!inode.isDir()) throw sysError('ENOTDIR', 'fcntl', undefined, 'F_NOTIFY needs a directory');
    const mask = dnotifyArgToMask(arg);
    const group = dnotifyGroup();
    let mark = findMark<Registration[]>(inode, group) as DnotifyMark | undefined;
    if (!mark) {
      mark = new Mark<Registration[]>(group, []);
      mark.mask = mask;
      attachMark(mark, inode);
    }
    const existing = mark.priv.find((r) => r.task === task && r.file === file);
    if (existing) {
      existing.fd = fd;
      existing.mask = (existing.mask | mask) >>> 0;
      if (signal) existing.signal = signal;
    } else {
      mark.priv = [{ task, file, fd, mask, signal: signal ?? (() => {}) }, ...mark.priv];
    }
    recalcMark(mark);
    this.#closeHook ??= task.onClose((closer: object, f: FsFile) => {
      if (closer === task) flush(task, f);
    });
  }

  /** The registrations of this task, for inspection: descriptor and DN-style FS mask. */
  registrations(): { fd: number; mask: number }[] {
    const out: { fd: number; mask: number }[] = [];
    for (const mark of dnotifyGroup().marks) {
      for (const r of (mark as DnotifyMark).priv) if (r.task === this.#task) out.push({ fd: r.fd, mask: r.mask });
    }
    return out;
  }
}

/** dnotify_flush(): remove `task`'s registration for `file`; the mark goes with its last registration. */
function flush(task: DnotifyTask, file: FsFile): void {
  const inode = file.path.dentry.inode;
  if (!inode.isDir()) return;
  const mark = findMark<Registration[]>(inode, dnotifyGroup()) as DnotifyMark | undefined;
  if (!mark) return;
  const before = mark.priv.length;
  mark.priv = mark.priv.filter((r) => !(r.task === task && r.file === file));
  if (mark.priv.length !== before) recalcMark(mark);
  if (mark.priv.length === 0) destroyMark(mark);
}
