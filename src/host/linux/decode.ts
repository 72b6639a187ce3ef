/**
 * Decoders for the bytes read(2) returns from an inotify or fanotify fd
 * (inotify(7) "Reading events", fanotify(7) "Reading fanotify events";
 * include/uapi/linux/inotify.h, fanotify.h). Pure functions, no native code.
 *
 * Invariants: the kernel only ever hands out whole records, so a record that
 * runs past the end of the buffer, a zero-length fanotify record or an
 * unknown metadata version means the bytes are not what read(2) returned;
 * that is reported as a SystemError (EIO, syscall `read`) naming the byte
 * offset, never silently skipped. Layouts are native-endian; the host layer
 * only runs on little-endian Linux (see ffi.ts).
 */
import { SystemError } from '../../errors.js';
import {
  FAN_EVENT_INFO_TYPE_DFID,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_ERROR,
  FAN_EVENT_INFO_TYPE_FID,
  FAN_EVENT_INFO_TYPE_MNT,
  FAN_EVENT_INFO_TYPE_NEW_DFID_NAME,
  FAN_EVENT_INFO_TYPE_OLD_DFID_NAME,
  FAN_EVENT_INFO_TYPE_PIDFD,
  FAN_EVENT_INFO_TYPE_RANGE,
  FAN_EVENT_METADATA_LEN,
  FANOTIFY_METADATA_VERSION,
  INOTIFY_EVENT_HEADER_SIZE,
} from './constants.js';

/** How a file name's bytes become a string: `utf8` (lossy on invalid bytes) or `latin1` (one char per byte, lossless). */
export type NameEncoding = 'utf8' | 'latin1';

/** One `struct inotify_event`. */
export interface InotifyRecord {
  /** Watch descriptor; -1 for IN_Q_OVERFLOW. */
  wd: number;
  /** Event bits, unsigned 32-bit. */
  mask: number;
  /** Rename cookie pairing IN_MOVED_FROM with IN_MOVED_TO; 0 otherwise. */
  cookie: number;
  /** The entry name for events reported to a directory watch; '' when `len` is 0. */
  name: string;
}

function asBuffer(data: Uint8Array | ArrayBuffer): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function corrupt(what: string, offset: number, total: number): SystemError {
  return new SystemError('EIO', { syscall: 'read', reason: `${what} at byte ${offset} of ${total}` });
}

/** The bytes [start, end) up to the first NUL, as a string, without slicing a Buffer. */
function cString(buf: Buffer, start: number, end: number, encoding: NameEncoding): string {
  let nul = buf.indexOf(0, start);
  if (nul < 0 || nul > end) nul = end;
  return buf.toString(encoding, start, nul);
}

/**
 * Decode every inotify record in `data` (the bytes of one or more read(2)
 * calls, concatenated), in kernel order. Throws EIO on a truncated record.
 */
export function decodeInotify(data: Uint8Array | ArrayBuffer, encoding: NameEncoding = 'utf8'): InotifyRecord[] {
  let buf = asBuffer(data);
  if ((buf.byteOffset & 3) !== 0) {
    // Headers are read through an Int32Array (twice as fast as readInt32LE), which needs 4-byte alignment.
    const aligned = Buffer.allocUnsafeSlow(buf.length);
    buf.copy(aligned);
    buf = aligned;
  }
  const words = new Int32Array(buf.buffer, buf.byteOffset, buf.length >> 2);
  const total = buf.length;
  const records: InotifyRecord[] = [];
  let off = 0;
  while (off < total) {
    if (off + INOTIFY_EVENT_HEADER_SIZE > total) throw corrupt('truncated inotify header', off, total);
    const q = off >> 2; // records start at multiples of 16
    const len = (words[q + 3] as number) >>> 0;
    const start = off + INOTIFY_EVENT_HEADER_SIZE;
    const end = start + len;
    if (end > total) throw corrupt(`inotify name of ${len} bytes runs past the end`, off, total);
    if ((len & 3) !== 0) throw corrupt(`inotify len ${len} is not padded (the kernel pads to 16)`, off, total);
    records.push({
      wd: words[q] as number,
      mask: (words[q + 1] as number) >>> 0,
      cookie: (words[q + 2] as number) >>> 0,
      name: len === 0 ? '' : cString(buf, start, end, encoding),
    });
    off = end;
  }
  return records;
}

