import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isSystemError } from '../../src/errors.js';
import {
  decodeInotify,
  IN_ALL_EVENTS,
  IN_CLOEXEC,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_MODIFY,
  IN_NONBLOCK,
  IN_OPEN,
  KernelReader,
  linuxSyscalls,
  type InotifyRecord,
  type KernelReaderOptions,
} from '../../src/host/linux/index.js';
import { openFdCount, tempDir, threadCount, waitUntil } from './helpers.js';

const sys = linuxSyscalls();

/** An inotify instance watching a fresh temp dir, read by a KernelReader that collects decoded records. */
function watchedDir(mask: number, options: KernelReaderOptions = {}) {
  const dir = tempDir();
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  const wd = sys.inotifyAddWatch(fd, dir.path, mask);
  const records: InotifyRecord[] = [];
  const errors: Error[] = [];
  let batches = 0;
  const reader = new KernelReader(
    fd,
    (buf) => {
      batches++;
      records.push(...decodeInotify(buf));
    },
    (err) => errors.push(err),
    options,
  );
  return {
    dir: dir.path,
    fd,
    wd,
    reader,
    records,
    errors,
    batches: () => batches,
    async close(): Promise<void> {
      await reader.stop();
      sys.close(fd);
      dir.cleanup();
    },
  };
}

test('delivers IN_CREATE "f" after a file is created in a watched directory', async () => {
  const w = watchedDir(IN_CREATE);
  try {
    w.reader.start();
    assert.equal(w.reader.state, 'running');
    writeFileSync(join(w.dir, 'f'), 'x');
    await waitUntil(() => w.records.length >= 1, 'IN_CREATE "f"');
    assert.deepEqual(w.records, [{ wd: w.wd, mask: IN_CREATE, cookie: 0, name: 'f' }]);
    assert.deepEqual(w.errors, []);
  } finally {
    await w.close();
  }
});

test('preserves the kernel order of create, open, modify, close_write', async () => {
  const w = watchedDir(IN_ALL_EVENTS);
  try {
    w.reader.start();
    const fd = openSync(join(w.dir, 'f'), 'wx');
    writeSync(fd, 'data');
    closeSync(fd);
    await waitUntil(() => w.records.length >= 4, 'four events');
    assert.deepEqual(
      w.records.map((r) => [r.mask, r.name]),
      [[IN_CREATE, 'f'], [IN_OPEN, 'f'], [IN_MODIFY, 'f'], [IN_CLOSE_WRITE, 'f']],
    );
  } finally {
    await w.close();
  }
});

for (const options of [{ bufferSize: 16 * 1024 }, { bufferSize: 16 * 1024, batch: false }] satisfies KernelReaderOptions[]) {
  test(`keeps the kernel order of 3000 events across many posted batches (${JSON.stringify(options)})`, async () => {
    const w = watchedDir(IN_CREATE, options);
    try {
      w.reader.start();
      const names = Array.from({ length: 3000 }, (_, i) => `file-${i}`);
      for (const name of names) closeSync(openSync(join(w.dir, name), 'wx'));
      await waitUntil(() => w.records.length >= names.length, `${names.length} IN_CREATE`);
      assert.deepEqual(w.records.map((r) => r.name), names);
      assert.ok(w.batches() > 1, 'more than one batch');
    } finally {
      await w.close();
    }
  });
}

test('stop() delivers what was read, joins the worker, and the reader can start again', async () => {
  const threadsBefore = threadCount();
  const w = watchedDir(IN_CREATE);
  try {
    w.reader.start();
    writeFileSync(join(w.dir, 'a'), '');
    await waitUntil(() => w.records.length >= 1, 'first event');
    const stopping = w.reader.stop();
    assert.equal(w.reader.state, 'stopping');
    assert.equal(w.reader.stop(), stopping, 'a second stop() while stopping is the same promise');
    await stopping;
    assert.equal(w.reader.state, 'stopped');
    assert.equal(threadCount(), threadsBefore, 'worker thread joined');
    await w.reader.stop(); // stopping a stopped reader is a no-op

    writeFileSync(join(w.dir, 'b'), ''); // queued in the kernel while nobody reads
    w.reader.start();
    await waitUntil(() => w.records.length >= 2, 'event after restart');
    assert.deepEqual(w.records.map((r) => r.name), ['a', 'b']);
    assert.deepEqual(w.errors, []);
  } finally {
    await w.close();
  }
});

