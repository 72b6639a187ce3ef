import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSystemError } from '../../src/errors.js';
import {
  AT_FDCWD,
  decodeInotify,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  IN_ALL_EVENTS,
  IN_CLOEXEC,
  IN_CREATE,
  IN_IGNORED,
  IN_MODIFY,
  IN_NONBLOCK,
  linuxSyscalls,
  O_DIRECTORY,
  O_RDONLY,
  PollSet,
  POLLIN,
} from '../../src/host/linux/index.js';
import { isRoot, openFdCount, tempDir } from './helpers.js';

const sys = linuxSyscalls();

function assertSysError(fn: () => unknown, code: string, syscall: string, messagePart?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSystemError(e), `expected a SystemError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.equal(e.syscall, syscall);
    if (messagePart !== undefined) assert.ok(e.message.includes(messagePart), `message ${JSON.stringify(e.message)} lacks ${messagePart}`);
    return true;
  });
}

test('inotify init, add_watch, rm_watch and close round-trip, rm_watch queues IN_IGNORED', () => {
  const dir = tempDir();
  const before = openFdCount();
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  try {
    const wd = sys.inotifyAddWatch(fd, dir.path, IN_CREATE);
    assert.ok(wd >= 1);
    assert.equal(sys.inotifyAddWatch(fd, dir.path, IN_CREATE | IN_MODIFY), wd, 'same inode, same wd');
    writeFileSync(join(dir.path, 'f'), 'x');
    sys.inotifyRmWatch(fd, wd);
    const buf = Buffer.alloc(4096);
    const n = sys.read(fd, buf);
    assert.deepEqual(decodeInotify(buf.subarray(0, n)), [
      { wd, mask: IN_CREATE, cookie: 0, name: 'f' },
      { wd, mask: IN_MODIFY, cookie: 0, name: 'f' },
      { wd, mask: IN_IGNORED, cookie: 0, name: '' },
    ]);
  } finally {
    sys.close(fd);
    dir.cleanup();
  }
  assert.equal(openFdCount(), before);
});

test('read of an empty non-blocking fd returns -1 for EAGAIN, and FIONREAD counts queued bytes', () => {
  const dir = tempDir();
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  try {
    sys.inotifyAddWatch(fd, dir.path, IN_CREATE);
    assert.equal(sys.read(fd, Buffer.alloc(4096)), -1);
    assert.equal(sys.fionread(fd), 0);
    writeFileSync(join(dir.path, 'a'), '');
    writeFileSync(join(dir.path, 'b'), '');
    assert.equal(sys.fionread(fd), 2 * (16 + 16));
  } finally {
    sys.close(fd);
    dir.cleanup();
  }
});

test('inotify_add_watch on a missing path fails with ENOENT naming the path', () => {
  const fd = sys.inotifyInit1(IN_CLOEXEC);
  try {
    const missing = '/nonexistent/tsnotify-missing';
    assertSysError(() => sys.inotifyAddWatch(fd, missing, IN_ALL_EVENTS), 'ENOENT', 'inotify_add_watch', `'${missing}'`);
  } finally {
    sys.close(fd);
  }
});

test('inotify_rm_watch of a wd that is not live fails with EINVAL', () => {
  const fd = sys.inotifyInit1(IN_CLOEXEC);
  try {
    assertSysError(() => sys.inotifyRmWatch(fd, 12345), 'EINVAL', 'inotify_rm_watch');
    assertSysError(() => sys.inotifyRmWatch(fd, -1), 'EINVAL', 'inotify_rm_watch');
  } finally {
    sys.close(fd);
  }
});

test('inotify_init1 with an unknown flag fails with EINVAL', () => {
  assertSysError(() => sys.inotifyInit1(0x1), 'EINVAL', 'inotify_init1');
});

test('calls on a closed fd fail with EBADF', () => {
  const dir = tempDir();
  const fd = sys.inotifyInit1(IN_CLOEXEC);
  sys.close(fd);
  try {
    assertSysError(() => sys.inotifyAddWatch(fd, dir.path, IN_CREATE), 'EBADF', 'inotify_add_watch', `'${dir.path}'`);
    assertSysError(() => sys.inotifyRmWatch(fd, 1), 'EBADF', 'inotify_rm_watch');
    assertSysError(() => sys.read(fd, Buffer.alloc(64)), 'EBADF', 'read');
    assertSysError(() => sys.close(fd), 'EBADF', 'close');
  } finally {
    dir.cleanup();
  }
});

test('read into a buffer smaller than the next record fails with EINVAL', () => {
  const dir = tempDir();
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  try {
    sys.inotifyAddWatch(fd, dir.path, IN_CREATE);
    writeFileSync(join(dir.path, 'f'), '');
    assertSysError(() => sys.read(fd, Buffer.alloc(20)), 'EINVAL', 'read');
    const buf = Buffer.alloc(64);
    assert.equal(sys.read(fd, buf, 16, 32), 32, 'reads at an offset into the buffer');
    assert.deepEqual(decodeInotify(buf.subarray(16, 48)).map((r) => r.name), ['f']);
  } finally {
    sys.close(fd);
    dir.cleanup();
  }
});

test('poll and eventfd: a written eventfd polls readable and reads back its counter', () => {
  const efd = sys.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  try {
    const set = new PollSet([{ fd: efd, events: POLLIN }]);
    assert.equal(sys.poll(set, 0), 0);
    assert.equal(sys.write(efd, new Uint8Array(new BigUint64Array([3n]).buffer)), 8);
    assert.equal(sys.poll(set, 0), 1);
    assert.equal(set.revents(0) & POLLIN, POLLIN);
    const out = Buffer.alloc(8);
    assert.equal(sys.read(efd, out), 8);
    assert.equal(out.readBigUInt64LE(0), 3n);
    assert.equal(sys.read(efd, out), -1, 'EAGAIN once drained');
  } finally {
    sys.close(efd);
  }
});

test('readlink of /proc/self/fd/N names the anonymous inotify inode', () => {
  const fd = sys.inotifyInit1(IN_CLOEXEC);
  try {
    assert.equal(sys.readlink(`/proc/self/fd/${fd}`), 'anon_inode:inotify');
    assertSysError(() => sys.readlink('/nonexistent/link'), 'ENOENT', 'readlink', "'/nonexistent/link'");
  } finally {
    sys.close(fd);
  }
});

test('ENOSPC from inotify_add_watch says how to raise max_user_watches', (t) => {
  // A child in its own user namespace caps user.max_inotify_watches at 1 there,
  // without touching this machine's limit.
  const script = `
    import { linuxSyscalls } from ${JSON.stringify(new URL('../../src/host/linux/index.js', import.meta.url).href)};
    const sys = linuxSyscalls();
    const fd = sys.inotifyInit1(0);
    sys.inotifyAddWatch(fd, '/', 2);
    try { sys.inotifyAddWatch(fd, '/tmp', 2); console.log('no error'); }
    catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
  const r = spawnSync('unshare', ['-Ur', 'sh', '-c', `echo 1 > /proc/sys/user/max_inotify_watches && exec "${process.execPath}" --input-type=module -e '${script.replace(/'/g, "'\\''")}'`], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.error !== undefined || r.status !== 0) {
    t.skip(`cannot run in a user namespace here: ${r.error?.message ?? r.stderr.trim()}`);
    return;
  }
  const out = JSON.parse(r.stdout.trim()) as { code: string; message: string };
  assert.equal(out.code, 'ENOSPC');
  assert.match(out.message, /^ENOSPC: no space left on device, inotify_add_watch '\/tmp'/);
  assert.ok(out.message.includes('sysctl fs.inotify.max_user_watches=N'), out.message);
  assert.ok(out.message.includes('/proc/sys/fs/inotify/max_user_watches'), out.message);
});

