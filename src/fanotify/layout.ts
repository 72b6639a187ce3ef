/**
 * The read(2) layout of fanotify events (include/uapi/linux/fanotify.h;
 * SEMANTICS F9, F10): a 24-byte struct fanotify_event_metadata, native
 * endian, then the info records, each `{u8 type; u8 pad; u16 len}` padded
 * to 4 bytes. File-handle records hold the fsid, struct file_handle and, for
 * the *_NAME types, a NUL-terminated name.
 */
import {
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_ERROR,
  FAN_EVENT_INFO_TYPE_MNT,
  FAN_EVENT_INFO_TYPE_RANGE,
  FAN_EVENT_INFO_TYPE_NEW_DFID_NAME,
  FAN_EVENT_INFO_TYPE_OLD_DFID_NAME,
  FAN_EVENT_INFO_TYPE_PIDFD,
  FAN_EVENT_METADATA_LEN,
  FANOTIFY_METADATA_VERSION,
  fanotifyMaskToNames,
} from './constants.js';
import type { FanotifyErrorInfo, FanotifyEvent, FanotifyFidInfo, FanotifyInfo, FanotifyMntInfo, FanotifyPidfdInfo, FanotifyRangeInfo } from './user.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The `len` of one info record, padded to 4 bytes. */
export function infoLength(info: FanotifyInfo): number {
  if (info.type === FAN_EVENT_INFO_TYPE_PIDFD) return 8;
  if (info.type === FAN_EVENT_INFO_TYPE_ERROR) return 12;
  if (info.type === FAN_EVENT_INFO_TYPE_RANGE) return 24;
  if (info.type === FAN_EVENT_INFO_TYPE_MNT) return 16;
  const fid = info as FanotifyFidInfo;
  let n = 4 + 8 + 8 + fid.handle.bytes.length;
  if (fid.name !== null) n += Buffer.byteLength(fid.name) + 1;
  return (n + 3) & ~3;
}

