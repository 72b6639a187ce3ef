/**
 * fanotify and file handles on the real kernel. Filesystem marks and
 * open_by_handle_at need root (CAP_SYS_ADMIN, CAP_DAC_READ_SEARCH): those
 * tests are skipped with the reason otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSystemError } from '../../src/errors.js';
import {
  AT_FDCWD,
  decodeFanotify,
  FAN_CLASS_NOTIF,
  FAN_CLOEXEC,
  FAN_CREATE,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_MARK_ADD,
  FAN_MARK_FILESYSTEM,
  FAN_NOFD,
  FAN_NONBLOCK,
  FAN_REPORT_DFID_NAME,
  KernelReader,
  linuxSyscalls,
  O_DIRECTORY,
  O_RDONLY,
  type FanotifyEvent,
} from '../../src/host/linux/index.js';
import { isRoot, tempDir, waitUntil } from './helpers.js';

const skip = !isRoot && 'needs root (CAP_SYS_ADMIN for filesystem marks, CAP_DAC_READ_SEARCH for open_by_handle_at)';

test('fanotify DFID_NAME on a filesystem mark reports the created file by directory handle and name', { skip }, async () => {
  const sys = linuxSyscalls();
  const dir = tempDir();
  const fd = sys.fanotifyInit(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY);
  const events: FanotifyEvent[] = [];
  const errors: Error[] = [];
  const reader = new KernelReader(fd, (buf) => events.push(...decodeFanotify(buf)), (e) => errors.push(e));
  try {
    sys.fanotifyMark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE, AT_FDCWD, dir.path);
    const dirHandle = sys.nameToHandleAt(AT_FDCWD, dir.path, 0);
    reader.start();
    writeFileSync(join(dir.path, 'made-by-test'), '');
    // A filesystem mark sees every create on this filesystem: find ours by directory handle and name.
    const ours = (): FanotifyEvent | undefined =>
      events.find((e) => e.info.some((i) => i.kind === 'fid' && i.name === 'made-by-test' && i.handle.equals(dirHandle.handle)));
    await waitUntil(() => ours() !== undefined || errors.length > 0, 'FAN_CREATE for made-by-test');
    assert.deepEqual(errors, []);
    const ev = ours();
    assert.ok(ev);
    assert.equal(ev.vers, 3);
    assert.equal(ev.mask & FAN_CREATE, FAN_CREATE);
    assert.equal(ev.fd, FAN_NOFD, 'FID mode carries no event fd');
    assert.equal(ev.pid, process.pid);
    const [info] = ev.info;
    assert.ok(info?.kind === 'fid');
    assert.equal(info.infoType, FAN_EVENT_INFO_TYPE_DFID_NAME);
    assert.equal(info.handleType, dirHandle.handleType);
  } finally {
    await reader.stop();
    sys.close(fd);
    dir.cleanup();
  }
});

test('fanotify_mark passes the mask as 64 bits: a bit above 31 is EINVAL, the same low bits succeed', () => {
  // Unprivileged since 5.13: a FID-reporting notification group with inode marks.
  const sys = linuxSyscalls();
  const dir = tempDir();
  const fd = sys.fanotifyInit(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC, O_RDONLY);
  try {
    assert.throws(
      () => sys.fanotifyMark(fd, FAN_MARK_ADD, (1n << 32n) | BigInt(FAN_CREATE), AT_FDCWD, dir.path),
      (e: unknown) => isSystemError(e, 'EINVAL') && e.syscall === 'fanotify_mark' && e.message.includes(`'${dir.path}'`),
    );
    sys.fanotifyMark(fd, FAN_MARK_ADD, BigInt(FAN_CREATE), AT_FDCWD, dir.path);
    sys.fanotifyMark(fd, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, dir.path);
    assert.match(readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'), /fanotify ino:[0-9a-f]+ sdev:[0-9a-f]+ mflags:0 mask:100 /);
    assert.throws(() => sys.fanotifyMark(fd, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, join(dir.path, 'missing')), (e: unknown) => isSystemError(e, 'ENOENT'));
  } finally {
    sys.close(fd);
    dir.cleanup();
  }
});

test('name_to_handle_at and open_by_handle_at round-trip to the same inode', { skip }, () => {
  const sys = linuxSyscalls();
  const dir = tempDir();
  const file = join(dir.path, 'target');
  writeFileSync(file, 'contents');
  const mountFd = sys.open(dir.path, O_RDONLY | O_DIRECTORY);
  try {
    const handle = sys.nameToHandleAt(AT_FDCWD, file, 0);
    assert.ok(handle.handle.length > 0);
    assert.ok(handle.mountId > 0);
    const fd = sys.openByHandleAt(mountFd, handle, O_RDONLY);
    try {
      assert.equal(fstatSync(fd).ino, statSync(file).ino);
      assert.equal(sys.readlink(`/proc/self/fd/${fd}`), file);
      assert.equal(readFileSync(fd, 'utf8'), 'contents');
    } finally {
      closeSync(fd);
    }
    assert.throws(() => sys.nameToHandleAt(AT_FDCWD, join(dir.path, 'missing'), 0), (e: unknown) => isSystemError(e, 'ENOENT') && e.syscall === 'name_to_handle_at');
  } finally {
    sys.close(mountFd);
    dir.cleanup();
  }
});

test('open_by_handle_at of a deleted file is ESTALE, with a bad mount fd EBADF', { skip }, () => {
  const sys = linuxSyscalls();
  const dir = tempDir();
  const file = join(dir.path, 'gone');
  writeFileSync(file, '');
  const handle = sys.nameToHandleAt(AT_FDCWD, file, 0);
  const mountFd = openSync(dir.path, 'r');
  try {
    unlinkSync(file);
    assert.throws(() => sys.openByHandleAt(mountFd, handle, O_RDONLY), (e: unknown) => isSystemError(e, 'ESTALE') && e.syscall === 'open_by_handle_at');
    assert.throws(() => sys.openByHandleAt(-1, handle, O_RDONLY), (e: unknown) => isSystemError(e, 'EBADF'));
  } finally {
    closeSync(mountFd);
    dir.cleanup();
  }
});
