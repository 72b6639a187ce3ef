/**
 * The fanotify group and its event handler (fs/notify/fanotify/fanotify.c).
 *
 * `handleEvent` is the whole-group handler the core calls once per dispatch
 * with every mark of this group it collected (inode, watching parent, second
 * directory of a rename, mount, filesystem). It follows the kernel step by
 * step:
 * - fanotify_group_event_mask(): which events this group even considers
 *   (F6: descriptor mode needs a path to a file or directory; DIR_FID alone
 *   needs a directory), which marks apply (F7: FAN_ONDIR for directories,
 *   FAN_EVENT_ON_CHILD through a parent), the union of the effective ignore
 *   masks, and the reported mask (fd mode never reports the event flags);
 * - fanotify_alloc_event(): a path event (descriptor mode, permission), a
 *   FID event (one object handle) or a name event (directory handle + name,
 *   a second directory + name for FAN_RENAME, a child handle), per F11;
 * - insertion with the merge rule (F12): any queued, unread event with the
 *   same key (type, object identity, pid, FAN_ONDIR, FAN_RENAME) takes the
 *   new bits; permission and overflow events never merge.
 *
 * Queued path events hold their path (path_get) until they are read or
 * dropped, as the kernel's do: an unlinked file stays alive until then.
 *
 * Permission events: see permission.ts.
 */
import type { EventData, FileHandle, FsInode, FsPath, GroupOps, HandleResult, IterInfo, Mark, NotificationQueue, Source } from '../core/index.js';
import {
  ALL_FSNOTIFY_DIRENT_EVENTS,
  currentTask,
  dataDentry,
  dataInode,
  dataPath,
  effectiveIgnoreMask,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_Q_OVERFLOW,
  Group,
  PRIO_CONTENT,
  PRIO_NORMAL,
  PRIO_PRE_CONTENT,
} from '../core/index.js';
import {
  FAN_CLASS_CONTENT,
  FAN_CLASS_PRE_CONTENT,
  FAN_ONDIR,
  FAN_RENAME,
  FAN_REPORT_DIR_FID,
  FAN_REPORT_FID,
  FAN_REPORT_MNT,
  FAN_REPORT_NAME,
  FAN_REPORT_TARGET_FID,
  FAN_REPORT_TID,
  FANOTIFY_CLASS_BITS,
  FANOTIFY_EVENT_FLAGS,
  FANOTIFY_FID_BITS,
  FANOTIFY_OUTGOING_EVENTS,
  FANOTIFY_PERM_EVENTS,
} from './constants.js';
import { unchargeMark } from './limits.js';
import type { PermissionState } from './permission.js';
import { queuePermissionEvent } from './permission.js';

/** What a fanotify mark keeps besides its masks (struct fanotify_mark). */
export interface FanotifyMarkPriv {
  /** statfs fsid of the marked object's filesystem (FID groups). */
  fsid: readonly [number, number] | null;
  /** Counted against fs.fanotify.max_user_marks (not with FAN_UNLIMITED_MARKS). */
  charged: boolean;
}

/** A queued event (struct fanotify_event and its variants). `mask` keeps FS_* bits incl. the event flags. */
export interface FanotifyRecord {
  readonly kind: 'path' | 'fid' | 'name' | 'overflow';
  mask: number;
  readonly pid: number;
  /** Merge key; null: never merges. */
  readonly key: string | null;
  /** Path events (descriptor mode and permission events): the object, held until read. */
  path: FsPath | null;
  readonly fsid: readonly [number, number] | null;
  /** FID events: the object; name events: the child (or null). */
  readonly objectFh: FileHandle | null;
  readonly hasObjectFh: boolean;
  readonly dirFh: FileHandle | null;
  readonly hasDirFh: boolean;
  readonly name: string | null;
  readonly dir2Fh: FileHandle | null;
  readonly hasDir2Fh: boolean;
  readonly name2: string | null;
  /** Permission events only. */
  perm: PermissionState | null;
}

/** The handle and name fields of a FID or name record; absent ones are null / false. */
type RecordInfo = Partial<Pick<FanotifyRecord, 'fsid' | 'objectFh' | 'hasObjectFh' | 'dirFh' | 'hasDirFh' | 'name' | 'dir2Fh' | 'hasDir2Fh' | 'name2'>>;