test('importing the host layer maps no native code until a syscall is bound', () => {
  const entry = new URL('../../src/host/linux/index.js', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import { readFileSync } from 'node:fs';
    const mapped = () => readFileSync('/proc/self/maps', 'latin1').includes('koffi');
    const m = await import(${JSON.stringify(entry)});
    const before = mapped();
    m.linuxSyscalls();
    console.log(JSON.stringify([before, mapped()]));`], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim()), [false, true]);
});

test('lseek, truncate, renameat2, mknod, utimensat, xattrs and getdents64 reach the kernel', () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    const b = join(dir.path, 'b');
    writeFileSync(a, 'hello');
    writeFileSync(b, '');
    sys.truncate(a, 2);
    assert.equal(statSync(a).size, 2);
    const fd = openSync(a, 'r');
    try {
      assert.equal(sys.lseek(fd, 1, 0), 1);
      assert.equal(sys.lseek(fd, 0, 2), 2);
    } finally {
      closeSync(fd);
    }
    assertSysError(() => sys.renameat2(AT_FDCWD, a, AT_FDCWD, b, 1 /* RENAME_NOREPLACE */), 'EEXIST', 'renameat2', `'${a}' -> '${b}'`);
    sys.renameat2(AT_FDCWD, a, AT_FDCWD, b, 2 /* RENAME_EXCHANGE */);
    assert.equal(readFileSync(b, 'utf8'), 'he');

    const fifo = join(dir.path, 'fifo');
    sys.mknod(fifo, 0o010000 | 0o644, 0);
    assert.ok(lstatSync(fifo).isFIFO());

    sys.utimensat(AT_FDCWD, b, 1000.5, 'omit', 0);
    const st = statSync(b, { bigint: true });
    assert.equal(st.atimeNs, 1_000_500_000_000n);
    assert.notEqual(st.mtimeNs, 1_000_500_000_000n);
    sys.utimensat(AT_FDCWD, b, 'omit', 2000, 0);
    assert.equal(statSync(b, { bigint: true }).mtimeNs, 2_000_000_000_000n);

    try {
      sys.setxattr(b, 'user.tsnotify', Buffer.from('v'), 0, true);
      sys.removexattr(b, 'user.tsnotify', false);
      assertSysError(() => sys.removexattr(b, 'user.tsnotify', true), 'ENODATA', 'removexattr', `'${b}'`);
    } catch (e) {
      if (!isSystemError(e, 'EOPNOTSUPP')) throw e; // a temp filesystem without user xattrs
    }

    const dfd = sys.open(dir.path, O_RDONLY | O_DIRECTORY);
    try {
      const buf = Buffer.alloc(4096);
      assert.ok(sys.getdents64(dfd, buf) > 0);
      assert.equal(sys.getdents64(dfd, buf), 0);
    } finally {
      sys.close(dfd);
    }
  } finally {
    dir.cleanup();
  }
});

test('mount and umount2 a private tmpfs', { skip: !isRoot && 'needs root (CAP_SYS_ADMIN)' }, () => {
  const dir = tempDir();
  try {
    sys.mount('tmpfs', dir.path, 'tmpfs', 0, 'mode=0755,size=1m');
    try {
      assert.ok(readFileSync('/proc/self/mounts', 'utf8').includes(` ${dir.path} tmpfs `));
    } finally {
      sys.umount2(dir.path, 0);
    }
    assertSysError(() => sys.umount2(dir.path, 0), 'EINVAL', 'umount2', `'${dir.path}'`);
  } finally {
    dir.cleanup();
  }
});