// ---------------------------------------------------------------- fanotify

/** The info types that carry a `fanotify_event_info_fid` body. */
export type FidInfoType =
  | typeof FAN_EVENT_INFO_TYPE_FID
  | typeof FAN_EVENT_INFO_TYPE_DFID_NAME
  | typeof FAN_EVENT_INFO_TYPE_DFID
  | typeof FAN_EVENT_INFO_TYPE_OLD_DFID_NAME
  | typeof FAN_EVENT_INFO_TYPE_NEW_DFID_NAME;

/** FID, DFID, DFID_NAME, OLD_DFID_NAME, NEW_DFID_NAME: a filesystem id, a file handle, maybe a name. */
export interface FanotifyFidInfo {
  kind: 'fid';
  infoType: FidInfoType;
  /** `__kernel_fsid_t val[2]`, each read as unsigned 32-bit. */
  fsid: readonly [number, number];
  /** `file_handle.handle_type` (FILEID_INVALID = 0xff when it could not be encoded). */
  handleType: number;
  /** The `f_handle` bytes (a copy: safe to keep after the read buffer is reused). */
  handle: Buffer;
  /** The entry name for the *_NAME types ('.' for an event on the directory itself); null otherwise. */
  name: string | null;
}

export interface FanotifyPidfdInfo {
  kind: 'pidfd';
  infoType: typeof FAN_EVENT_INFO_TYPE_PIDFD;
  /** A pidfd the reader must close, FAN_NOPIDFD (-1), FAN_EPIDFD (-2), or -errno with FAN_REPORT_FD_ERROR. */
  pidfd: number;
}

export interface FanotifyErrorInfo {
  kind: 'error';
  infoType: typeof FAN_EVENT_INFO_TYPE_ERROR;
  /** The first error (positive errno) seen since the event was queued. */
  error: number;
  errorCount: number;
}

export interface FanotifyRangeInfo {
  kind: 'range';
  infoType: typeof FAN_EVENT_INFO_TYPE_RANGE;
  offset: bigint;
  count: bigint;
}

export interface FanotifyMntInfo {
  kind: 'mnt';
  infoType: typeof FAN_EVENT_INFO_TYPE_MNT;
  /** The 64-bit unique mount id. */
  mntId: bigint;
}

/** A record type this decoder does not know (a newer kernel): its raw body after the 4-byte header. */
export interface FanotifyUnknownInfo {
  kind: 'unknown';
  infoType: number;
  bytes: Buffer;
}

export type FanotifyInfo =
  | FanotifyFidInfo
  | FanotifyPidfdInfo
  | FanotifyErrorInfo
  | FanotifyRangeInfo
  | FanotifyMntInfo
  | FanotifyUnknownInfo;

/** One `struct fanotify_event_metadata` with its info records. */
export interface FanotifyEvent {
  /** Total length of this event, metadata and info records. */
  eventLen: number;
  /** Always FANOTIFY_METADATA_VERSION (3). */
  vers: number;
  metadataLen: number;
  /** The 64-bit event mask as a number (all 6.18 bits are in the low 32; exact below 2^53). */
  mask: number;
  /** An open fd the reader must close (fd mode), FAN_NOFD (-1), or -errno with FAN_REPORT_FD_ERROR. */
  fd: number;
  /** The tgid (or tid with FAN_REPORT_TID) that caused the event; 0 when hidden or for overflow. */
  pid: number;
  /** Info records in kernel order. */
  info: FanotifyInfo[];
}

/**
 * Decode every fanotify event in `data`, in kernel order. File names are
 * decoded with `encoding`. Throws EIO on a truncated or zero-length record,
 * or on a metadata version other than 3.
 */