/**
 * Every record is built here, all fields in one order, so every record has
 * the same shape. (Spreading a template and then overriding its fields, as
 * `{ ...base, kind }` does, made V8 build each record on its slow path:
 * about 5 µs per record and group, most of a fanotify dispatch.)
 */
export function newRecord(
  kind: FanotifyRecord['kind'],
  mask: number,
  pid: number,
  key: string | null,
  path: FsPath | null,
  info?: RecordInfo,
): FanotifyRecord {
  return {
    kind,
    mask,
    pid,
    key,
    path,
    fsid: info?.fsid ?? null,
    objectFh: info?.objectFh ?? null,
    hasObjectFh: info?.hasObjectFh ?? false,
    dirFh: info?.dirFh ?? null,
    hasDirFh: info?.hasDirFh ?? false,
    name: info?.name ?? null,
    dir2Fh: info?.dir2Fh ?? null,
    hasDir2Fh: info?.hasDir2Fh ?? false,
    name2: info?.name2 ?? null,
    perm: null,
  };
}

/** The group's options that the handler and the permission machinery need. */
export interface FanotifyGroupConfig {
  readonly source: Source;
  readonly flags: number;
  readonly eventFFlags: number;
  readonly maxEvents: number;
  /** Set when the caller lacks CAP_SYS_ADMIN (uid ≠ 0): pids hidden, inode marks only. */
  readonly unprivileged: boolean;
}

/** One fanotify group: the core group plus fanotify_data. */
export class FanotifyGroup extends Group<FanotifyRecord> {
  readonly source: Source;
  /** fanotify_init flags. */
  readonly initFlags: number;
  readonly eventFFlags: number;
  readonly unprivileged: boolean;
  /** Unread, mergeable events by merge key, newest last (the merge hash). */
  readonly mergeIndex = new Map<string, FanotifyRecord[]>();
  /** Permission events read and not answered yet (access_list), oldest first. */
  readonly accessList: FanotifyRecord[] = [];
  /** Set by the user API: answers permission events nobody answered synchronously. */
  decide: ((record: FanotifyRecord) => number | null) | null = null;
  /** Default answer and delay for permission events left unanswered (null: wait forever). */
  timeout: { ms: number; response: number } | null = null;

  constructor(cfg: FanotifyGroupConfig) {
    const cls = cfg.flags & FANOTIFY_CLASS_BITS;
    super(FANOTIFY_OPS, {
      priority: cls === FAN_CLASS_PRE_CONTENT ? PRIO_PRE_CONTENT : cls === FAN_CLASS_CONTENT ? PRIO_CONTENT : PRIO_NORMAL,
      maxEvents: cfg.maxEvents,
      overflowEvent: newRecord('overflow', FS_Q_OVERFLOW, 0, null, null),
      uid: cfg.source.uid,
    });
    this.source = cfg.source;
    this.initFlags = cfg.flags;
    this.eventFFlags = cfg.eventFFlags;
    this.unprivileged = cfg.unprivileged;
  }

  get fidMode(): number {
    return this.initFlags & FANOTIFY_FID_BITS;
  }

  /** Drop the path reference a record holds (after read, merge, drop or flush). */
  release(record: FanotifyRecord): void {
    if (record.path) {
      const path = record.path;
      record.path = null;
      this.source.pathPut?.(path);
    }
  }

  /** A record left the queue: it can no longer be merged into. */
  unindex(record: FanotifyRecord): void {
    if (record.key === null) return;
    const list = this.mergeIndex.get(record.key);
    if (!list) return;
    const i = list.indexOf(record);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.mergeIndex.delete(record.key);
  }
}

/** fanotify_merge(): fold into the newest unread event with the same key. */
function fanotifyMerge(group: FanotifyGroup): (queue: NotificationQueue<FanotifyRecord>, event: FanotifyRecord) => boolean {
  return (_queue, event) => {
    if (event.key === null || event.perm) return false;
    const list = group.mergeIndex.get(event.key);
    if (!list || list.length === 0) return false;
    // With exact keys, the newest same-key event is the one the hash walk finds first.
    const old = list[list.length - 1]!;
    old.mask = (old.mask | event.mask) >>> 0;
    return true;
  };
}

// ---------------------------------------------------------------- the handler

type IterType = 'inode' | 'parent' | 'inode2' | 'mount' | 'sb';
const ITER_TYPES: readonly IterType[] = ['inode', 'parent', 'inode2', 'mount', 'sb'];

