/**
 * The inotify user API (fs/notify/inotify/inotify_user.c) over any Source:
 * inotify_init1, inotify_add_watch, inotify_rm_watch, read(2) as objects or
 * as the kernel's exact bytes, FIONREAD, INOTIFY_IOC_SETNEXTWD, fdinfo, and
 * a promise / async-iterator form of a blocking read.
 *
 * Invariants:
 * - argument checks run before any side effect, in the kernel's order, so a
 *   bad call fails with the kernel's errno (SEMANTICS §5.2 I2);
 * - every public call on a closed instance fails with EBADF;
 * - events are delivered synchronously into the queue by the source's
 *   operation; readers waiting in readAsync() / async iteration are woken
 *   through the queue's `onQueued` hook, installed only while one waits,
 *   and read in a later microtask, so one operation's events arrive together;
 * - a failure of the source (GroupOps.sourceError) is thrown once by the next
 *   read, readAsync or iteration step; the IN_IGNORED of the watches it took
 *   down follow in the queue.
 */
import type { FsInode, Source } from '../core/index.js';
import { attachMark, destroyMark, findMark, Mark, markChanged, ReadWaiters } from '../core/index.js';
import { sysError } from '../errors.js';
import {
  ALL_INOTIFY_BITS,
  IN_CLOEXEC,
  IN_DONT_FOLLOW,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_NONBLOCK,
  IN_ALL_EVENTS,
  IN_ONLYDIR,
  IN_Q_OVERFLOW,
  INOTIFY_EVENT_HEADER_SIZE,
  inotifyArgToFlags,
  inotifyArgToMask,
  inotifyMarkUserMask,
  inotifyMaskToArg,
  inotifyMaskToNames,
  MARK_FLAGS_INOTIFY,
} from './constants.js';
import { chargeInstance, chargeWatch, queueLimit, unchargeInstance, unchargeWatch } from './limits.js';
import type { InotifyRecord } from './ops.js';
import { INT_MAX, InotifyGroup } from './ops.js';

/** One event as read(2) returns it. `name` is '' when the record has none (len 0). */
export interface InotifyEvent {
  readonly wd: number;
  readonly mask: number;
  readonly cookie: number;
  readonly name: string;
}

/** A live watch, as watches() lists it. `mask` is the fdinfo mask (events plus IN_ONESHOT/IN_EXCL_UNLINK). */
export interface InotifyWatchInfo {
  readonly wd: number;
  readonly mask: number;
  readonly inode: FsInode;
}

export interface InotifyInitOptions {
  /** Where paths are resolved and who is charged for the instance and its watches. */
  source: Source;
  /** IN_CLOEXEC | IN_NONBLOCK; anything else is EINVAL. */
  flags?: number;
  /** Queue limit; default: the source's fs.inotify.max_queued_events, read now. */
  maxQueuedEvents?: number;
}

const CREATE = Symbol('inotifyInit');

/**
 * inotify_init1(): a new instance on `source`. Throws EINVAL for unknown
 * flags or a bad maxQueuedEvents, EMFILE when the user has
 * fs.inotify.max_user_instances instances already.
 */
export function inotifyInit(opts: InotifyInitOptions): Inotify {
  const flags = opts.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xffffffff || flags & ~(IN_CLOEXEC | IN_NONBLOCK)) {
    throw sysError('EINVAL', 'inotify_init1', undefined, `unknown flags 0x${(flags >>> 0).toString(16)}`);
  }
  const { source } = opts;
  const maxEvents = queueLimit(source.limits, opts.maxQueuedEvents);
  chargeInstance(source.limits, source.uid);
  return new Inotify(CREATE, source, flags, maxEvents);
}

/** One inotify instance (an inotify file descriptor). Create it with inotifyInit(). */
export class Inotify {
  /** The inotify_init1 flags (IN_CLOEXEC, IN_NONBLOCK); informational. */
  readonly flags: number;
  readonly #source: Source;
  readonly #group: InotifyGroup;
  #closed = false;
  /** Resolves the promise pending readers wait on; null when nobody waits. */
  readonly #waiters = new ReadWaiters();
  readonly #onQueued = (): void => this.#wakeReaders();