test('100 init/watch/read/stop/close cycles leak no fd and no worker thread', async () => {
  const dir = tempDir();
  try {
    const cycle = async (): Promise<void> => {
      const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
      sys.inotifyAddWatch(fd, dir.path, IN_CREATE);
      const reader = new KernelReader(fd, () => undefined, (e) => assert.fail(e));
      reader.start();
      await reader.stop();
      sys.close(fd);
    };
    await cycle(); // warm-up: lazily created Node threads exist from here on
    const fds = openFdCount();
    const threads = threadCount();
    for (let i = 0; i < 100; i++) await cycle();
    assert.equal(openFdCount(), fds, 'open fds');
    assert.equal(threadCount(), threads, 'threads');
  } finally {
    dir.cleanup();
  }
});

test('an unexpected errno in the worker reaches onError as a SystemError and stops the reader', async () => {
  const dir = tempDir();
  // A write-only fd on a regular file: poll() says readable, read() fails with EBADF.
  const fd = openSync(join(dir.path, 'w'), 'w');
  const errors: Error[] = [];
  const reader = new KernelReader(fd, () => undefined, (e) => errors.push(e));
  try {
    reader.start();
    await waitUntil(() => reader.state === 'stopped', 'the reader to stop on its own');
    assert.equal(errors.length, 1);
    const [err] = errors;
    assert.ok(isSystemError(err, 'EBADF'), String(err));
    assert.equal(err.syscall, 'read');
  } finally {
    await reader.stop();
    closeSync(fd);
    dir.cleanup();
  }
});

test('a worker crash and an unrequested worker exit reach onError', async () => {
  const crash = new URL('data:text/javascript,throw new Error("boom in the worker")');
  const exit = new URL('data:text/javascript,process.exit(3)');
  const efd = sys.eventfd(0, 0); // any pollable fd will do: these workers never poll
  try {
    for (const [workerUrl, check] of [
      [crash, (e: Error) => e.message === 'boom in the worker'],
      [exit, (e: Error) => isSystemError(e, 'EIO') && e.message.includes('exited unexpectedly with code 3')],
    ] as const) {
      const errors: Error[] = [];
      const reader = new KernelReader(efd, () => undefined, (e) => errors.push(e), { workerUrl });
      reader.start();
      await waitUntil(() => reader.state === 'stopped', 'the worker to end');
      assert.equal(errors.length, 1, `exactly one error for ${workerUrl.href}`);
      assert.ok(check(errors[0] as Error), String(errors[0]));
    }
  } finally {
    sys.close(efd);
  }
});

test('rejects a bad fd and a too small buffer before starting anything', () => {
  assert.throws(() => new KernelReader(-1, () => undefined, () => undefined), (e: unknown) => isSystemError(e, 'EBADF'));
  assert.throws(() => new KernelReader(0, () => undefined, () => undefined, { bufferSize: 100 }), (e: unknown) => isSystemError(e, 'EINVAL'));
});

test('flush() resolves once every record queued before it has reached onData, and at once when not running', async () => {
  const w = watchedDir(IN_CREATE, { flushable: true });
  try {
    await w.reader.flush(); // idle: nothing to wait for
    w.reader.start();
    const names = Array.from({ length: 500 }, (_, i) => `f${i}`);
    for (const name of names) closeSync(openSync(join(w.dir, name), 'wx'));
    await w.reader.flush();
    assert.deepEqual(w.records.map((r) => r.name), names, 'no waiting needed after flush()');
    await Promise.all([w.reader.flush(), w.reader.flush()]);
  } finally {
    await w.close();
  }
});

test('startSync() returns once the worker is polling; ownsFd makes the worker close the fd as it exits', async () => {
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  const reader = new KernelReader(fd, () => undefined, (e) => assert.fail(e), { ownsFd: true });
  reader.startSync();
  assert.equal(reader.state, 'running');
  await reader.stop();
  let link = '(closed)';
  try {
    link = sys.readlink(`/proc/self/fd/${fd}`); // the number may have been reused meanwhile
  } catch {
    // closed
  }
  assert.notEqual(link, 'anon_inode:inotify', 'the worker closed it');
  assert.throws(() => reader.start(), (e: unknown) => isSystemError(e, 'EBADF'), 'a reader that owned its fd cannot start again');
});
