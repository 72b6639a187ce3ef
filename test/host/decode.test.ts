import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSystemError } from '../../src/errors.js';
import {
  decodeFanotify,
  decodeInotify,
  FAN_CREATE,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_ERROR,
  FAN_EVENT_INFO_TYPE_FID,
  FAN_EVENT_INFO_TYPE_MNT,
  FAN_EVENT_INFO_TYPE_PIDFD,
  FAN_EVENT_INFO_TYPE_RANGE,
  FAN_NOFD,
  FAN_ONDIR,
  FAN_Q_OVERFLOW,
  fidKey,
  IN_CREATE,
  IN_IGNORED,
  IN_ISDIR,
  IN_MOVED_FROM,
  IN_Q_OVERFLOW,
} from '../../src/host/linux/index.js';

/** A `struct inotify_event` as the kernel lays it out: name NUL-padded to a multiple of 16. */
function inotifyRecord(wd: number, mask: number, cookie: number, name: Buffer | string = ''): Buffer {
  const bytes = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  const len = bytes.length === 0 ? 0 : Math.ceil((bytes.length + 1) / 16) * 16;
  const buf = Buffer.alloc(16 + len);
  buf.writeInt32LE(wd, 0);
  buf.writeUInt32LE(mask >>> 0, 4);
  buf.writeUInt32LE(cookie, 8);
  buf.writeUInt32LE(len, 12);
  bytes.copy(buf, 16);
  return buf;
}

function assertCorrupt(fn: () => unknown, part: string): void {
  assert.throws(fn, (e: unknown) => isSystemError(e, 'EIO') && e.syscall === 'read' && e.message.includes(part));
}

test('decodes a record with a zero-length name as an empty name', () => {
  assert.deepEqual(decodeInotify(inotifyRecord(-1, IN_Q_OVERFLOW, 0)), [{ wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: '' }]);
});

test('decodes names up to the first NUL of their padding (1, 15, 16 and 40 bytes)', () => {
  for (const name of ['a', 'x'.repeat(15), 'y'.repeat(16), 'z'.repeat(40)]) {
    const rec = inotifyRecord(3, IN_CREATE, 0, name);
    assert.equal(rec.length, 16 + Math.ceil((name.length + 1) / 16) * 16);
    assert.deepEqual(decodeInotify(rec), [{ wd: 3, mask: IN_CREATE, cookie: 0, name }]);
  }
});

test('decodes several records in order, with cookies and unsigned masks', () => {
  const buf = Buffer.concat([
    inotifyRecord(1, IN_CREATE | IN_ISDIR, 0, 'sub'),
    inotifyRecord(1, IN_MOVED_FROM, 0xdeadbeef, 'old-name'),
    inotifyRecord(2, IN_IGNORED, 0),
    inotifyRecord(7, 0x80000000, 0, 'high'),
  ]);
  assert.deepEqual(decodeInotify(buf), [
    { wd: 1, mask: IN_CREATE | IN_ISDIR, cookie: 0, name: 'sub' },
    { wd: 1, mask: IN_MOVED_FROM, cookie: 0xdeadbeef, name: 'old-name' },
    { wd: 2, mask: IN_IGNORED, cookie: 0, name: '' },
    { wd: 7, mask: 0x80000000, cookie: 0, name: 'high' },
  ]);
});

test('decodes from an ArrayBuffer and from a Uint8Array at aligned and unaligned offsets', () => {
  const rec = Buffer.concat([inotifyRecord(5, IN_CREATE, 0, 'f'), inotifyRecord(6, IN_IGNORED, 0)]);
  const expected = [{ wd: 5, mask: IN_CREATE, cookie: 0, name: 'f' }, { wd: 6, mask: IN_IGNORED, cookie: 0, name: '' }];
  for (const offset of [8, 3]) {
    const big = new Uint8Array(rec.length + offset);
    big.set(rec, offset);
    assert.deepEqual(decodeInotify(big.subarray(offset)), expected, `offset ${offset}`);
  }
  assert.deepEqual(decodeInotify(new Uint8Array(rec).buffer), expected);
  assert.deepEqual(decodeInotify(new Uint8Array(0)), []);
});

test('decodes names as utf8 by default and byte for byte as latin1', () => {
  const raw = Buffer.from([0x63, 0x61, 0x66, 0xc3, 0xa9]); // "café" in UTF-8
  assert.equal(decodeInotify(inotifyRecord(1, IN_CREATE, 0, raw))[0]?.name, 'café');
  const latin1 = decodeInotify(inotifyRecord(1, IN_CREATE, 0, raw), 'latin1')[0]?.name ?? '';
  assert.deepEqual(Buffer.from(latin1, 'latin1'), raw);
});

