/**
 * The fanotify user API (fs/notify/fanotify/fanotify_user.c) over any
 * Source: fanotify_init, fanotify_mark, read(2) as objects or as the
 * kernel's exact bytes, permission responses, FIONREAD, fdinfo.
 *
 * Invariants:
 * - argument checks run before any side effect, in the kernel's order
 *   (F1 for init, F3 for mark), so a bad call fails with the kernel's errno;
 * - every public call on a closed group fails with EBADF;
 * - events are queued synchronously by the source's operation. A readiness
 *   callback (onReady) runs inside the operation each time an event is
 *   queued and may read and respond at once — the way a listener thread
 *   answers permission events while the operation blocks. readAsync() and
 *   async iteration wake in a later microtask instead;
 * - in descriptor mode each event read opens a descriptor in the source's
 *   process (FMODE_NONOTIFY: its use raises no events); the reader closes it.
 *
 * Permission handling (which answer wins, sync and async callers):
 * permission.ts.
 */
import type { FileHandle, FsInode, FsMount, FsPath, FsSuperBlock, MarkableObject, Source } from '../core/index.js';
import {
  attachMark,
  destroyGroupMarks,
  destroyMark,
  findMark,
  Mark,
  MARK_FLAG_HAS_IGNORE_FLAGS,
  MARK_FLAG_IGNORED_SURV_MODIFY,
  MARK_FLAG_NO_IREF,
  markChanged,
  PRIO_NORMAL,
  PRIO_CONTENT,
  ReadWaiters,
} from '../core/index.js';
import { ERRNO, isSystemError, sysError } from '../errors.js';
import {
  FAN_CLASS_NOTIF,
  FAN_CLOEXEC,
  FAN_EPIDFD,
  FAN_EVENT_INFO_TYPE_DFID,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_ERROR,
  FAN_EVENT_INFO_TYPE_FID,
  FAN_EVENT_INFO_TYPE_MNT,
  FAN_EVENT_INFO_TYPE_RANGE,
  FAN_EVENT_INFO_TYPE_NEW_DFID_NAME,
  FAN_EVENT_INFO_TYPE_OLD_DFID_NAME,
  FAN_EVENT_INFO_TYPE_PIDFD,
  FAN_EVENT_METADATA_LEN,
  FAN_EVENT_ON_CHILD,
  FAN_FS_ERROR,
  FAN_MARK_ADD,
  FAN_MARK_DONT_FOLLOW,
  FAN_MARK_EVICTABLE,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_FLUSH,
  FAN_MARK_IGNORE,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_IGNORED_SURV_MODIFY,
  FAN_MARK_INODE,
  FAN_MARK_MNTNS,
  FAN_MARK_MOUNT,
  FAN_MARK_ONLYDIR,
  FAN_MARK_REMOVE,
  FAN_NOFD,
  FAN_NONBLOCK,
  FAN_ONDIR,
  FAN_Q_OVERFLOW,
  FAN_RENAME,
  FAN_REPORT_DIR_FID,
  FAN_REPORT_FD_ERROR,
  FAN_REPORT_FID,
  FAN_REPORT_MNT,
  FAN_REPORT_NAME,
  FAN_REPORT_PIDFD,
  FAN_REPORT_TARGET_FID,
  FAN_REPORT_TID,
  FAN_UNLIMITED_MARKS,
  FAN_UNLIMITED_QUEUE,
  FANOTIFY_ADMIN_INIT_FLAGS,
  FANOTIFY_CLASS_BITS,
  FANOTIFY_DIRENT_EVENTS,
  FANOTIFY_DIRONLY_EVENT_BITS,
  FANOTIFY_EVENT_FLAGS,
  FANOTIFY_FD_EVENTS,
  FANOTIFY_FID_BITS,
  FANOTIFY_INIT_FLAGS,
  FANOTIFY_MARK_CMD_BITS,
  FANOTIFY_MARK_FLAGS,
  FANOTIFY_MARK_IGNORE_BITS,
  FANOTIFY_MARK_TYPE_BITS,
  FANOTIFY_MARK_VALID_MASK,
  FANOTIFY_MOUNT_EVENTS,
  FANOTIFY_OUTGOING_EVENTS,
  FANOTIFY_PERM_EVENTS,
  FANOTIFY_PRE_CONTENT_EVENTS,
  FAN_ALLOW,
  FAN_AUDIT,
  FAN_DENY,
  FAN_ENABLE_AUDIT,
  FANOTIFY_RESPONSE_ACCESS,
  FANOTIFY_RESPONSE_VALID_MASK,
} from './constants.js';
import { chargeGroup, chargeMark, queueLimit, unchargeGroup } from './limits.js';
import type { FanotifyMarkPriv, FanotifyRecord } from './ops.js';
import { FanotifyGroup } from './ops.js';
import { encodeFanotifyEvent, infoLength } from './layout.js';
import { finishPermission, releasePermissionEvents, responseValue } from './permission.js';