/** The bytes read(2) returns for one event. */
export function encodeFanotifyEvent(event: FanotifyEvent): Buffer {
  let len = FAN_EVENT_METADATA_LEN;
  for (const info of event.info) len += infoLength(info);
  const b = Buffer.alloc(len);
  const u32 = (v: number, o: number) => (LITTLE_ENDIAN ? b.writeUInt32LE(v >>> 0, o) : b.writeUInt32BE(v >>> 0, o));
  const i32 = (v: number, o: number) => (LITTLE_ENDIAN ? b.writeInt32LE(v | 0, o) : b.writeInt32BE(v | 0, o));
  const u16 = (v: number, o: number) => (LITTLE_ENDIAN ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u64 = (v: bigint, o: number) => (LITTLE_ENDIAN ? b.writeBigUInt64LE(v, o) : b.writeBigUInt64BE(v, o));
  u32(len, 0);
  b[4] = FANOTIFY_METADATA_VERSION;
  b[5] = 0;
  u16(FAN_EVENT_METADATA_LEN, 6);
  // u64 mask: the low word first on little-endian machines.
  if (LITTLE_ENDIAN) u32(event.mask, 8);
  else u32(event.mask, 12);
  i32(event.fd, 16);
  i32(event.pid, 20);
  let o = FAN_EVENT_METADATA_LEN;
  for (const info of event.info) {
    const ilen = infoLength(info);
    b[o] = info.type;
    b[o + 1] = 0;
    u16(ilen, o + 2);
    if (info.type === FAN_EVENT_INFO_TYPE_PIDFD) {
      i32((info as FanotifyPidfdInfo).pidfd, o + 4);
    } else if (info.type === FAN_EVENT_INFO_TYPE_ERROR) {
      i32((info as FanotifyErrorInfo).error, o + 4);
      u32((info as FanotifyErrorInfo).errorCount, o + 8);
    } else if (info.type === FAN_EVENT_INFO_TYPE_RANGE) {
      u64((info as FanotifyRangeInfo).offset, o + 8);
      u64((info as FanotifyRangeInfo).count, o + 16);
    } else if (info.type === FAN_EVENT_INFO_TYPE_MNT) {
      u64((info as FanotifyMntInfo).mntId, o + 8);
    } else {
      const fid = info as FanotifyFidInfo;
      i32(fid.fsid[0], o + 4);
      i32(fid.fsid[1], o + 8);
      u32(fid.handle.bytes.length, o + 12);
      i32(fid.handle.type, o + 16);
      b.set(fid.handle.bytes, o + 20);
      if (fid.name !== null) b.write(fid.name, o + 20 + fid.handle.bytes.length, 'utf8');
    }
    o += ilen;
  }
  return b;
}

/** Decode a read(2) buffer into events. Throws a RangeError on a truncated event. */
export function decodeFanotifyEvents(buf: Uint8Array): FanotifyEvent[] {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const u32 = (o: number) => (LITTLE_ENDIAN ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const i32 = (o: number) => (LITTLE_ENDIAN ? b.readInt32LE(o) : b.readInt32BE(o));
  const u16 = (o: number) => (LITTLE_ENDIAN ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const out: FanotifyEvent[] = [];
  let off = 0;
  while (off < b.length) {
    if (off + FAN_EVENT_METADATA_LEN > b.length) throw new RangeError(`truncated fanotify event at offset ${off}`);
    const len = u32(off);
    if (len < FAN_EVENT_METADATA_LEN || off + len > b.length) throw new RangeError(`bad fanotify event length ${len} at offset ${off}`);
    const mask = LITTLE_ENDIAN ? u32(off + 8) : u32(off + 12);
    const info: FanotifyInfo[] = [];
    let io = off + u16(off + 6);
    while (io + 4 <= off + len) {
      const type = b[io]!;
      const ilen = u16(io + 2);
      if (ilen === 0) break;
      const u64 = (o: number) => (LITTLE_ENDIAN ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
      if (type === FAN_EVENT_INFO_TYPE_PIDFD) info.push({ type, pidfd: i32(io + 4) });
      else if (type === FAN_EVENT_INFO_TYPE_ERROR) info.push({ type, error: i32(io + 4), errorCount: u32(io + 8) });
      else if (type === FAN_EVENT_INFO_TYPE_RANGE) info.push({ type, offset: u64(io + 8), count: u64(io + 16) });
      else if (type === FAN_EVENT_INFO_TYPE_MNT) info.push({ type, mntId: u64(io + 8) });
      else {
        const hbytes = u32(io + 12);
        const handle = { type: i32(io + 16), bytes: Uint8Array.from(b.subarray(io + 20, io + 20 + hbytes)) };
        let name: string | null = null;
        if (type === FAN_EVENT_INFO_TYPE_DFID_NAME || type === FAN_EVENT_INFO_TYPE_OLD_DFID_NAME || type === FAN_EVENT_INFO_TYPE_NEW_DFID_NAME) {
          const start = io + 20 + hbytes;
          let end = start;
          while (end < io + ilen && b[end] !== 0) end++;
          name = b.toString('utf8', start, end);
        }
        info.push({ type, fsid: [i32(io + 4), i32(io + 8)], handle, name });
      }
      io += ilen;
    }
    out.push({ mask, fd: i32(off + 16), pid: i32(off + 20), info });
    off += len;
  }
  return out;
}

/** `FAN_OPEN|FAN_ONDIR fd 5 pid 1000 [FID …]`, for logs and test failures. */
export function formatFanotifyEvent(event: FanotifyEvent): string {
  let s = `${fanotifyMaskToNames(event.mask)} fd ${event.fd} pid ${event.pid}`;
  for (const i of event.info) {
    if (i.type === FAN_EVENT_INFO_TYPE_PIDFD) s += ` [PIDFD ${(i as FanotifyPidfdInfo).pidfd}]`;
    else if (i.type === FAN_EVENT_INFO_TYPE_ERROR) s += ` [ERROR ${(i as FanotifyErrorInfo).error} x${(i as FanotifyErrorInfo).errorCount}]`;
    else if (i.type === FAN_EVENT_INFO_TYPE_RANGE) s += ` [RANGE ${(i as FanotifyRangeInfo).offset}+${(i as FanotifyRangeInfo).count}]`;
    else if (i.type === FAN_EVENT_INFO_TYPE_MNT) s += ` [MNT ${(i as FanotifyMntInfo).mntId.toString(16)}]`;
    else {
      const f = i as FanotifyFidInfo;
      s += ` [${f.type} ${Buffer.from(f.handle.bytes).toString('hex')}${f.name !== null ? ' ' + JSON.stringify(f.name) : ''}]`;
    }
  }
  return s;
}