test('a truncated inotify record is EIO naming the offset', () => {
  const two = Buffer.concat([inotifyRecord(1, IN_CREATE, 0, 'a'), inotifyRecord(1, IN_CREATE, 0, 'b')]);
  assertCorrupt(() => decodeInotify(two.subarray(0, two.length - 1)), 'at byte 32 of 63');
  assertCorrupt(() => decodeInotify(two.subarray(0, 40)), 'truncated inotify header at byte 32');
  const unpadded = inotifyRecord(1, IN_CREATE, 0, 'a');
  unpadded.writeUInt32LE(3, 12);
  assertCorrupt(() => decodeInotify(unpadded.subarray(0, 19)), 'inotify len 3 is not padded');
});

// ---------------------------------------------------------------- fanotify

function infoHeader(type: number, len: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt8(type, 0);
  b.writeUInt16LE(len, 2);
  return b;
}

/** A fanotify_event_info_fid record, zero-padded to a multiple of 4 like the kernel's. */
function fidRecord(type: number, fsid: [number, number], handleType: number, handle: Buffer, name?: string): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(fsid[0], 0);
  body.writeUInt32LE(fsid[1], 4);
  body.writeUInt32LE(handle.length, 8);
  body.writeInt32LE(handleType, 12);
  const nameBytes = name === undefined ? Buffer.alloc(0) : Buffer.from(name + '\0');
  const unpadded = 4 + body.length + handle.length + nameBytes.length;
  const len = Math.ceil(unpadded / 4) * 4;
  return Buffer.concat([infoHeader(type, len), body, handle, nameBytes, Buffer.alloc(len - unpadded)]);
}

function fanotifyEvent(mask: bigint, fd: number, pid: number, info: Buffer[]): Buffer {
  const meta = Buffer.alloc(24);
  const infoBytes = Buffer.concat(info);
  meta.writeUInt32LE(24 + infoBytes.length, 0);
  meta.writeUInt8(3, 4);
  meta.writeUInt16LE(24, 6);
  meta.writeBigUInt64LE(mask, 8);
  meta.writeInt32LE(fd, 16);
  meta.writeInt32LE(pid, 20);
  return Buffer.concat([meta, infoBytes]);
}

test('fid records have the kernel lengths: 8-byte handle is 28, with name "a" 32, with "newe00" 36', () => {
  const h = Buffer.alloc(8, 1);
  assert.equal(fidRecord(FAN_EVENT_INFO_TYPE_FID, [0, 0], 1, h).length, 28);
  assert.equal(fidRecord(FAN_EVENT_INFO_TYPE_DFID_NAME, [0, 0], 1, h, 'a').length, 32);
  assert.equal(fidRecord(FAN_EVENT_INFO_TYPE_DFID_NAME, [0, 0], 1, h, 'newe00').length, 36);
});

test('decodes fanotify metadata followed by DFID_NAME and FID records', () => {
  const dirHandle = Buffer.from('0102030405060708', 'hex');
  const fileHandle = Buffer.from('a1a2a3a4a5a6a7a8a9aaabac', 'hex');
  const buf = fanotifyEvent(BigInt(FAN_CREATE), FAN_NOFD, 4242, [
    fidRecord(FAN_EVENT_INFO_TYPE_DFID_NAME, [0x1234, 0xfedcba98], 0x81, dirHandle, 'newe00'),
    fidRecord(FAN_EVENT_INFO_TYPE_FID, [0x1234, 0xfedcba98], 0x81, fileHandle),
  ]);
  const [ev, ...rest] = decodeFanotify(buf);
  assert.equal(rest.length, 0);
  assert.ok(ev);
  assert.equal(ev.eventLen, buf.length);
  assert.equal(ev.vers, 3);
  assert.equal(ev.metadataLen, 24);
  assert.equal(ev.mask, FAN_CREATE);
  assert.equal(ev.fd, FAN_NOFD);
  assert.equal(ev.pid, 4242);
  assert.deepEqual(ev.info, [
    { kind: 'fid', infoType: FAN_EVENT_INFO_TYPE_DFID_NAME, fsid: [0x1234, 0xfedcba98], handleType: 0x81, handle: dirHandle, name: 'newe00' },
    { kind: 'fid', infoType: FAN_EVENT_INFO_TYPE_FID, fsid: [0x1234, 0xfedcba98], handleType: 0x81, handle: fileHandle, name: null },
  ]);
  const [dir, file] = ev.info;
  assert.ok(dir?.kind === 'fid' && file?.kind === 'fid');
  assert.notEqual(fidKey(dir), fidKey(file));
  assert.equal(fidKey(dir), fidKey({ fsid: [0x1234, 0xfedcba98], handleType: 0x81, handle: Buffer.from(dirHandle) }));
  buf.fill(0); // handles are copies: they survive reuse of the read buffer
  assert.equal(dir.handle.toString('hex'), '0102030405060708');
});