// open(2) flags accepted in event_f_flags (FANOTIFY_INIT_ALL_EVENT_F_BITS).
const O_ACCMODE = 0o3;
const O_APPEND = 0o2000;
const O_NONBLOCK = 0o4000;
const O_DSYNC = 0o10000;
const O_LARGEFILE = 0o100000;
const O_NOATIME = 0o1000000;
const O_CLOEXEC = 0o2000000;
const O_SYNC = 0o4010000;
const EVENT_F_BITS = O_ACCMODE | O_APPEND | O_NONBLOCK | O_SYNC | O_DSYNC | O_CLOEXEC | O_LARGEFILE | O_NOATIME;
/** The *at() calls' "current directory" descriptor. */
export const AT_FDCWD = -100;
/** A file handle that could not be encoded (FILEID_INVALID, no bytes). */
const FILEID_INVALID = 0xff;

/** A file-handle record (FID, DFID, DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME). */
export interface FanotifyFidInfo {
  readonly type: number;
  /** statfs f_fsid of the object's filesystem. */
  readonly fsid: readonly [number, number];
  readonly handle: FileHandle;
  /** The entry name of *_NAME records ("." for an event on a directory itself), else null. */
  readonly name: string | null;
}

/** A FAN_REPORT_PIDFD record: this source has no pidfds, so always FAN_NOPIDFD/FAN_EPIDFD. */
export interface FanotifyPidfdInfo {
  readonly type: typeof FAN_EVENT_INFO_TYPE_PIDFD;
  readonly pidfd: number;
}

/** FAN_FS_ERROR's record (kernel backend only: the in-memory source has no filesystem errors). */
export interface FanotifyErrorInfo {
  readonly type: typeof FAN_EVENT_INFO_TYPE_ERROR;
  /** The first error (positive errno) since the event was queued. */
  readonly error: number;
  readonly errorCount: number;
}

/** FAN_PRE_ACCESS's byte range (kernel backend only). */
export interface FanotifyRangeInfo {
  readonly type: typeof FAN_EVENT_INFO_TYPE_RANGE;
  readonly offset: bigint;
  readonly count: bigint;
}

/** The mount of a FAN_MNT_ATTACH / FAN_MNT_DETACH event (kernel backend only). */
export interface FanotifyMntInfo {
  readonly type: typeof FAN_EVENT_INFO_TYPE_MNT;
  /** The 64-bit unique mount id. */
  readonly mntId: bigint;
}

export type FanotifyInfo = FanotifyFidInfo | FanotifyPidfdInfo | FanotifyErrorInfo | FanotifyRangeInfo | FanotifyMntInfo;

/** One event as read(2) returns it (struct fanotify_event_metadata plus its info records). */
export interface FanotifyEvent {
  /** FAN_* bits (FAN_ONDIR only in FID modes). */
  readonly mask: number;
  /** Descriptor mode: an open descriptor in the reader's process (close it), or -errno with FAN_REPORT_FD_ERROR; else FAN_NOFD. */
  readonly fd: number;
  /** The process that caused the event (0 for the overflow event and hidden pids). */
  readonly pid: number;
  readonly info: readonly FanotifyInfo[];
  /**
   * Kernel backend: the answer this permission event already got off the
   * main thread (the group's permissionPolicy or permissionTimeout), as
   * FAN_ALLOW / FAN_DENY; respond() to it fails with ENOENT. Absent when the
   * listener has to answer.
   */
  readonly response?: number;
  /** Kernel backend: the event descriptor's path as the permission policy saw it when it answered. */
  readonly fdPath?: string;
}

export type PermissionResponse = 'allow' | 'deny' | number;

export interface FanotifyInitOptions {
  /** Where paths are resolved, who is charged, and the process event descriptors are opened in. */
  source: Source;
  /** fanotify_init flags (FAN_CLASS_*, FAN_REPORT_*, FAN_UNLIMITED_*, FAN_CLOEXEC, FAN_NONBLOCK). */
  flags?: number;
  /** open(2) flags of event descriptors (default O_RDONLY). */
  eventFFlags?: number;
  /** Queue limit; default: the source's fs.fanotify.max_queued_events, read now. */
  maxQueuedEvents?: number;
  /**
   * A synchronous decision function: answers every permission event that no
   * synchronous reader answered, with the event as read(2) gives it (its
   * descriptor is closed after). The event is consumed by it.
   */
  onPermission?: (event: FanotifyEvent) => PermissionResponse;
  /** Answer permission events still unanswered after `ms` with `response` (default: wait forever). */
  permissionTimeout?: { ms: number; response: PermissionResponse };
}

/**
 * What every fanotify group offers, whichever backend holds it: the
 * in-memory `Fanotify` (any core Source) or the kernel's `HostFanotify`
 * (host/linux/fanotify-group.ts). Code written against this type runs on
 * both; the conformance runner is such code.
 */
export interface FanotifyApi {
  /** The fanotify_init flags. */
  readonly flags: number;
  readonly closed: boolean;
  readonly nonblocking: boolean;
  readonly cloexec: boolean;
  /** A readiness callback: runs when events were queued (VFS: inside the operation; kernel: when the reader delivers them). */
  onReady(callback: (() => void) | null): void;
  mark(flags: number, mask: number, path: string | null): void;
  mark(flags: number, mask: number, dirfd: number, path: string | null): void;
  read(maxEvents?: number): FanotifyEvent[];
  readBytes(bufferSize: number): Buffer;
  readAsync(maxEvents?: number): Promise<FanotifyEvent[]>;
  [Symbol.asyncIterator](): AsyncGenerator<FanotifyEvent, void, undefined>;
  respond(target: number | FanotifyEvent, response: PermissionResponse): void;
  readonly queuedBytes: number;
  fdinfo(): string[];
  close(): void;
}