/**
 * fanotify_group_event_mask(): the mask to report (0: not for this group)
 * and which mark types matched (for FAN_RENAME's records).
 */
function groupEventMask(
  group: FanotifyGroup,
  iter: IterInfo,
  eventMask: number,
  data: EventData,
  dir: FsInode | null,
): { mask: number; match: Set<IterType> } {
  const match = new Set<IterType>();
  const fidMode = group.fidMode;
  const ondir = (eventMask & FAN_ONDIR) !== 0;
  if (group.initFlags & FAN_REPORT_MNT) return { mask: 0, match };
  if (!fidMode) {
    // Descriptor mode needs a path, to a regular file or a directory.
    const path = dataPath(data);
    if (!path) return { mask: 0, match };
    const inode = path.dentry.inode;
    if (!inode.isDir() && !(inode.isReg?.() ?? true)) return { mask: 0, match };
  } else if (!(fidMode & FAN_REPORT_FID)) {
    // DIR_FID without FID: a directory to report is needed.
    if (!dir && !ondir) return { mask: 0, match };
  }
  let marksMask = 0;
  let ignore = 0;
  for (const type of ITER_TYPES) {
    const mark = iter[type];
    if (!mark) continue;
    ignore |= effectiveIgnoreMask(mark, ondir, type === 'parent');
    if (ondir && !(mark.mask & FS_ISDIR)) continue;
    if (type === 'parent' && !(mark.mask & FS_EVENT_ON_CHILD)) continue;
    marksMask |= mark.mask;
    match.add(type);
  }
  const test = (eventMask & marksMask & ~ignore) >>> 0;
  let userMask = (FANOTIFY_OUTGOING_EVENTS | FANOTIFY_EVENT_FLAGS) >>> 0;
  if (fidMode) {
    // Event flags alone are not an event.
    if (!(test & ~FANOTIFY_EVENT_FLAGS)) return { mask: 0, match };
  } else {
    userMask = (userMask & ~FANOTIFY_EVENT_FLAGS) >>> 0;
  }
  return { mask: (test & userMask) >>> 0, match };
}

function handleEvent(
  group: Group,
  mask: number,
  data: EventData,
  dir: FsInode | null,
  name: string | null,
  _cookie: number,
  iter: IterInfo,
): HandleResult {
  const g = group as FanotifyGroup;
  const { mask: evMask, match } = groupEventMask(g, iter, mask, data, dir);
  if (!evMask) return 0;
  const record = allocEvent(g, evMask, data, dir, name, markFsid(iter), match);
  if (evMask & FANOTIFY_PERM_EVENTS) return queuePermissionEvent(g, record);
  const result = g.queue.add(record, fanotifyMerge(g));
  if (result === 'queued') {
    if (record.key !== null) {
      let list = g.mergeIndex.get(record.key);
      if (!list) g.mergeIndex.set(record.key, (list = []));
      list.push(record);
    }
  } else {
    g.release(record);
  }
  return 0;
}

/** fanotify_get_fsid(): the fsid recorded by the first collected mark that has one. */
function markFsid(iter: IterInfo): readonly [number, number] | null {
  for (const type of ITER_TYPES) {
    const mark = iter[type] as Mark<FanotifyMarkPriv> | null;
    if (mark?.priv.fsid) return mark.priv.fsid;
  }
  return null;
}

function encodeFh(inode: FsInode | null): FileHandle | null {
  if (!inode) return null;
  return inode.sb.encodeFileHandle?.(inode) ?? null;
}

/** fanotify_fid_inode(): the object of a FID record. */
function fidInode(mask: number, data: EventData, dir: FsInode | null, fidMode: number): FsInode | null {
  if (mask & ALL_FSNOTIFY_DIRENT_EVENTS && !(fidMode & FAN_REPORT_TARGET_FID)) return dir;
  return dataInode(data);
}

/** fanotify_dfid_inode(): the directory of a directory record. */
function dfidInode(mask: number, data: EventData, dir: FsInode | null): FsInode | null {
  if (mask & ALL_FSNOTIFY_DIRENT_EVENTS) return dir;
  const inode = dataInode(data);
  if (inode && inode.isDir()) return inode;
  return dir;
}

/** fanotify_report_child_fid(). */
function reportChildFid(fidMode: number, mask: number): boolean {
  if (mask & ALL_FSNOTIFY_DIRENT_EVENTS) return (fidMode & FAN_REPORT_TARGET_FID) !== 0;
  return (fidMode & FAN_REPORT_FID) !== 0 && !(mask & FAN_ONDIR);
}