export function decodeFanotify(data: Uint8Array | ArrayBuffer, encoding: NameEncoding = 'utf8'): FanotifyEvent[] {
  const buf = asBuffer(data);
  const total = buf.length;
  const events: FanotifyEvent[] = [];
  let off = 0;
  while (off < total) {
    if (off + FAN_EVENT_METADATA_LEN > total) throw corrupt('truncated fanotify metadata', off, total);
    const eventLen = buf.readUInt32LE(off);
    const vers = buf.readUInt8(off + 4);
    const metadataLen = buf.readUInt16LE(off + 6);
    if (vers !== FANOTIFY_METADATA_VERSION) throw corrupt(`fanotify metadata version ${vers}, expected ${FANOTIFY_METADATA_VERSION}`, off, total);
    if (metadataLen < FAN_EVENT_METADATA_LEN || eventLen < metadataLen) throw corrupt(`fanotify event_len ${eventLen} / metadata_len ${metadataLen}`, off, total);
    const end = off + eventLen;
    if (end > total) throw corrupt(`fanotify event of ${eventLen} bytes runs past the end`, off, total);
    const lo = buf.readUInt32LE(off + 8);
    const hi = buf.readUInt32LE(off + 12);
    events.push({
      eventLen,
      vers,
      metadataLen,
      mask: hi * 0x1_0000_0000 + lo,
      fd: buf.readInt32LE(off + 16),
      pid: buf.readInt32LE(off + 20),
      info: decodeInfoRecords(buf, off + metadataLen, end, encoding, total),
    });
    off = end;
  }
  return events;
}

function decodeInfoRecords(buf: Buffer, start: number, end: number, encoding: NameEncoding, total: number): FanotifyInfo[] {
  const info: FanotifyInfo[] = [];
  let off = start;
  while (off < end) {
    if (off + 4 > end) throw corrupt('truncated fanotify info header', off, total);
    const infoType = buf.readUInt8(off);
    const len = buf.readUInt16LE(off + 2);
    if (len < 4 || off + len > end) throw corrupt(`fanotify info record of length ${len}`, off, total);
    info.push(decodeInfo(buf, infoType, off, off + len, encoding, total));
    off += len;
  }
  return info;
}

function decodeInfo(buf: Buffer, infoType: number, off: number, end: number, encoding: NameEncoding, total: number): FanotifyInfo {
  const need = (n: number): void => {
    if (off + n > end) throw corrupt(`fanotify info type ${infoType} shorter than ${n} bytes`, off, total);
  };
  switch (infoType) {
    case FAN_EVENT_INFO_TYPE_FID:
    case FAN_EVENT_INFO_TYPE_DFID:
    case FAN_EVENT_INFO_TYPE_DFID_NAME:
    case FAN_EVENT_INFO_TYPE_OLD_DFID_NAME:
    case FAN_EVENT_INFO_TYPE_NEW_DFID_NAME: {
      // hdr(4) fsid(8) handle_bytes(4) handle_type(4) f_handle[handle_bytes] [name NUL] pad
      need(20);
      const bytes = buf.readUInt32LE(off + 12);
      const h = off + 20;
      need(20 + bytes);
      const named = infoType !== FAN_EVENT_INFO_TYPE_FID && infoType !== FAN_EVENT_INFO_TYPE_DFID;
      return {
        kind: 'fid',
        infoType,
        fsid: [buf.readUInt32LE(off + 4), buf.readUInt32LE(off + 8)],
        handleType: buf.readInt32LE(off + 16),
        handle: Buffer.from(buf.subarray(h, h + bytes)),
        name: named ? cString(buf, h + bytes, end, encoding) : null,
      };
    }
    case FAN_EVENT_INFO_TYPE_PIDFD:
      need(8);
      return { kind: 'pidfd', infoType, pidfd: buf.readInt32LE(off + 4) };
    case FAN_EVENT_INFO_TYPE_ERROR:
      need(12);
      return { kind: 'error', infoType, error: buf.readInt32LE(off + 4), errorCount: buf.readUInt32LE(off + 8) };
    case FAN_EVENT_INFO_TYPE_RANGE:
      need(24);
      return { kind: 'range', infoType, offset: buf.readBigUInt64LE(off + 8), count: buf.readBigUInt64LE(off + 16) };
    case FAN_EVENT_INFO_TYPE_MNT:
      need(16);
      return { kind: 'mnt', infoType, mntId: buf.readBigUInt64LE(off + 8) };
    default:
      return { kind: 'unknown', infoType, bytes: Buffer.from(buf.subarray(off + 4, end)) };
  }
}

/**
 * A string identifying the object of a fid record (fsid, handle type and
 * handle bytes): equal keys name the same object on the same filesystem.
 */
export function fidKey(info: Pick<FanotifyFidInfo, 'fsid' | 'handleType' | 'handle'>): string {
  return `${info.fsid[0].toString(16)}.${info.fsid[1].toString(16)}:${info.handleType.toString(16)}:${info.handle.toString('hex')}`;
}
