/**
 * Inode and open-file lifetime: an unlinked open file lives until its last
 * close, DELETE_SELF and IN_IGNORED wait for that close, and dup()ed
 * descriptors share one open file whose close is reported once. The event
 * streams are the ones Linux 6.18 produced for the same calls on tmpfs
 * (watches on d and on the file, IN_ALL_EVENTS).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VfsProcess } from '../../src/vfs/index.js';
import { O_RDONLY, O_RDWR, O_WRONLY, SEEK_SET } from '../../src/vfs/index.js';
import { assertSysError, drain, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/d');
  writeFile(root, '/d/f');
  writeFile(root, '/d/g');
}

// watchedTree numbers the watches in walk order: / = 1, /d = 2, /d/f = 3, /d/g = 4.
const D = 2;
const F = 3;
const G = 4;

describe('an unlinked file that is still open', () => {
  test('keeps its data readable and writable through the descriptor', () => {
    const { root } = watchedTree(build);
    const fd = root.open('/d/f', O_RDWR);
    root.write(fd, 'hello');
    root.unlink('/d/f');
    assertSysError(() => root.stat('/d/f'), { code: 'ENOENT', syscall: 'stat', path: '/d/f' });
    assert.equal(root.fstat(fd).nlink, 0);
    root.lseek(fd, 0, SEEK_SET);
    assert.equal(root.read(fd, 100).toString(), 'hello');
    root.write(fd, ' world');
    root.lseek(fd, 0, SEEK_SET);
    assert.equal(root.read(fd, 100).toString(), 'hello world');
    root.close(fd);
  });

  test('reports DELETE_SELF and IN_IGNORED only at the last close', () => {
    const { root, ino } = watchedTree(build);
    const fd = root.open('/d/f', O_RDWR);
    root.write(fd, 'hello');
    root.unlink('/d/f');
    assert.deepEqual(drain(ino), [
      `wd ${D} IN_OPEN "f"`,
      `wd ${F} IN_OPEN`,
      `wd ${D} IN_MODIFY "f"`,
      `wd ${F} IN_MODIFY`,
      `wd ${F} IN_ATTRIB`,
      `wd ${D} IN_DELETE "f"`,
    ]);
    root.lseek(fd, 0, SEEK_SET);
    root.read(fd, 100);
    assert.deepEqual(drain(ino), [`wd ${D} IN_ACCESS "f"`, `wd ${F} IN_ACCESS`], 'the old parent still hears it, by the old name');
    root.close(fd);
    assert.deepEqual(drain(ino), [`wd ${D} IN_CLOSE_WRITE "f"`, `wd ${F} IN_CLOSE_WRITE`, `wd ${F} IN_DELETE_SELF`, `wd ${F} IN_IGNORED`]);
    assert.ok(!ino.watches().some((w) => w.wd === F), 'the watch is gone with the inode');
  });

  test('waits for the second close when two descriptors are open', () => {
    const { root, ino } = watchedTree(build);
    const a = root.open('/d/f', O_RDONLY);
    const b = root.open('/d/f', O_WRONLY);
    root.unlink('/d/f');
    drain(ino);
    root.close(a);
    assert.deepEqual(drain(ino), [`wd ${D} IN_CLOSE_NOWRITE "f"`, `wd ${F} IN_CLOSE_NOWRITE`]);
    root.close(b);
    assert.deepEqual(drain(ino), [`wd ${D} IN_CLOSE_WRITE "f"`, `wd ${F} IN_CLOSE_WRITE`, `wd ${F} IN_DELETE_SELF`, `wd ${F} IN_IGNORED`]);
  });

  test('an open file held by another process keeps the inode alive until that process exits', () => {
    const { root, ino } = watchedTree(build);
    const other = root.spawn();
    other.open('/d/f', O_RDONLY);
    root.unlink('/d/f');
    drain(ino);
    other.exit();
    assert.deepEqual(drain(ino), [`wd ${D} IN_CLOSE_NOWRITE "f"`, `wd ${F} IN_CLOSE_NOWRITE`, `wd ${F} IN_DELETE_SELF`, `wd ${F} IN_IGNORED`]);
  });

  test('a file with another link left gets no DELETE_SELF at close', () => {
    const { root, ino } = watchedTree(build);
    root.link('/d/g', '/d/h');
    const fd = root.open('/d/g', O_RDONLY);
    root.unlink('/d/g');
    root.close(fd);
    assert.deepEqual(drain(ino), [
      `wd ${G} IN_ATTRIB`,
      `wd ${D} IN_CREATE "h"`,
      `wd ${D} IN_OPEN "g"`,
      `wd ${G} IN_OPEN`,
      `wd ${G} IN_ATTRIB`,
      `wd ${D} IN_DELETE "g"`,
      `wd ${D} IN_CLOSE_NOWRITE "g"`,
      `wd ${G} IN_CLOSE_NOWRITE`,
    ]);
    assert.equal(root.stat('/d/h').nlink, 1);
    assert.ok(ino.watches().some((w) => w.wd === G), 'the watch stays');
  });

  test('a file nobody has open reports DELETE_SELF and IN_IGNORED at unlink, before the DELETE', () => {
    const { root, ino } = watchedTree(build);
    root.unlink('/d/f');
    assert.deepEqual(drain(ino), [`wd ${F} IN_ATTRIB`, `wd ${F} IN_DELETE_SELF`, `wd ${F} IN_IGNORED`, `wd ${D} IN_DELETE "f"`]);
  });
});

describe('dup()ed descriptors', () => {
  test('share one open file: the close is reported at the last close only', () => {
    const { root, ino } = watchedTree(build);
    const fd = root.open('/d/g', O_WRONLY);
    const copy = root.dup(fd);
    assert.notEqual(copy, fd);
    assert.deepEqual(drain(ino), [`wd ${D} IN_OPEN "g"`, `wd ${G} IN_OPEN`]);
    root.close(fd);
    assert.deepEqual(drain(ino), [], 'the first close is silent');
    root.write(copy, 'x');
    root.close(copy);
    assert.deepEqual(drain(ino), [`wd ${D} IN_MODIFY "g"`, `wd ${G} IN_MODIFY`, `wd ${D} IN_CLOSE_WRITE "g"`, `wd ${G} IN_CLOSE_WRITE`]);
  });

  test('share the file position', () => {
    const { root } = watchedTree((r) => {
      build(r);
      writeFile(r, '/d/data', 'abcdef');
    });
    const fd = root.open('/d/data', O_RDONLY);
    const copy = root.dup(fd);
    assert.equal(root.read(fd, 2).toString(), 'ab');
    assert.equal(root.read(copy, 2).toString(), 'cd');
    root.close(fd);
    root.close(copy);
  });

  test('keep an unlinked file alive until the last of them is closed', () => {
    const { root, ino } = watchedTree(build);
    const fd = root.open('/d/f', O_RDONLY);
    const copy = root.dup(fd);
    root.unlink('/d/f');
    drain(ino);
    root.close(copy);
    assert.deepEqual(drain(ino), []);
    root.close(fd);
    assert.deepEqual(drain(ino), [`wd ${D} IN_CLOSE_NOWRITE "f"`, `wd ${F} IN_CLOSE_NOWRITE`, `wd ${F} IN_DELETE_SELF`, `wd ${F} IN_IGNORED`]);
  });
});
