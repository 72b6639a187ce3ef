/**
 * getdents64 and file positions (lseek, O_APPEND). Expected listings and
 * event streams were taken from Linux 6.18 on tmpfs (the same calls through
 * syscall(SYS_getdents64)).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IN_ALL_EVENTS, inotifyInit } from '../../src/inotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import {
  DT_DIR,
  DT_LNK,
  DT_REG,
  O_APPEND,
  O_DIRECTORY,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from '../../src/vfs/index.js';
import { assertSysError, drain, readAll, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/d');
  writeFile(root, '/d/a', 'x');
  root.mkdir('/d/s');
  root.symlink('a', '/d/l');
}

/** wd of /d in watchedTree's walk order (/ = 1). */
const D = 2;

describe('getdents64', () => {
  test('returns . and .. first, then every entry once, with inode numbers and types', () => {
    const { root } = watchedTree(build);
    const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
    const entries = root.getdents(fd);
    assert.deepEqual(
      entries.slice(0, 2).map((e) => [e.name, e.ino, e.type]),
      [
        ['.', root.stat('/d').ino, DT_DIR],
        ['..', root.stat('/').ino, DT_DIR],
      ],
    );
    const rest = entries
      .slice(2)
      .map((e) => [e.name, e.ino, e.type] as const)
      .sort((x, y) => x[0].localeCompare(y[0]));
    assert.deepEqual(rest, [
      ['a', root.lstat('/d/a').ino, DT_REG],
      ['l', root.lstat('/d/l').ino, DT_LNK],
      ['s', root.lstat('/d/s').ino, DT_DIR],
    ]);
    root.close(fd);
  });

  test('returns [] once everything was listed, call after call', () => {
    const { root } = watchedTree(build);
    const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
    assert.equal(root.getdents(fd).length, 5);
    assert.deepEqual(root.getdents(fd), []);
    assert.deepEqual(root.getdents(fd), []);
    root.close(fd);
  });

  test('reports OPEN, one ACCESS per call (identical ones coalesce) and CLOSE_NOWRITE on the directory', () => {
    const { root } = watchedTree(build);
    // Only /d is watched here: with its parent watched too, the parent's and
    // the child's copies would alternate and never coalesce.
    const ino = inotifyInit({ source: root });
    const wd = ino.addWatch('/d', IN_ALL_EVENTS);
    const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
    root.getdents(fd);
    root.getdents(fd);
    assert.deepEqual(drain(ino), [`wd ${wd} IN_OPEN|IN_ISDIR`, `wd ${wd} IN_ACCESS|IN_ISDIR`]);
    root.getdents(fd);
    assert.deepEqual(drain(ino), [`wd ${wd} IN_ACCESS|IN_ISDIR`], 'the empty call at the end is reported too');
    root.close(fd);
    assert.deepEqual(drain(ino), [`wd ${wd} IN_CLOSE_NOWRITE|IN_ISDIR`]);
  });

  test('after lseek to 0 the whole listing comes again, with the current entries', () => {
    const { root } = watchedTree(build);
    const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
    root.getdents(fd);
    root.unlink('/d/a');
    writeFile(root, '/d/late');
    assert.equal(root.lseek(fd, 0, SEEK_SET), 0);
    const names = root
      .getdents(fd)
      .map((e) => e.name)
      .sort();
    assert.deepEqual(names, ['.', '..', 'l', 'late', 's']);
    root.close(fd);
  });

  test(
    'an entry created after the end was reached is not listed until the directory is rewound',
    () => {
      const { root } = watchedTree(build);
      const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
      root.getdents(fd);
      assert.deepEqual(root.getdents(fd), []);
      writeFile(root, '/d/late');
      assert.deepEqual(root.getdents(fd), []);
      root.close(fd);
    },
  );

  test('fails ENOTDIR on a regular file and ENOENT on a directory removed while open', () => {
    const { root, ino } = watchedTree(build);
    const file = root.open('/d/a', O_RDONLY);
    assertSysError(() => root.getdents(file), { code: 'ENOTDIR', syscall: 'getdents64', path: undefined });
    const dir = root.open('/d/s', O_RDONLY | O_DIRECTORY);
    root.rmdir('/d/s');
    drain(ino);
    assertSysError(() => root.getdents(dir), { code: 'ENOENT', syscall: 'getdents64', path: undefined });
    assert.deepEqual(drain(ino), [], 'a failed getdents reports no ACCESS');
    root.close(dir);
    root.close(file);
  });

  test('readdir lists the names without . and .., and leaves no descriptor behind', () => {
    const { root } = watchedTree(build);
    const fds = [...root.fds.keys()];
    assert.deepEqual(root.readdir('/d').sort(), ['a', 'l', 's']);
    assert.deepEqual([...root.fds.keys()], fds);
  });
});