const CREATE = Symbol('fanotifyInit');

/**
 * fanotify_init(): a new group on `source`. Throws EPERM (privileged flags
 * or no FID flag without root), EINVAL (unknown flags, bad combinations, bad
 * eventFFlags, class 0xc), EMFILE (fs.fanotify.max_user_groups), in the
 * kernel's order (F1).
 */
export function fanotifyInit(opts: FanotifyInitOptions): Fanotify {
  const flags = (opts.flags ?? FAN_CLASS_NOTIF) >>> 0;
  const eventFFlags = (opts.eventFFlags ?? 0) >>> 0;
  const { source } = opts;
  const fail = (code: 'EPERM' | 'EINVAL', reason: string): never => {
    throw sysError(code, 'fanotify_init', undefined, reason);
  };
  const fidMode = flags & FANOTIFY_FID_BITS;
  const cls = flags & FANOTIFY_CLASS_BITS;
  const privileged = source.uid === 0;
  if (!privileged && (flags & FANOTIFY_ADMIN_INIT_FLAGS || !(flags & (FANOTIFY_FID_BITS | FAN_REPORT_MNT)))) {
    fail('EPERM', 'without CAP_SYS_ADMIN only notification groups reporting file handles are allowed');
  }
  if (flags & ~FANOTIFY_INIT_FLAGS) fail('EINVAL', `unknown flags 0x${(flags & ~FANOTIFY_INIT_FLAGS).toString(16)}`);
  if (flags & FAN_REPORT_PIDFD && flags & FAN_REPORT_TID) fail('EINVAL', 'FAN_REPORT_PIDFD excludes FAN_REPORT_TID');
  if (flags & FAN_REPORT_MNT && (cls !== FAN_CLASS_NOTIF || flags & (FANOTIFY_FID_BITS | FAN_REPORT_FD_ERROR))) {
    fail('EINVAL', 'FAN_REPORT_MNT needs FAN_CLASS_NOTIF and no FID or FD_ERROR flag');
  }
  if (eventFFlags & ~EVENT_F_BITS || (eventFFlags & O_ACCMODE) === O_ACCMODE) {
    fail('EINVAL', `bad event_f_flags 0${eventFFlags.toString(8)}`);
  }
  if (fidMode && cls !== FAN_CLASS_NOTIF) fail('EINVAL', 'file handles are reported only by FAN_CLASS_NOTIF groups');
  if (fidMode & FAN_REPORT_NAME && !(fidMode & FAN_REPORT_DIR_FID)) fail('EINVAL', 'FAN_REPORT_NAME needs FAN_REPORT_DIR_FID');
  if (fidMode & FAN_REPORT_TARGET_FID && (!(fidMode & FAN_REPORT_NAME) || !(fidMode & FAN_REPORT_FID))) {
    fail('EINVAL', 'FAN_REPORT_TARGET_FID needs FAN_REPORT_NAME and FAN_REPORT_FID');
  }
  const maxEvents = queueLimit(source.limits, (flags & FAN_UNLIMITED_QUEUE) !== 0, opts.maxQueuedEvents);
  chargeGroup(source.limits, source.uid);
  if (cls === FANOTIFY_CLASS_BITS || (flags & FAN_ENABLE_AUDIT && !privileged)) {
    unchargeGroup(source.limits, source.uid);
    if (cls === FANOTIFY_CLASS_BITS) fail('EINVAL', 'class 0xc does not exist');
    fail('EPERM', 'FAN_ENABLE_AUDIT needs CAP_AUDIT_WRITE');
  }
  if (!fidMode && !(flags & FAN_REPORT_MNT) && !source.openEventFile) {
    unchargeGroup(source.limits, source.uid);
    throw sysError('EOPNOTSUPP', 'fanotify_init', undefined, `the ${source.kind} source cannot open event descriptors; use FAN_REPORT_FID`);
  }
  // O_LARGEFILE is forced into event_f_flags on 64-bit (F1b).
  const group = new FanotifyGroup({
    source,
    flags,
    eventFFlags: eventFFlags | O_LARGEFILE,
    maxEvents,
    unprivileged: !privileged,
  });
  return new Fanotify(CREATE, group, opts);
}

/** One fanotify group (a fanotify file descriptor). Create it with fanotifyInit(). */
export class Fanotify implements FanotifyApi {
  /** The fanotify_init flags. */
  readonly flags: number;
  readonly #group: FanotifyGroup;
  readonly #source: Source;
  #closed = false;
  #ready: (() => void) | null = null;
  readonly #waiters = new ReadWaiters();

