import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeEvents,
  encodeEvents,
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CREATE,
  IN_EXCL_UNLINK,
  IN_MODIFY,
  IN_ONESHOT,
  inotifyEventSize,
  inotifyInit,
} from '../../src/inotify/index.js';
import type { InotifyEvent } from '../../src/inotify/index.js';
import { FakeFs, show } from './helpers.js';

function setup() {
  const fs = new FakeFs();
  fs.mkdir('/d');
  const ino = inotifyInit({ source: fs });
  return { fs, ino };
}

/** Native-endian u32/s32 views of a record header, as a C reader sees them. */
function header(buf: Buffer, offset: number): [number, number, number, number] {
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  return le
    ? [buf.readInt32LE(offset), buf.readUInt32LE(offset + 4), buf.readUInt32LE(offset + 8), buf.readUInt32LE(offset + 12)]
    : [buf.readInt32BE(offset), buf.readUInt32BE(offset + 4), buf.readUInt32BE(offset + 8), buf.readUInt32BE(offset + 12)];
}

describe('read(2) as bytes', () => {
  test('pads names with NULs to a multiple of 16 including the terminator (1→16, 15→16, 16→32)', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/x');
    fs.create('/d/' + 'y'.repeat(15));
    fs.create('/d/' + 'z'.repeat(16));
    const buf = ino.readBytes(4096);
    assert.equal(buf.length, 16 + 16 + (16 + 16) + (16 + 32));
    assert.deepEqual(header(buf, 0), [1, IN_CREATE, 0, 16]);
    assert.equal(buf.toString('latin1', 16, 32), 'x' + '\0'.repeat(15));
    assert.deepEqual(header(buf, 32), [1, IN_CREATE, 0, 16]);
    assert.equal(buf[48 + 15], 0);
    assert.deepEqual(header(buf, 64), [1, IN_CREATE, 0, 32]);
    assert.equal(buf.toString('latin1', 80, 112), 'z'.repeat(16) + '\0'.repeat(16));
  });

  test('writes len 0 and no name bytes for an event without a name', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_ATTRIB);
    fs.chmod('/d');
    const buf = ino.readBytes(16);
    assert.equal(buf.length, 16);
    assert.deepEqual(header(buf, 0), [1, IN_ATTRIB | 0x40000000, 0, 0]);
  });

  test('returns only whole events that fit and leaves the rest queued', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/a');
    fs.create('/d/b');
    fs.create('/d/c');
    assert.equal(ino.readBytes(32 + 31).length, 32);
    assert.deepEqual(show(decodeEvents(ino.readBytes(64))), ['wd 1 IN_CREATE "b"', 'wd 1 IN_CREATE "c"']);
  });

  test('fails with EINVAL when the first event does not fit and keeps it queued', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/a');
    assert.throws(() => ino.readBytes(31), { code: 'EINVAL', syscall: 'read' });
    assert.throws(() => ino.readBytes(0), { code: 'EINVAL' });
    assert.equal(ino.readBytes(32).length, 32);
  });

  test('fails with EAGAIN on an empty queue, whatever the buffer size', () => {
    const { ino } = setup();
    assert.throws(() => ino.readBytes(0), { code: 'EAGAIN', syscall: 'read' });
    assert.throws(() => ino.readBytes(4096), { code: 'EAGAIN' });
    assert.throws(() => ino.read(), { code: 'EAGAIN' });
  });

  test('counts name bytes in UTF-8', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/' + 'é'.repeat(8)); // 16 bytes + NUL → 32
    const buf = ino.readBytes(4096);
    assert.equal(buf.length, 48);
    assert.deepEqual(decodeEvents(buf), [{ wd: 1, mask: IN_CREATE, cookie: 0, name: 'é'.repeat(8) }]);
  });

  test('round-trips events through encodeEvents and decodeEvents', () => {
    const events: InotifyEvent[] = [
      { wd: -1, mask: 0x4000, cookie: 0, name: '' },
      { wd: 3, mask: 0x40, cookie: 0xfffffffe, name: 'moved' },
      { wd: 0x7fffffff, mask: 0x40000100, cookie: 0, name: 'n'.repeat(40) },
    ];
    const buf = encodeEvents(events);
    assert.equal(buf.length, events.reduce((n, e) => n + inotifyEventSize(e), 0));
    assert.deepEqual(decodeEvents(buf), events);
    assert.throws(() => decodeEvents(buf.subarray(0, buf.length - 1)), RangeError);
  });
});