describe('lseek', () => {
  function withData() {
    return watchedTree((r) => {
      build(r);
      writeFile(r, '/d/data', '0123456789');
    });
  }

  test('SEEK_SET, SEEK_CUR and SEEK_END move the position reads start from', () => {
    const { root } = withData();
    const fd = root.open('/d/data', O_RDONLY);
    assert.equal(root.lseek(fd, 3, SEEK_SET), 3);
    assert.equal(root.read(fd, 2).toString(), '34');
    assert.equal(root.lseek(fd, 0, SEEK_CUR), 5);
    assert.equal(root.lseek(fd, -2, SEEK_CUR), 3);
    assert.equal(root.lseek(fd, -1, SEEK_END), 9);
    assert.equal(root.read(fd, 5).toString(), '9');
    root.close(fd);
  });

  test('a read at or past the end returns nothing and reports no ACCESS', () => {
    const { root, ino } = withData();
    const fd = root.open('/d/data', O_RDONLY);
    assert.equal(root.lseek(fd, 100, SEEK_SET), 100);
    drain(ino);
    assert.equal(root.read(fd, 10).length, 0);
    assert.deepEqual(drain(ino), []);
    root.close(fd);
  });

  test('a write past the end leaves a zero-filled hole', () => {
    const { root } = withData();
    const fd = root.open('/d/data', O_WRONLY);
    root.lseek(fd, 12, SEEK_SET);
    root.write(fd, 'Z');
    root.close(fd);
    assert.equal(readAll(root, '/d/data'), '0123456789\0\0Z');
    assert.equal(root.stat('/d/data').size, 13);
  });

  test(
    'SEEK_END on a tmpfs directory is EINVAL',
    () => {
      const { root } = watchedTree(build);
      const fd = root.open('/d', O_RDONLY | O_DIRECTORY);
      assertSysError(() => root.lseek(fd, 0, SEEK_END), { code: 'EINVAL', syscall: 'lseek', path: undefined });
      root.close(fd);
    },
  );
});

describe('O_APPEND', () => {
  test('every write goes to the end, wherever the position was, and leaves the position there', () => {
    const { root, ino } = watchedTree(build);
    writeFile(root, '/d/log', '');
    drain(ino);
    const fd = root.open('/d/log', O_RDWR | O_APPEND);
    root.write(fd, 'abc');
    root.lseek(fd, 0, SEEK_SET);
    root.write(fd, 'de');
    assert.equal(root.lseek(fd, 0, SEEK_CUR), 5);
    root.lseek(fd, 0, SEEK_SET);
    assert.equal(root.read(fd, 100).toString(), 'abcde');
    root.close(fd);
    // Only the directory watches the new file, so the two identical MODIFY events coalesce.
    assert.deepEqual(drain(ino), [`wd ${D} IN_OPEN "log"`, `wd ${D} IN_MODIFY "log"`, `wd ${D} IN_ACCESS "log"`, `wd ${D} IN_CLOSE_WRITE "log"`]);
  });

  test('another descriptor writing meanwhile does not get overwritten', () => {
    const { root } = watchedTree(build);
    writeFile(root, '/d/log', 'start;');
    const a = root.open('/d/log', O_WRONLY | O_APPEND);
    const b = root.open('/d/log', O_WRONLY | O_APPEND);
    root.write(a, 'a1;');
    root.write(b, 'b1;');
    root.write(a, 'a2;');
    root.close(a);
    root.close(b);
    assert.equal(readAll(root, '/d/log'), 'start;a1;b1;a2;');
  });
});