  /** @internal use fanotifyInit(). */
  constructor(token: typeof CREATE, group: FanotifyGroup, opts: FanotifyInitOptions) {
    if (token !== CREATE) throw new TypeError('use fanotifyInit() to create a fanotify group');
    this.flags = group.initFlags;
    this.#group = group;
    this.#source = group.source;
    group.queue.onQueued = () => {
      this.#wakeReaders();
      this.#ready?.();
    };
    const onPermission = opts.onPermission;
    if (onPermission) {
      group.decide = (record) => {
        group.queue.remove(record);
        const event = this.#toEvent(record);
        if (record.perm?.state !== 'reported') return null;
        try {
          return responseValue(onPermission(event));
        } finally {
          if (event.fd >= 0) this.#closeEventFd(event.fd);
        }
      };
    }
    if (opts.permissionTimeout) {
      group.timeout = { ms: opts.permissionTimeout.ms, response: responseValue(opts.permissionTimeout.response) };
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** True when FAN_NONBLOCK was given (informational: read() never blocks; readAsync() waits). */
  get nonblocking(): boolean {
    return (this.flags & FAN_NONBLOCK) !== 0;
  }

  /** True when FAN_CLOEXEC was given (informational). */
  get cloexec(): boolean {
    return (this.flags & FAN_CLOEXEC) !== 0;
  }

  /**
   * A synchronous readiness callback, run inside the operation each time an
   * event is queued (null removes it). It may call read() and respond():
   * that answers permission events before the operation continues.
   */
  onReady(callback: (() => void) | null): void {
    this.#ready = callback;
  }

  /**
   * fanotify_mark(): add, remove or flush marks. `path` is resolved from
   * `dirfd` (AT_FDCWD by default); a null `path` marks what `dirfd` refers to.
   * Throws, in the kernel's order (F3): EINVAL, EBADF (closed), EPERM, the
   * lookup's errors (ENOENT, ENOTDIR, EACCES, ELOOP…), ENOTDIR (strict
   * mode), EISDIR, ENODEV, EEXIST, ENOENT (REMOVE of a missing mark),
   * ENOSPC (fs.fanotify.max_user_marks).
   */
  mark(flags: number, mask: number, path: string | null): void;
  mark(flags: number, mask: number, dirfd: number, path: string | null): void;
  mark(flags: number, mask: number, a: string | number | null, b?: string | null): void {
    const dirfd = typeof a === 'number' ? a : AT_FDCWD;
    const path = typeof a === 'number' ? (b ?? null) : a;
    this.#mark(flags >>> 0, mask, dirfd, path);
  }

  #mark(flags: number, mask: number, dirfd: number, path: string | null): void {
    const where = path ?? undefined;
    const fail = (code: 'EINVAL' | 'EPERM' | 'ENOTDIR' | 'EISDIR' | 'ENODEV' | 'EEXIST' | 'ENOENT', reason?: string): never => {
      throw sysError(code, 'fanotify_mark', where, reason);
    };
    if (!Number.isInteger(mask) || mask < 0 || mask > 0xffffffff) fail('EINVAL', 'the mask has bits in the upper 32');
    if (flags & ~FANOTIFY_MARK_FLAGS) fail('EINVAL', `unknown flags 0x${(flags & ~FANOTIFY_MARK_FLAGS).toString(16)}`);
    const markType = flags & (FANOTIFY_MARK_TYPE_BITS | FAN_MARK_MNTNS);
    const cmd = flags & FANOTIFY_MARK_CMD_BITS;
    const ignore = flags & FANOTIFY_MARK_IGNORE_BITS;
    let umask = 0;
    if (cmd === FAN_MARK_ADD || cmd === FAN_MARK_REMOVE) {
      if (mask === 0) fail('EINVAL', 'the mask is empty');
    } else if (cmd === FAN_MARK_FLUSH) {
      if (flags & ~(FANOTIFY_MARK_TYPE_BITS | FAN_MARK_FLUSH)) fail('EINVAL', 'FAN_MARK_FLUSH takes only a mark type');
    } else {
      fail('EINVAL', 'exactly one of FAN_MARK_ADD, FAN_MARK_REMOVE, FAN_MARK_FLUSH is needed');
    }
    if (mask & ~FANOTIFY_MARK_VALID_MASK) fail('EINVAL', `mask bits 0x${((mask & ~FANOTIFY_MARK_VALID_MASK) >>> 0).toString(16)} cannot be marked`);
    if (ignore === FANOTIFY_MARK_IGNORE_BITS) fail('EINVAL', 'FAN_MARK_IGNORE excludes FAN_MARK_IGNORED_MASK');
    if (ignore === FAN_MARK_IGNORED_MASK) {
      mask = (mask & ~FANOTIFY_EVENT_FLAGS) >>> 0;
      umask = FANOTIFY_EVENT_FLAGS;
    }
    this.#checkOpen('fanotify_mark', where);
    const group = this.#group;
    if (group.initFlags & FAN_REPORT_MNT) {
      if (mask & ~FANOTIFY_MOUNT_EVENTS || markType !== FAN_MARK_MNTNS) fail('EINVAL', 'FAN_REPORT_MNT groups take only mount-namespace marks');
    } else if (mask & FANOTIFY_MOUNT_EVENTS || markType === FAN_MARK_MNTNS) {
      fail('EINVAL', 'mount events need a FAN_REPORT_MNT group');
    }
    if (group.unprivileged && markType !== FAN_MARK_INODE) fail('EPERM', 'mount and filesystem marks need CAP_SYS_ADMIN');
    if (mask & FANOTIFY_PERM_EVENTS && group.priority === PRIO_NORMAL) fail('EINVAL', 'permission events need FAN_CLASS_CONTENT or higher');
    if (mask & FANOTIFY_PRE_CONTENT_EVENTS && group.priority === PRIO_CONTENT) fail('EINVAL', 'FAN_PRE_ACCESS needs FAN_CLASS_PRE_CONTENT');
    if (mask & FAN_FS_ERROR && markType !== FAN_MARK_FILESYSTEM) fail('EINVAL', 'FAN_FS_ERROR needs a filesystem mark');
    if (flags & FAN_MARK_EVICTABLE && markType !== FAN_MARK_INODE) fail('EINVAL', 'only inode marks can be evictable');
    const fidMode = group.fidMode;
    if (mask & ~(FANOTIFY_FD_EVENTS | FANOTIFY_MOUNT_EVENTS | FANOTIFY_EVENT_FLAGS) && (!fidMode || markType === FAN_MARK_MOUNT)) {
      fail('EINVAL', 'these events need a group reporting file handles and a non-mount mark');
    }
    if (mask & FAN_RENAME && !(fidMode & FAN_REPORT_NAME)) fail('EINVAL', 'FAN_RENAME needs FAN_REPORT_NAME');
    if (mask & FANOTIFY_PRE_CONTENT_EVENTS && mask & FAN_ONDIR) fail('EINVAL', 'no pre-content events on directories');
    const objectType = markType === FAN_MARK_MOUNT ? 'mount' : markType === FAN_MARK_FILESYSTEM ? 'sb' : 'inode';
    if (cmd === FAN_MARK_FLUSH) {
      destroyGroupMarks(group, objectType);
      return;
    }
    const lookupOpts = {
      follow: !(flags & FAN_MARK_DONT_FOLLOW),
      directory: (flags & FAN_MARK_ONLYDIR) !== 0,
      syscall: 'fanotify_mark',
      dirfd,
    };
    let target: FsPath;
    if (path === null) {
      if (!this.#source.lookupFd) throw sysError('EBADF', 'fanotify_mark', undefined, 'this source has no descriptors');
      target = this.#source.lookupFd(dirfd, lookupOpts);
    } else {
      target = this.#source.lookup(path, lookupOpts);
    }
    const inode = target.dentry.inode;
    if (cmd === FAN_MARK_ADD) {
      if (mask & FANOTIFY_PRE_CONTENT_EVENTS) throw sysError('EOPNOTSUPP', 'fanotify_mark', where, 'no pre-content events on this filesystem');
      const strict = (group.initFlags & FAN_REPORT_TARGET_FID) !== 0 || (mask & FAN_RENAME) !== 0 || (flags & FAN_MARK_IGNORE) !== 0;
      if (strict && markType === FAN_MARK_INODE && !inode.isDir() && mask & FANOTIFY_DIRONLY_EVENT_BITS) {
        fail('ENOTDIR', 'directory events on a non-directory');
      }
    }
    let fsid: readonly [number, number] | null = null;
    if (fidMode) {
      fsid = inode.sb.fsid ?? null;
      if (!fsid && markType !== FAN_MARK_INODE) fail('ENODEV', 'the filesystem has no fsid');
      if (!inode.sb.encodeFileHandle) throw sysError('EOPNOTSUPP', 'fanotify_mark', where, 'the filesystem cannot encode file handles');
    }
    const object: MarkableObject =
      objectType === 'mount' ? (target.mount as FsMount) : objectType === 'sb' ? (target.mount.sb as FsSuperBlock) : (inode as FsInode);
    if (cmd === FAN_MARK_ADD && ignore && !(flags & FAN_MARK_IGNORED_SURV_MODIFY)) {
      if (ignore === FAN_MARK_IGNORE && (objectType !== 'inode' || inode.isDir())) {
        if (objectType !== 'inode') fail('EINVAL', 'FAN_MARK_IGNORE on a mount or filesystem needs FAN_MARK_IGNORED_SURV_MODIFY');
        fail('EISDIR', 'FAN_MARK_IGNORE on a directory needs FAN_MARK_IGNORED_SURV_MODIFY');
      }
      // An ignore mask that a write would clear is not added while the file is open for write.
      if (objectType === 'inode' && inode.isOpenForWrite?.()) return;
    }
    if (objectType !== 'inode' || !inode.isDir()) {
      mask = (mask & ~FAN_EVENT_ON_CHILD) >>> 0;
      umask = FAN_EVENT_ON_CHILD;
      // DIR_FID groups ask for parent+name with every event on a non-directory (C6).
      if (fidMode & FAN_REPORT_DIR_FID && cmd === FAN_MARK_ADD && !ignore) mask = (mask | FAN_EVENT_ON_CHILD) >>> 0;
    }
    if (cmd === FAN_MARK_ADD) this.#addMark(object, mask, flags, fsid, where);
    else this.#removeMark(object, mask, flags, umask, where);
  }

  /** fanotify_add_mark() (F4). */
  #addMark(object: MarkableObject, mask: number, flags: number, fsid: readonly [number, number] | null, where: string | undefined): void {
    const group = this.#group;
    let mark = findMark<FanotifyMarkPriv>(object, group);
    if (!mark) {
      const charged = !(group.initFlags & FAN_UNLIMITED_MARKS);
      if (charged) chargeMark(group.source.limits, group.uid, where);
      mark = new Mark<FanotifyMarkPriv>(group, { fsid, charged });
      if (flags & FAN_MARK_EVICTABLE) mark.flags |= MARK_FLAG_NO_IREF;
      attachMark(mark, object);
    }
    const existing = (reason: string): never => {
      throw sysError('EEXIST', 'fanotify_mark', where, reason);
    };
    if (flags & FAN_MARK_EVICTABLE && !(mark.flags & MARK_FLAG_NO_IREF)) existing('a pinning mark cannot become evictable');
    if (flags & FAN_MARK_IGNORED_MASK && mark.flags & MARK_FLAG_HAS_IGNORE_FLAGS) existing('the mark uses FAN_MARK_IGNORE semantics');
    if (flags & FAN_MARK_IGNORE && !(flags & FAN_MARK_IGNORED_SURV_MODIFY) && mark.flags & MARK_FLAG_IGNORED_SURV_MODIFY) {
      existing('the ignore mask already survives modify');
    }
    if ((mask | mark.mask) & FANOTIFY_PRE_CONTENT_EVENTS && (mask | mark.mask) & FAN_ONDIR) existing('no pre-content events on directories');
    const ignore = flags & FANOTIFY_MARK_IGNORE_BITS;
    if (ignore === FAN_MARK_IGNORE) mark.flags |= MARK_FLAG_HAS_IGNORE_FLAGS;
    if (ignore && flags & FAN_MARK_IGNORED_SURV_MODIFY) mark.flags |= MARK_FLAG_IGNORED_SURV_MODIFY;
    if (!ignore) mark.mask = (mark.mask | mask) >>> 0;
    else mark.ignoreMask = (mark.ignoreMask | mask) >>> 0;
    if (!(flags & FAN_MARK_EVICTABLE)) mark.flags &= ~MARK_FLAG_NO_IREF;
    markChanged(mark);
  }

  /** fanotify_remove_mark() (F5): ENOENT without a mark; destroy it once only `umask` bits remain. */
  #removeMark(object: MarkableObject, mask: number, flags: number, umask: number, where: string | undefined): void {
    const mark = findMark<FanotifyMarkPriv>(object, this.#group);
    if (!mark) throw sysError('ENOENT', 'fanotify_mark', where, 'this group has no mark there');
    mask = (mask & ~umask) >>> 0;
    if (!(flags & FANOTIFY_MARK_IGNORE_BITS)) mark.mask = (mark.mask & ~mask) >>> 0;
    else mark.ignoreMask = (mark.ignoreMask & ~mask) >>> 0;
    markChanged(mark);
    if (!((mark.mask | mark.ignoreMask) & ~umask)) destroyMark(mark);
  }

  /**
   * read(2) as objects: up to `maxEvents` queued events, oldest first. In
   * descriptor mode each event carries a new descriptor the caller must
   * close. Throws EBADF (closed), EAGAIN (queue empty), or the error of
   * opening an event descriptor (the event is lost, as in the kernel;
   * FAN_REPORT_FD_ERROR reports it as a negative fd instead).
   */
  read(maxEvents = Infinity): FanotifyEvent[] {
    this.#checkOpen('read');
    const queue = this.#group.queue;
    if (queue.isEmpty()) throw sysError('EAGAIN', 'read');
    const out: FanotifyEvent[] = [];
    while (out.length < maxEvents) {
      const record = queue.shift();
      if (record === undefined) break;
      try {
        out.push(this.#toEvent(record));
      } catch (e) {
        if (out.length > 0) break;
        throw e;
      }
    }
    return out;
  }

  /**
   * read(2) as bytes: as many whole events as fit in `bufferSize`, in the
   * kernel's layout (24-byte metadata, then the info records; native
   * endian). Throws EBADF, EAGAIN, EINVAL (the first event does not fit).
   */
  readBytes(bufferSize: number): Buffer {
    this.#checkOpen('read');
    const queue = this.#group.queue;
    if (queue.isEmpty()) throw sysError('EAGAIN', 'read');
    const chunks: Buffer[] = [];
    let left = bufferSize;
    while (!queue.isEmpty()) {
      const size = this.#recordSize(queue.peek()!);
      if (size > left) {
        if (chunks.length === 0) throw sysError('EINVAL', 'read', undefined, `a ${bufferSize}-byte buffer cannot hold the next ${size}-byte event`);
        break;
      }
      let event: FanotifyEvent;
      try {
        event = this.#toEvent(queue.shift()!);
      } catch (e) {
        if (chunks.length > 0) break;
        throw e;
      }
      chunks.push(encodeFanotifyEvent(event));
      left -= size;
    }
    return Buffer.concat(chunks);
  }

  /** A blocking read(2): resolves once an event is queued ([] if the group is closed meanwhile). */
  async readAsync(maxEvents = Infinity): Promise<FanotifyEvent[]> {
    this.#checkOpen('read');
    while (this.#group.queue.isEmpty()) {
      await this.#waitQueued();
      if (this.#closed) return [];
    }
    return this.read(maxEvents);
  }

  /** Yields events one by one, waiting when the queue is empty, until close(). */
  async *[Symbol.asyncIterator](): AsyncGenerator<FanotifyEvent, void, undefined> {
    this.#checkOpen('read');
    for (;;) {
      if (this.#closed) return;
      if (this.#group.queue.isEmpty()) {
        await this.#waitQueued();
        continue;
      }
      for (const e of this.read(1)) yield e;
    }
  }

  /**
   * write(2) of a struct fanotify_response: answer the permission event read
   * with descriptor `fd` (or given as the event). `response` is 'allow',
   * 'deny', or FAN_ALLOW / FAN_DENY / FAN_DENY_ERRNO(e) (F14). Throws EBADF
   * (closed), EINVAL (bad response, fd < 0), ENOENT (no such pending event,
   * also for a second answer).
   */
  respond(target: number | FanotifyEvent, response: PermissionResponse): void {
    this.#checkOpen('write');
    const group = this.#group;
    const value = responseValue(response);
    const errno = (value >>> 24) & 0xff;
    const bad = (reason: string): never => {
      throw sysError('EINVAL', 'write', undefined, reason);
    };
    if (value & ~FANOTIFY_RESPONSE_VALID_MASK) bad('unknown response bits');
    const access = value & FANOTIFY_RESPONSE_ACCESS;
    if (access === FAN_ALLOW) {
      if (errno) bad('FAN_ALLOW carries no errno');
    } else if (access === FAN_DENY) {
      if (errno && group.priority !== 2) bad('a custom errno needs FAN_CLASS_PRE_CONTENT');
      const allowed = [0, ERRNO.EIO[0], ERRNO.EPERM[0], ERRNO.EBUSY[0], ERRNO.ETXTBSY[0], ERRNO.EAGAIN[0], ERRNO.ENOSPC[0], ERRNO.EDQUOT[0]];
      if (!allowed.includes(errno)) bad(`errno ${errno} cannot be returned`);
    } else {
      bad('the response must be exactly FAN_ALLOW or FAN_DENY');
    }
    if (value & FAN_AUDIT && !(group.initFlags & FAN_ENABLE_AUDIT)) bad('FAN_AUDIT needs FAN_ENABLE_AUDIT');
    const fd = typeof target === 'number' ? target : target.fd;
    if (fd < 0) bad(`fd ${fd}`);
    const record = group.accessList.find((r) => r.perm?.fd === fd);
    if (!record) throw sysError('ENOENT', 'write', undefined, `no permission event pending with fd ${fd}`);
    finishPermission(group, record, value);
  }

  /** ioctl(FIONREAD): the bytes a read of the whole queue would return. */
  get queuedBytes(): number {
    this.#checkOpen('ioctl');
    let n = 0;
    for (const record of this.#group.queue) n += this.#recordSize(record);
    return n;
  }

  /**
   * The group's lines of /proc/<pid>/fdinfo/<fd> (F20): the init flags, then
   * one line per mark (inode, mount, filesystem).
   */
  fdinfo(): string[] {
    this.#checkOpen('fdinfo');
    const g = this.#group;
    const lines = [`fanotify flags:${hex(g.initFlags)} event-flags:${hex(g.eventFFlags)}`];
    for (const mark of g.marks) {
      let mflags = 0;
      if (mark.flags & MARK_FLAG_IGNORED_SURV_MODIFY) mflags |= FAN_MARK_IGNORED_SURV_MODIFY;
      if (mark.flags & MARK_FLAG_NO_IREF) mflags |= FAN_MARK_EVICTABLE;
      if (mark.flags & MARK_FLAG_HAS_IGNORE_FLAGS) mflags |= FAN_MARK_IGNORE;
      const masks = `mflags:${hex(mflags)} mask:${hex(mark.mask)} ignored_mask:${hex(mark.ignoreMask)}`;
      const o = mark.object;
      if (o?.objectType === 'inode') {
        const inode = o as FsInode;
        const fh = inode.sb.encodeFileHandle?.(inode);
        const dev = (inode.sb as { readonly dev?: unknown }).dev;
        lines.push(
          `fanotify ino:${hex(inode.ino)} sdev:${hex(typeof dev === 'number' ? dev : 0)} ${masks}` +
            (fh ? ` fhandle-bytes:${hex(fh.bytes.length)} fhandle-type:${hex(fh.type)} f_handle:${Buffer.from(fh.bytes).toString('hex')}` : ''),
        );
      } else if (o?.objectType === 'mount') {
        lines.push(`fanotify mnt_id:${hex(idOfMount(o))} ${masks}`);
      } else if (o) {
        const dev = (o as { readonly dev?: unknown }).dev;
        lines.push(`fanotify sdev:${hex(typeof dev === 'number' ? dev : 0)} ${masks}`);
      }
    }
    return lines;
  }

  /**
   * close(2) (F15): stop queueing, answer FAN_ALLOW to every pending
   * permission event, drop the queue, destroy the marks, uncharge the group.
   * Throws EBADF when already closed.
   */
  close(): void {
    this.#checkOpen('close');
    this.#closed = true;
    const g = this.#group;
    releasePermissionEvents(g);
    g.mergeIndex.clear();
    g.destroy();
    unchargeGroup(g.source.limits, g.uid);
    this.#wakeReaders();
  }

  /** A record leaving the queue becomes what read(2) shows; descriptor and access-list work happens here. */
  #toEvent(record: FanotifyRecord): FanotifyEvent {
    const group = this.#group;
    group.unindex(record);
    if (record.kind === 'overflow') {
      const fd = group.initFlags & FAN_REPORT_FD_ERROR ? -ERRNO.EBADF[0] : FAN_NOFD;
      return { mask: FAN_Q_OVERFLOW, fd, pid: 0, info: this.#pidfdInfo() };
    }
    let fd = FAN_NOFD;
    if (record.path && !group.unprivileged) {
      try {
        fd = this.#source.openEventFile!(record.path, group.eventFFlags);
      } catch (e) {
        group.release(record);
        if (!isSystemError(e) || !(group.initFlags & FAN_REPORT_FD_ERROR)) {
          if (record.perm) finishPermission(group, record, FAN_DENY);
          throw e;
        }
        fd = -ERRNO[e.code][0];
      }
    }
    group.release(record);
    if (record.perm) {
      if (fd < 0) finishPermission(group, record, FAN_DENY);
      else if (record.perm.state === 'queued') {
        record.perm.state = 'reported';
        record.perm.fd = fd;
        group.accessList.push(record);
      }
    }
    const readerPid = this.#source.pid ?? 0;
    const pid = group.unprivileged && record.pid !== readerPid ? 0 : record.pid;
    return { mask: (record.mask & FANOTIFY_OUTGOING_EVENTS) >>> 0, fd, pid, info: this.#infoRecords(record) };
  }

  /** copy_info_records_to_user(): the records in kernel order (F10, F11). */
  #infoRecords(record: FanotifyRecord): FanotifyInfo[] {
    const out: FanotifyInfo[] = [];
    const fidMode = this.#group.fidMode;
    const fsid = record.fsid ?? [0, 0];
    let infoType = 0;
    if (record.hasDirFh) {
      infoType = record.name !== null ? FAN_EVENT_INFO_TYPE_DFID_NAME : FAN_EVENT_INFO_TYPE_DFID;
      if (record.mask & FAN_RENAME) infoType = FAN_EVENT_INFO_TYPE_OLD_DFID_NAME;
      out.push({ type: infoType, fsid, handle: record.dirFh ?? INVALID_HANDLE, name: record.name });
    }
    if (record.hasDir2Fh) {
      infoType = FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;
      out.push({ type: infoType, fsid, handle: record.dir2Fh ?? INVALID_HANDLE, name: record.name2 });
    }
    if (record.hasObjectFh) {
      let type: number;
      let name: string | null = null;
      if (fidMode === FAN_REPORT_FID || infoType) type = FAN_EVENT_INFO_TYPE_FID;
      else if (fidMode & FAN_REPORT_NAME && record.mask & FAN_ONDIR) {
        type = FAN_EVENT_INFO_TYPE_DFID_NAME;
        name = '.';
      } else if (record.mask & FANOTIFY_DIRENT_EVENTS || record.mask & FAN_ONDIR) type = FAN_EVENT_INFO_TYPE_DFID;
      else type = FAN_EVENT_INFO_TYPE_FID;
      out.push({ type, fsid, handle: record.objectFh ?? INVALID_HANDLE, name });
    }
    out.push(...this.#pidfdInfo());
    return out;
  }

  #pidfdInfo(): FanotifyPidfdInfo[] {
    if (!(this.#group.initFlags & FAN_REPORT_PIDFD)) return [];
    // No pidfds on this source: "other error" (FAN_EPIDFD), or -ENOSYS with FD_ERROR.
    const pidfd = this.#group.initFlags & FAN_REPORT_FD_ERROR ? -ERRNO.ENOSYS[0] : FAN_EPIDFD;
    return [{ type: FAN_EVENT_INFO_TYPE_PIDFD, pidfd }];
  }

  /** fanotify_event_len(): the bytes a record takes in a read buffer. */
  #recordSize(record: FanotifyRecord): number {
    if (record.kind === 'overflow') return FAN_EVENT_METADATA_LEN + this.#pidfdInfo().length * 8;
    let n = FAN_EVENT_METADATA_LEN;
    for (const info of this.#infoRecords(record)) n += infoLength(info);
    return n;
  }

  #closeEventFd(fd: number): void {
    this.#source.closeEventFile?.(fd);
  }

  #checkOpen(syscall: string, path?: string): void {
    if (this.#closed) throw sysError('EBADF', syscall, path, 'the fanotify group is closed');
  }

  #waitQueued(): Promise<void> {
    return this.#waiters.wait();
  }

  #wakeReaders(): void {
    this.#waiters.wake(true);
  }

  /** For debugging: `Fanotify(open, 2 marks, 3 queued)`. */
  toString(): string {
    if (this.#closed) return 'Fanotify(closed)';
    return `Fanotify(open, ${this.#group.marks.size} marks, ${this.#group.queue.length} queued)`;
  }
}

const INVALID_HANDLE: FileHandle = { type: FILEID_INVALID, bytes: new Uint8Array(0) };

let nextMountId = 1;
const mountIds = new WeakMap<object, number>();
function idOfMount(o: object): number {
  let id = mountIds.get(o);
  if (id === undefined) mountIds.set(o, (id = nextMountId++));
  return id;
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}
