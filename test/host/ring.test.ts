import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRingBuffer, RingReader, RingWriter } from '../../src/host/linux/ring.js';
import { decodeInotify, IN_CLOEXEC, IN_CREATE, IN_NONBLOCK, KernelReader, linuxSyscalls } from '../../src/host/linux/index.js';
import { tempDir, waitUntil } from './helpers.js';

const linux = process.platform === 'linux';

function chunk(n: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  for (let i = 0; i < len; i++) b[i] = (n + i) & 0xff;
  return b;
}

test('ring: chunks come out whole, numbered and in order, across the wrap; a chunk that does not fit is refused', () => {
  const sab = createRingBuffer(4096);
  const w = new RingWriter(sab);
  const r = new RingReader(sab);
  assert.equal(r.peek(), -1);
  let n = 0;
  let taken = 0;
  // Sizes that do not divide the capacity, so chunks meet the end of the ring at every offset.
  for (let round = 0; round < 200; round++) {
    const len = 1 + ((round * 37) % 700);
    assert.ok(w.put(chunk(round, len), len, n), `chunk ${round} fits an empty ring`);
    n++;
    if (round % 3 === 2) {
      for (let k = taken; k <= round; k++) {
        assert.equal(r.peek(), k);
        const got = r.take();
        assert.deepEqual(new Uint8Array(got), chunk(k, 1 + ((k * 37) % 700)));
      }
      taken = round + 1;
      assert.equal(r.peek(), -1);
    }
  }
  // Full: refused without writing anything; room comes back as chunks are taken.
  while (w.put(chunk(n, 1000), 1000, n)) n++;
  assert.equal(w.put(chunk(n, 1000), 1000, n), false);
  for (let k = taken; k < n; k++) {
    assert.equal(r.peek(), k);
    assert.equal(r.take().length, k < 200 ? 1 + ((k * 37) % 700) : 1000);
  }
  assert.equal(r.peek(), -1);
  assert.ok(w.put(chunk(n, 1000), 1000, n));
  assert.equal(r.peek(), n);
  assert.deepEqual(new Uint8Array(r.take()), chunk(n, 1000));
  assert.equal(w.put(chunk(0, 5000), 5000, n + 1), false, 'larger than the ring');
});

test('KernelReader: a burst larger than the ring (the main thread busy) arrives whole and in kernel order, part by ring, part posted', { skip: !linux }, async () => {
  const sys = linuxSyscalls();
  const dir = tempDir();
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  sys.inotifyAddWatch(fd, dir.path, IN_CREATE);
  const names: string[] = [];
  let batches = 0;
  const reader = new KernelReader(
    fd,
    (buf) => {
      batches++;
      for (const r of decodeInotify(buf)) names.push(r.name);
    },
    (err) => assert.fail(err),
    { bufferSize: 16 * 1024, batch: false },
  );
  try {
    reader.startSync();
    // The main thread is busy creating files: the worker keeps reading, fills the 16 KiB ring, then posts.
    const count = 3000; // 3000 records of 32 bytes: about 6 rings' worth
    const expected: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `file-${String(i).padStart(5, '0')}`;
      writeFileSync(join(dir.path, name), '');
      expected.push(name);
    }
    await waitUntil(() => names.length >= count, `${count} creates`);
    assert.deepEqual(names, expected);
    assert.ok(batches > 1);
  } finally {
    await reader.stop();
    sys.close(fd);
    dir.cleanup();
  }
});