test('decodes pidfd, error, range, mnt and unknown records and a mask with high bits', () => {
  const pidfd = Buffer.concat([infoHeader(FAN_EVENT_INFO_TYPE_PIDFD, 8), Buffer.from([7, 0, 0, 0])]);
  const error = Buffer.alloc(12);
  infoHeader(FAN_EVENT_INFO_TYPE_ERROR, 12).copy(error);
  error.writeInt32LE(5, 4);
  error.writeUInt32LE(3, 8);
  const range = Buffer.alloc(24);
  infoHeader(FAN_EVENT_INFO_TYPE_RANGE, 24).copy(range);
  range.writeBigUInt64LE(4096n, 8);
  range.writeBigUInt64LE(8192n, 16);
  const mnt = Buffer.alloc(16);
  infoHeader(FAN_EVENT_INFO_TYPE_MNT, 16).copy(mnt);
  mnt.writeBigUInt64LE(0x80000039n, 8);
  const unknown = Buffer.concat([infoHeader(99, 8), Buffer.from([1, 2, 3, 4])]);
  const mask = (0x01n << 32n) | BigInt(FAN_CREATE | FAN_ONDIR);
  const [ev] = decodeFanotify(fanotifyEvent(mask, -9, 0, [pidfd, error, range, mnt, unknown]));
  assert.equal(ev?.mask, 0x1_0000_0000 + (FAN_CREATE | FAN_ONDIR));
  assert.equal(ev?.fd, -9);
  assert.deepEqual(ev?.info, [
    { kind: 'pidfd', infoType: FAN_EVENT_INFO_TYPE_PIDFD, pidfd: 7 },
    { kind: 'error', infoType: FAN_EVENT_INFO_TYPE_ERROR, error: 5, errorCount: 3 },
    { kind: 'range', infoType: FAN_EVENT_INFO_TYPE_RANGE, offset: 4096n, count: 8192n },
    { kind: 'mnt', infoType: FAN_EVENT_INFO_TYPE_MNT, mntId: 0x80000039n },
    { kind: 'unknown', infoType: 99, bytes: Buffer.from([1, 2, 3, 4]) },
  ]);
});

test('decodes several fanotify events in order, including an overflow without info', () => {
  const a = fanotifyEvent(BigInt(FAN_CREATE), FAN_NOFD, 1, [fidRecord(FAN_EVENT_INFO_TYPE_DFID_NAME, [1, 2], 1, Buffer.alloc(8), 'a')]);
  const overflow = fanotifyEvent(BigInt(FAN_Q_OVERFLOW), FAN_NOFD, 0, []);
  const events = decodeFanotify(Buffer.concat([a, overflow, a]));
  assert.deepEqual(events.map((e) => [e.mask, e.pid, e.info.length]), [[FAN_CREATE, 1, 1], [FAN_Q_OVERFLOW, 0, 0], [FAN_CREATE, 1, 1]]);
});

test('corrupt fanotify data is EIO: truncated event, wrong version, zero-length info record', () => {
  const ev = fanotifyEvent(BigInt(FAN_CREATE), FAN_NOFD, 1, [fidRecord(FAN_EVENT_INFO_TYPE_FID, [1, 2], 1, Buffer.alloc(8))]);
  assertCorrupt(() => decodeFanotify(ev.subarray(0, ev.length - 4)), 'runs past the end');
  assertCorrupt(() => decodeFanotify(ev.subarray(0, 10)), 'truncated fanotify metadata');
  const v2 = Buffer.from(ev);
  v2.writeUInt8(2, 4);
  assertCorrupt(() => decodeFanotify(v2), 'version 2');
  const zero = fanotifyEvent(BigInt(FAN_CREATE), FAN_NOFD, 1, [infoHeader(1, 0)]);
  assertCorrupt(() => decodeFanotify(zero), 'info record of length 0');
  const shortFid = fanotifyEvent(BigInt(FAN_CREATE), FAN_NOFD, 1, [Buffer.concat([infoHeader(1, 12), Buffer.alloc(8)])]);
  assertCorrupt(() => decodeFanotify(shortFid), 'shorter than 20 bytes');
});