  /** @internal use inotifyInit(). */
  constructor(token: typeof CREATE, source: Source, flags: number, maxEvents: number) {
    if (token !== CREATE) throw new TypeError('use inotifyInit() to create an inotify instance');
    this.flags = flags;
    this.#source = source;
    this.#group = new InotifyGroup(source.limits, source.uid, maxEvents);
  }

  /** True once close() ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * inotify_add_watch(): watch the inode `path` resolves to and return its wd
   * (the existing wd if this instance already watches that inode). Throws
   * EINVAL (bad or empty mask, IN_MASK_ADD with IN_MASK_CREATE), EBADF
   * (closed), the source's lookup errors (ENOENT, ENOTDIR, EACCES, ELOOP, …),
   * EEXIST (IN_MASK_CREATE on a watched inode), ENOSPC (watch limit).
   */
  addWatch(path: string, mask: number): number {
    if (!Number.isInteger(mask) || mask < -0x80000000 || mask > 0xffffffff) {
      throw sysError('EINVAL', 'inotify_add_watch', path, `mask ${mask} is not a 32-bit integer`);
    }
    const arg = mask >>> 0;
    const unknown = (arg & ~ALL_INOTIFY_BITS) >>> 0;
    if (unknown !== 0) {
      const reason = `mask has bits outside ALL_INOTIFY_BITS: 0x${unknown.toString(16)}`;
      throw sysError('EINVAL', 'inotify_add_watch', path, reason);
    }
    if (arg === 0) throw sysError('EINVAL', 'inotify_add_watch', path, 'mask is 0');
    this.#checkOpen('inotify_add_watch', path);
    if (arg & IN_MASK_ADD && arg & IN_MASK_CREATE) {
      throw sysError('EINVAL', 'inotify_add_watch', path, 'IN_MASK_ADD and IN_MASK_CREATE exclude each other');
    }
    const target = this.#source.lookup(path, {
      follow: !(arg & IN_DONT_FOLLOW),
      directory: (arg & IN_ONLYDIR) !== 0,
      syscall: 'inotify_add_watch',
      mask: arg & IN_ALL_EVENTS,
    });
    const inode = target.dentry.inode;
    const existing = findMark<number>(inode, this.#group);
    if (existing) return this.#updateWatch(existing, inode, arg, path);
    return this.#newWatch(inode, arg, path);
  }

  /** inotify_update_existing_watch() (I3): replace, or OR with IN_MASK_ADD, the mask and the flags. */
  #updateWatch(mark: Mark<number>, inode: FsInode, arg: number, path: string): number {
    if (arg & IN_MASK_CREATE) throw sysError('EEXIST', 'inotify_add_watch', path, `already watched as wd ${mark.priv}`);
    const oldMask = mark.mask;
    if (!(arg & IN_MASK_ADD)) {
      mark.mask = 0;
      mark.flags &= ~MARK_FLAGS_INOTIFY;
    }
    mark.mask = (mark.mask | inotifyArgToMask(arg, inode.isDir())) >>> 0;
    mark.flags |= inotifyArgToFlags(arg);
    if (mark.mask !== oldMask) markChanged(mark);
    return mark.priv;
  }

  /** inotify_new_watch() (I4): wd first, then the watch limit, then attach. */
  #newWatch(inode: FsInode, arg: number, path: string): number {
    const group = this.#group;
    const mark = new Mark<number>(group, -1);
    mark.mask = inotifyArgToMask(arg, inode.isDir());
    mark.flags = inotifyArgToFlags(arg);
    // The wd is taken before the limit check: a failed add burns it.
    const wd = group.allocWd(mark, path);
    mark.priv = wd;
    try {
      chargeWatch(group.limits, group.uid, path);
    } catch (e) {
      group.idr.delete(wd);
      throw e;
    }
    try {
      attachMark(mark, inode);
    } catch (e) {
      group.idr.delete(wd);
      unchargeWatch(group.limits, group.uid);
      throw e;
    }
    return wd;
  }

  /**
   * inotify_rm_watch(): remove watch `wd`; IN_IGNORED is queued for it.
   * Throws EBADF (closed), EINVAL (wd not live in this instance).
   */
  rmWatch(wd: number): void {
    this.#checkOpen('inotify_rm_watch');
    const mark = Number.isInteger(wd) ? this.#group.idr.get(wd) : undefined;
    if (!mark) throw sysError('EINVAL', 'inotify_rm_watch', undefined, `no watch with wd ${wd}`);
    destroyMark(mark);
  }

  /**
   * ioctl(INOTIFY_IOC_SETNEXTWD): the next wd allocated is the smallest free
   * one ≥ `wd`. Throws EBADF (closed), EINVAL (wd outside 1..INT_MAX).
   */
  setNextWd(wd: number): void {
    this.#checkOpen('ioctl');
    if (!Number.isInteger(wd) || wd < 1 || wd > INT_MAX) {
      throw sysError('EINVAL', 'ioctl', undefined, `INOTIFY_IOC_SETNEXTWD needs 1..${INT_MAX}, got ${wd}`);
    }
    this.#group.setCursor(wd);
  }

  /**
   * read(2) as objects: remove and return up to `maxEvents` queued events
   * (all by default), oldest first. Throws EBADF (closed), EINVAL (maxEvents
   * not a positive integer), EAGAIN (queue empty), or once the error of a
   * failed source (see GroupOps.sourceError).
   */
  read(maxEvents = Infinity): InotifyEvent[] {
    this.#checkOpen('read');
    checkMaxEvents(maxEvents);
    this.#throwSourceError();
    const queue = this.#group.queue;
    if (queue.isEmpty()) throw sysError('EAGAIN', 'read');
    const out: InotifyEvent[] = [];
    while (out.length < maxEvents) {
      const record = queue.shift();
      if (record === undefined) break;
      out.push(this.#toEvent(record));
    }
    return out;
  }

  /**
   * read(2) as bytes: as many whole records as fit in `bufferSize` bytes, in
   * the kernel's layout (s32 wd, u32 mask, u32 cookie, u32 len, name NUL
   * padded to len; native endian). Throws EBADF (closed), EAGAIN (queue
   * empty), EINVAL (the first record does not fit, or a bad size).
   */
  readBytes(bufferSize: number): Buffer {
    this.#checkOpen('read');
    if (!Number.isInteger(bufferSize) || bufferSize < 0) {
      throw sysError('EINVAL', 'read', undefined, `bad buffer size ${bufferSize}`);
    }
    this.#throwSourceError();
    const queue = this.#group.queue;
    if (queue.isEmpty()) throw sysError('EAGAIN', 'read');
    let size = 0;
    let count = 0;
    for (let i = 0; i < queue.length; i++) {
      const recordSize = INOTIFY_EVENT_HEADER_SIZE + nameLen(queue.at(i)!.name);
      if (size + recordSize > bufferSize) {
        if (count === 0) {
          const reason = `a ${bufferSize}-byte buffer cannot hold the next ${recordSize}-byte event`;
          throw sysError('EINVAL', 'read', undefined, reason);
        }
        break;
      }
      size += recordSize;
      count++;
    }
    const buf = Buffer.alloc(size);
    let offset = 0;
    for (let i = 0; i < count; i++) offset = encodeEvent(this.#toEvent(queue.shift()!), buf, offset);
    return buf;
  }

  /** ioctl(FIONREAD): the bytes a read(2) of the whole queue would return. Throws EBADF (closed). */
  get queuedBytes(): number {
    this.#checkOpen('ioctl');
    let bytes = 0;
    for (const record of this.#group.queue) bytes += INOTIFY_EVENT_HEADER_SIZE + nameLen(record.name);
    return bytes;
  }

  /**
   * A blocking read(2): resolves with the queued events (up to `maxEvents`)
   * as soon as at least one is queued, or with [] when the instance is
   * closed meanwhile. Rejects with EBADF (already closed), EINVAL (maxEvents).
   */
  async readAsync(maxEvents = Infinity): Promise<InotifyEvent[]> {
    this.#checkOpen('read');
    checkMaxEvents(maxEvents);
    while (this.#group.queue.isEmpty() && this.#group.error === null) {
      await this.#waitQueued();
      if (this.#closed) return [];
    }
    return this.read(maxEvents);
  }

  /** Yields events one by one, waiting when the queue is empty, until close(). Throws EBADF if already closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<InotifyEvent, void, undefined> {
    this.#checkOpen('read');
    const queue = this.#group.queue;
    for (;;) {
      if (this.#closed) return;
      this.#throwSourceError();
      const record = queue.shift();
      if (record !== undefined) yield this.#toEvent(record);
      else await this.#waitQueued();
    }
  }

  /**
   * The instance's lines of /proc/<pid>/fdinfo/<fd>, most recent watch
   * first (`inotify wd:1 ino:2a sdev:0 mask:2 ignored_mask:0`; no file
   * handle fields). sdev is the superblock's `dev` when the source has one,
   * else 0. Throws EBADF (closed).
   */
  fdinfo(): string[] {
    this.#checkOpen('fdinfo');
    const lines: string[] = [];
    for (const mark of this.#group.marks) {
      const inode = mark.object as FsInode;
      const dev = (inode.sb as { readonly dev?: unknown }).dev;
      const sdev = typeof dev === 'number' ? dev : 0;
      lines.push(
        `inotify wd:${hex(mark.priv as number)} ino:${hex(inode.ino)} sdev:${hex(sdev)} ` +
          `mask:${hex(inotifyMarkUserMask(mark))} ignored_mask:0`,
      );
    }
    return lines.reverse();
  }

  /** The live watches, by wd. Throws EBADF (closed). */
  watches(): InotifyWatchInfo[] {
    this.#checkOpen('watches');
    const out: InotifyWatchInfo[] = [];
    for (const [wd, mark] of this.#group.idr) {
      out.push({ wd, mask: inotifyMarkUserMask(mark), inode: mark.object as FsInode });
    }
    return out.sort((a, b) => a.wd - b.wd);
  }

  /**
   * close(2): destroy the group (its watches go without IN_IGNORED, queued
   * events are dropped), uncharge the instance, end pending reads and
   * iterations. Throws EBADF when already closed.
   */
  close(): void {
    this.#checkOpen('close');
    this.#closed = true;
    this.#group.destroy();
    unchargeInstance(this.#group.limits, this.#group.uid);
    this.#wakeReaders();
  }

  /** A record leaving the queue becomes what read(2) shows. */
  #toEvent(record: InotifyRecord): InotifyEvent {
    if (record === this.#group.queue.overflowEvent) return { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: '' };
    record.mask = inotifyMaskToArg(record.mask);
    return record;
  }

  /** A failure of the source (host reader crashed, …) is thrown once, by the next read. */
  #throwSourceError(): void {
    const error = this.#group.error;
    if (error === null) return;
    this.#group.error = null;
    throw error;
  }

  #checkOpen(syscall: string, path?: string): void {
    if (this.#closed) throw sysError('EBADF', syscall, path, 'the inotify instance is closed');
  }

  #waitQueued(): Promise<void> {
    // The queue calls back only while someone waits: queueing stays free otherwise.
    if (!this.#waiters.pending) this.#group.queue.onQueued = this.#onQueued;
    return this.#waiters.wait();
  }

  #wakeReaders(): void {
    if (this.#waiters.wake()) this.#group.queue.onQueued = null;
  }

  /** For debugging: `Inotify(open, 2 watches, 3 queued)`. */
  toString(): string {
    if (this.#closed) return 'Inotify(closed)';
    return `Inotify(open, ${this.#group.idr.size} watches, ${this.#group.queue.length} queued)`;
  }
}

// ---------------------------------------------------------------- the record layout (I10)

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** len of a record: 0 without a name, else strlen+1 rounded up to 16. */
function nameLen(name: string): number {
  if (name === '') return 0;
  return (Buffer.byteLength(name, 'utf8') + 1 + 15) & ~15;
}

/** Bytes one event takes in a read(2) buffer (FIONREAD counts the same). */
export function inotifyEventSize(event: InotifyEvent): number {
  return INOTIFY_EVENT_HEADER_SIZE + nameLen(event.name);
}

/** Write one record at `offset` into a zero-filled buffer; return the next offset. */
function encodeEvent(event: InotifyEvent, buf: Buffer, offset: number): number {
  const len = nameLen(event.name);
  if (LITTLE_ENDIAN) {
    buf.writeInt32LE(event.wd, offset);
    buf.writeUInt32LE(event.mask >>> 0, offset + 4);
    buf.writeUInt32LE(event.cookie >>> 0, offset + 8);
    buf.writeUInt32LE(len, offset + 12);
  } else {
    buf.writeInt32BE(event.wd, offset);
    buf.writeUInt32BE(event.mask >>> 0, offset + 4);
    buf.writeUInt32BE(event.cookie >>> 0, offset + 8);
    buf.writeUInt32BE(len, offset + 12);
  }
  if (len !== 0) buf.write(event.name, offset + INOTIFY_EVENT_HEADER_SIZE, 'utf8');
  return offset + INOTIFY_EVENT_HEADER_SIZE + len;
}

/** Encode events in the read(2) layout (what readBytes() returns for them). */
export function encodeEvents(events: readonly InotifyEvent[]): Buffer {
  let size = 0;
  for (const e of events) size += inotifyEventSize(e);
  const buf = Buffer.alloc(size);
  let offset = 0;
  for (const e of events) offset = encodeEvent(e, buf, offset);
  return buf;
}

/**
 * Decode a read(2) buffer into events (names end at their first NUL).
 * Throws a RangeError on a truncated record.
 */
export function decodeEvents(buf: Uint8Array): InotifyEvent[] {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: InotifyEvent[] = [];
  let offset = 0;
  while (offset < b.length) {
    if (offset + INOTIFY_EVENT_HEADER_SIZE > b.length) {
      throw new RangeError(`truncated inotify record header at offset ${offset}`);
    }
    const wd = LITTLE_ENDIAN ? b.readInt32LE(offset) : b.readInt32BE(offset);
    const mask = LITTLE_ENDIAN ? b.readUInt32LE(offset + 4) : b.readUInt32BE(offset + 4);
    const cookie = LITTLE_ENDIAN ? b.readUInt32LE(offset + 8) : b.readUInt32BE(offset + 8);
    const len = LITTLE_ENDIAN ? b.readUInt32LE(offset + 12) : b.readUInt32BE(offset + 12);
    const start = offset + INOTIFY_EVENT_HEADER_SIZE;
    if (start + len > b.length) throw new RangeError(`truncated inotify record name at offset ${offset}`);
    let end = start;
    while (end < start + len && b[end] !== 0) end++;
    out.push({ wd, mask, cookie, name: b.toString('utf8', start, end) });
    offset = start + len;
  }
  return out;
}

/** `wd 1 IN_CREATE|IN_ISDIR "sub"` (cookie shown when non-zero), for logs and test failures. */
export function formatInotifyEvent(event: InotifyEvent): string {
  let s = `wd ${event.wd} ${inotifyMaskToNames(event.mask)}`;
  if (event.cookie !== 0) s += ` cookie ${event.cookie}`;
  if (event.name !== '') s += ` ${JSON.stringify(event.name)}`;
  return s;
}

function checkMaxEvents(maxEvents: number): void {
  if (maxEvents !== Infinity && (!Number.isInteger(maxEvents) || maxEvents < 1)) {
    throw sysError('EINVAL', 'read', undefined, `maxEvents must be a positive integer, got ${maxEvents}`);
  }
}

function hex(n: number): string {
  return (n >>> 0).toString(16);
}