describe('FIONREAD', () => {
  test('sums header and padded name sizes of every queued event', () => {
    const { fs, ino } = setup();
    assert.equal(ino.queuedBytes, 0);
    ino.addWatch('/d', IN_CREATE | IN_ATTRIB);
    fs.create('/d/a');
    fs.create('/d/' + 'b'.repeat(16));
    fs.chmod('/d');
    fs.create('/d/c');
    assert.equal(ino.queuedBytes, 32 + 48 + 16 + 32);
    ino.read(1);
    assert.equal(ino.queuedBytes, 48 + 16 + 32);
    ino.close();
    assert.throws(() => ino.queuedBytes, { code: 'EBADF' });
  });
});

describe('read(2) as objects', () => {
  test('returns at most maxEvents and rejects a non-positive maxEvents with EINVAL', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/a');
    fs.create('/d/b');
    assert.throws(() => ino.read(0), { code: 'EINVAL' });
    assert.deepEqual(ino.read(1), [{ wd: 1, mask: IN_CREATE, cookie: 0, name: 'a' }]);
    assert.deepEqual(ino.read(5), [{ wd: 1, mask: IN_CREATE, cookie: 0, name: 'b' }]);
  });
});

describe('waiting for events', () => {
  test('resolves readAsync with everything one operation queued', async () => {
    const { fs, ino } = setup();
    fs.create('/d/a');
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    const pending = ino.readAsync();
    fs.unlink('/d/a');
    assert.deepEqual(show(await pending), ['wd 1 IN_ATTRIB', 'wd 1 IN_DELETE_SELF', 'wd 1 IN_IGNORED']);
  });

  test('resolves readAsync at once when events are already queued', async () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/a');
    assert.deepEqual(show(await ino.readAsync()), ['wd 1 IN_CREATE "a"']);
  });

  test('resolves a pending readAsync with [] on close and rejects a new one with EBADF', async () => {
    const { ino } = setup();
    const pending = ino.readAsync();
    ino.close();
    assert.deepEqual(await pending, []);
    await assert.rejects(ino.readAsync(), { code: 'EBADF' });
  });

  test('iterates events one by one and ends when the instance is closed', async () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    fs.create('/d/a');
    const seen: string[] = [];
    const done = (async () => {
      for await (const e of ino) {
        seen.push(e.name);
        if (e.name === 'b') queueMicrotask(() => fs.create('/d/c'));
        if (e.name === 'c') queueMicrotask(() => ino.close());
      }
    })();
    await Promise.resolve();
    fs.create('/d/b');
    await done;
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  test('wakes two waiting readers without losing events', async () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    const r1 = ino.readAsync(1);
    const r2 = ino.readAsync(1);
    fs.create('/d/a');
    fs.create('/d/b');
    const got = [...(await r1), ...(await r2)].map((e) => e.name);
    assert.deepEqual(got, ['a', 'b']);
  });
});

describe('fdinfo', () => {
  test('prints one line per watch, most recent first, with the flag bits in the mask', () => {
    const { fs, ino } = setup();
    fs.create('/d/a');
    ino.addWatch('/d', IN_MODIFY);
    ino.addWatch('/d/a', IN_MODIFY | IN_ONESHOT);
    ino.addWatch('/d', IN_MODIFY | IN_EXCL_UNLINK);
    const dIno = fs.inode('/d').ino.toString(16);
    const aIno = fs.inode('/d/a').ino.toString(16);
    assert.deepEqual(ino.fdinfo(), [
      `inotify wd:2 ino:${aIno} sdev:803 mask:80000002 ignored_mask:0`,
      `inotify wd:1 ino:${dIno} sdev:803 mask:4000002 ignored_mask:0`,
    ]);
  });

  test('lists live watches by wd', () => {
    const { fs, ino } = setup();
    fs.create('/d/a');
    ino.addWatch('/d/a', IN_MODIFY);
    ino.addWatch('/d', IN_CREATE);
    assert.deepEqual(
      ino.watches().map((w) => [w.wd, w.mask, w.inode.ino]),
      [
        [1, IN_MODIFY, fs.inode('/d/a').ino],
        [2, IN_CREATE, fs.inode('/d').ino],
      ],
    );
  });
});