let nextObjectId = 1;
const objectIds = new WeakMap<object, number>();
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextObjectId++));
  return id;
}

function fhKey(fh: FileHandle | null): string {
  return fh ? `${fh.type}:${Buffer.from(fh.bytes.buffer, fh.bytes.byteOffset, fh.bytes.byteLength).toString('hex')}` : '-';
}

/** fanotify_alloc_event(): build the record for this group (F10, F11). */
function allocEvent(
  group: FanotifyGroup,
  mask: number,
  data: EventData,
  dir: FsInode | null,
  fileName: string | null,
  fsid: readonly [number, number] | null,
  match: Set<IterType>,
): FanotifyRecord {
  const fidMode = group.fidMode;
  let id = fidInode(mask, data, dir, fidMode);
  let dirid = dfidInode(mask, data, dir);
  const path = dataPath(data);
  let moved = null as ReturnType<typeof dataDentry>;
  let child: FsInode | null = null;
  let nameEvent = false;
  const ondir = (mask & FAN_ONDIR) !== 0;

  if (fidMode & FAN_REPORT_DIR_FID && dirid) {
    if (reportChildFid(fidMode, mask) && id !== dirid) child = id;
    id = dirid;
    if (!(fidMode & FAN_REPORT_NAME)) {
      nameEvent = child !== null;
      fileName = null;
    } else if (mask & ALL_FSNOTIFY_DIRENT_EVENTS || !ondir) {
      nameEvent = true;
    }
    if (mask & FAN_RENAME) {
      // The matching mark types decide which of old/new parent+name are reported.
      const sb = match.has('sb');
      const reportOld = sb || match.has('inode');
      const reportNew = sb || match.has('inode2');
      if (!reportOld) {
        dirid = null;
        fileName = null;
      }
      if (reportNew) moved = dataDentry(data);
    }
  }

  const task = currentTask();
  const pid = task ? (group.initFlags & FAN_REPORT_TID ? (task.tid ?? task.pid) : task.pid) : 0;
  const flagsKey = `${pid}:${mask & FS_ISDIR ? 1 : 0}:${mask & FAN_RENAME ? 1 : 0}`;

  if (mask & FANOTIFY_PERM_EVENTS) {
    if (path) group.source.pathGet?.(path);
    return newRecord('path', mask, pid, null, path);
  }
  if (nameEvent && (fileName !== null || moved !== null || child !== null)) {
    const dirFh = dirid ? encodeFh(dirid) : null;
    const dir2 = moved?.parent?.inode ?? null;
    const dir2Fh = dir2 ? encodeFh(dir2) : null;
    const childFh = child ? encodeFh(child) : null;
    const name2 = moved ? moved.name : null;
    const key = dirid && dirFh
      ? `n:${fsid?.join(',')}:${fhKey(dirFh)}:${fileName ?? ''}:${dir2 ? fhKey(dir2Fh) : ''}:${name2 ?? ''}:${child ? fhKey(childFh) : ''}:${flagsKey}`
      : null;
    return newRecord('name', mask, pid, key, null, {
      fsid,
      objectFh: childFh,
      hasObjectFh: child !== null,
      dirFh,
      hasDirFh: dirid !== null,
      name: fileName,
      dir2Fh,
      hasDir2Fh: dir2 !== null,
      name2,
    });
  }
  if (fidMode) {
    const fh = encodeFh(id);
    const key = fh ? `f:${fsid?.join(',')}:${fhKey(fh)}:${flagsKey}` : null;
    return newRecord('fid', mask, pid, key, null, { fsid, objectFh: fh, hasObjectFh: id !== null });
  }
  if (path) {
    group.source.pathGet?.(path);
    return newRecord('path', mask, pid, `p:${idOf(path.mount)}:${idOf(path.dentry)}:${flagsKey}`, path);
  }
  return newRecord('fid', mask, pid, null, null);
}

/** fanotify_freeing_mark(): the mark no longer counts against max_user_marks. */
function freeingMark(mark: Mark, group: Group): void {
  const g = group as FanotifyGroup;
  if ((mark.priv as FanotifyMarkPriv).charged) unchargeMark(g.source.limits, g.uid);
}

export const FANOTIFY_OPS: GroupOps = { handleEvent, freeingMark };
