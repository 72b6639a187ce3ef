/**
 * The dnotify group and its ops (fs/notify/dnotify/dnotify.c).
 *
 * There is one global dnotify group (NORMAL priority) with at most one mark
 * per directory inode. A mark's `priv` is its chain of registrations, newest
 * first; each is keyed by (task, open file) and holds the converted mask,
 * the descriptor number and the callback standing in for the signal. The
 * mark's mask is the OR of the registrations' masks without FS_DN_MULTISHOT
 * (dnotify_recalc_inode_mask).
 *
 * An event reaches a registration only with a directory context (a child
 * event or a dirent event) or when its subject is the directory itself
 * (D4). Each registration whose mask intersects it is "signalled" (its
 * callback runs, synchronously, inside the filesystem operation); a
 * single-shot one is then removed (D6).
 */
import type { FsFile, FsInode, GroupOps, Mark } from '../core/index.js';
import { FS_DN_MULTISHOT, FS_EVENT_ON_CHILD, FS_ISDIR, Group, markChanged, PRIO_NORMAL } from '../core/index.js';
import { DN_SI_BAND } from './constants.js';

/** What a dnotify "signal" carries (the siginfo of F_SETSIG: si_fd and si_band). */
export interface DnotifySignal {
  /** The descriptor the registration was made with. */
  readonly fd: number;
  /** POLLIN | POLLRDNORM | POLLMSG. */
  readonly band: number;
}

/** One F_NOTIFY registration (struct dnotify_struct). */
export interface Registration {
  /** The owner: the task (descriptor table) that called F_NOTIFY. */
  readonly task: object;
  readonly file: FsFile;
  fd: number;
  /** FS_* bits incl. FS_EVENT_ON_CHILD and FS_DN_MULTISHOT. */
  mask: number;
  signal: (info: DnotifySignal) => void;
}

/** The registrations of one directory's mark, newest first. */
export type DnotifyMark = Mark<Registration[]>;

/** dnotify_recalc_inode_mask(). */
export function recalcMark(mark: DnotifyMark): void {
  let mask = 0;
  for (const r of mark.priv) mask |= r.mask & ~FS_DN_MULTISHOT;
  mask >>>= 0;
  if (mark.mask === mask) return;
  mark.mask = mask;
  markChanged(mark);
}

function handleInodeEvent(
  mark: Mark,
  mask: number,
  _inode: FsInode | null,
  dir: FsInode | null,
): number {
  if (!dir && !(mask & FS_ISDIR)) return 0;
  const m = mark as DnotifyMark;
  const test = (mask & ~FS_EVENT_ON_CHILD) >>> 0;
  // Copy-on-write: a callback may register or flush meanwhile.
  for (const r of m.priv.slice()) {
    if (!(r.mask & test)) continue;
    if (!(r.mask & FS_DN_MULTISHOT)) {
      m.priv = m.priv.filter((x) => x !== r);
      recalcMark(m);
    }
    r.signal({ fd: r.fd, band: DN_SI_BAND });
  }
  return 0;
}

/** The directory died: its registrations go silently. */
function freeingMark(mark: Mark): void {
  (mark as DnotifyMark).priv = [];
}

export const DNOTIFY_OPS: GroupOps = { handleInodeEvent, freeingMark };

let group: Group | null = null;

/** The single global dnotify group (created on first use, as dnotify_init at boot). */
export function dnotifyGroup(): Group {
  group ??= new Group(DNOTIFY_OPS, { priority: PRIO_NORMAL, maxEvents: 0, overflowEvent: null });
  return group;
}
