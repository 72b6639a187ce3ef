/**
 * Errors of calls on descriptors (EBADF, EINVAL) and of xattr calls
 * (ENODATA, EEXIST). Descriptor errors name no path. Each case checks that
 * nothing changed and no event was raised. Every errno was read off Linux
 * 6.18 (tmpfs).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VfsProcess } from '../../src/vfs/index.js';
import { O_PATH, O_RDONLY, O_WRONLY, SEEK_SET, XATTR_CREATE, XATTR_REPLACE } from '../../src/vfs/index.js';
import { readAll, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/d');
  writeFile(root, '/d/f', 'content');
  root.setxattr('/d/f', 'user.present', 'v1');
}

describe('EBADF', () => {
  test('is raised by reading a write-only descriptor and writing a read-only one', () => {
    const { root, expectFailure } = watchedTree(build);
    const wfd = root.open('/d/f', O_WRONLY);
    const rfd = root.open('/d/f', O_RDONLY);
    expectFailure(() => root.read(wfd, 10), { code: 'EBADF', syscall: 'read', path: undefined });
    expectFailure(() => root.write(rfd, 'x'), { code: 'EBADF', syscall: 'write', path: undefined });
    assert.equal(readAll(root, '/d/f'), 'content');
  });

  test('is raised by every call on a closed descriptor', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/d/f', O_RDONLY);
    root.close(fd);
    expectFailure(() => root.read(fd, 1), { code: 'EBADF', syscall: 'read', path: undefined });
    expectFailure(() => root.write(fd, 'x'), { code: 'EBADF', syscall: 'write', path: undefined });
    expectFailure(() => root.close(fd), { code: 'EBADF', syscall: 'close', path: undefined });
    expectFailure(() => root.lseek(fd, 0, SEEK_SET), { code: 'EBADF', syscall: 'lseek', path: undefined });
    expectFailure(() => root.fstat(fd), { code: 'EBADF', syscall: 'fstat', path: undefined });
    expectFailure(() => root.dup(fd), { code: 'EBADF', syscall: 'dup', path: undefined });
    expectFailure(() => root.ftruncate(fd, 0), { code: 'EBADF', syscall: 'ftruncate', path: undefined });
    expectFailure(() => root.getdents(fd), { code: 'EBADF', syscall: 'getdents64', path: undefined });
    expectFailure(() => root.fchmod(fd, 0o600), { code: 'EBADF', syscall: 'fchmod', path: undefined });
  });

  test('is raised by a descriptor number that was never opened', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.read(999, 1), { code: 'EBADF', syscall: 'read', path: undefined });
    expectFailure(() => root.close(-1), { code: 'EBADF', syscall: 'close', path: undefined });
  });

  test('is raised by reading or writing an O_PATH descriptor, which fstat still accepts', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/d/f', O_PATH);
    expectFailure(() => root.read(fd, 1), { code: 'EBADF', syscall: 'read', path: undefined });
    expectFailure(() => root.write(fd, 'x'), { code: 'EBADF', syscall: 'write', path: undefined });
    assert.equal(root.fstat(fd).size, 'content'.length);
  });

  test('is raised by a descriptor number that only another process has open', () => {
    const { root, expectFailure } = watchedTree(build);
    const other = root.spawn();
    const fd = other.open('/d/f', O_RDONLY);
    assert.ok(!root.fds.has(fd), 'the number is free in this process');
    expectFailure(() => root.read(fd, 1), { code: 'EBADF', syscall: 'read', path: undefined }, [other]);
  });
});

describe('EINVAL on descriptors', () => {
  test('is raised by ftruncate of a descriptor opened read-only', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/d/f', O_RDONLY);
    expectFailure(() => root.ftruncate(fd, 0), { code: 'EINVAL', syscall: 'ftruncate', path: undefined });
    assert.equal(root.stat('/d/f').size, 'content'.length);
  });

  test('is raised by ftruncate to a negative length and by an lseek before the start or with a bad whence', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/d/f', O_WRONLY);
    expectFailure(() => root.ftruncate(fd, -1), { code: 'EINVAL', syscall: 'ftruncate', path: undefined });
    expectFailure(() => root.lseek(fd, -1, SEEK_SET), { code: 'EINVAL', syscall: 'lseek', path: undefined });
    expectFailure(() => root.lseek(fd, 0, 99), { code: 'EINVAL', syscall: 'lseek', path: undefined });
  });
});

describe('xattr calls', () => {
  test('fail ENODATA to get, remove or replace an attribute that does not exist', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.getxattr('/d/f', 'user.missing'), { code: 'ENODATA', syscall: 'getxattr', path: '/d/f' });
    expectFailure(() => root.removexattr('/d/f', 'user.missing'), { code: 'ENODATA', syscall: 'removexattr', path: '/d/f' });
    expectFailure(() => root.setxattr('/d/f', 'user.missing', 'v', XATTR_REPLACE), {
      code: 'ENODATA',
      syscall: 'setxattr',
      path: '/d/f',
    });
  });

  test('fail EEXIST for XATTR_CREATE on an existing attribute and keep the old value', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.setxattr('/d/f', 'user.present', 'v2', XATTR_CREATE), {
      code: 'EEXIST',
      syscall: 'setxattr',
      path: '/d/f',
    });
    assert.equal(root.getxattr('/d/f', 'user.present').toString(), 'v1');
  });

  test('succeed when the flags are satisfied', () => {
    const { root } = watchedTree(build);
    root.setxattr('/d/f', 'user.present', 'v2', XATTR_REPLACE);
    root.setxattr('/d/f', 'user.fresh', 'n', XATTR_CREATE);
    assert.equal(root.getxattr('/d/f', 'user.present').toString(), 'v2');
    assert.deepEqual(root.listxattr('/d/f').sort(), ['user.fresh', 'user.present']);
    root.removexattr('/d/f', 'user.fresh');
    assert.deepEqual(root.listxattr('/d/f'), ['user.present']);
  });
});
