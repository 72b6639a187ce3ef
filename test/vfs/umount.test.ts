/**
 * umount2 with MNT_DETACH: the mount leaves the tree at once, files open on
 * it keep working, and the superblock is shut down (IN_UNMOUNT, IN_IGNORED)
 * only when the last of them is closed. Streams as Linux 6.18 gave them for
 * the same calls on nested tmpfs mounts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VfsProcess } from '../../src/vfs/index.js';
import { MNT_DETACH, O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';
import { assertSysError, drain, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/mnt');
  root.mount('/mnt');
  writeFile(root, '/mnt/x', 'inside');
}

// watchedTree's walk order: / = 1, /mnt (the mounted root) = 2, /mnt/x = 3.
const MNT = 2;
const X = 3;

describe('umount2(MNT_DETACH)', () => {
  test('shuts an idle filesystem down at once: IN_UNMOUNT then IN_IGNORED per watch, newest inode first', () => {
    const { root, ino } = watchedTree(build);
    root.umount('/mnt', MNT_DETACH);
    assert.deepEqual(drain(ino), [`wd ${X} IN_UNMOUNT`, `wd ${X} IN_IGNORED`, `wd ${MNT} IN_UNMOUNT|IN_ISDIR`, `wd ${MNT} IN_IGNORED`]);
    assertSysError(() => root.stat('/mnt/x'), { code: 'ENOENT', syscall: 'stat', path: '/mnt/x' });
  });

  test('detaches a busy mount at once and keeps its open file readable', () => {
    const { root, ino } = watchedTree(build);
    const rfd = root.open('/mnt/x', O_RDONLY);
    const devInside = root.stat('/mnt').dev;
    drain(ino);
    root.umount('/mnt', MNT_DETACH);
    assert.deepEqual(drain(ino), [], 'no event while the file is open');
    assert.notEqual(root.stat('/mnt').dev, devInside, 'the path now shows the directory underneath');
    assert.deepEqual(root.readdir('/mnt'), []);
    assertSysError(() => root.open('/mnt/x', O_RDONLY), { code: 'ENOENT', syscall: 'open', path: '/mnt/x' });
    drain(ino); // the listing of the directory underneath, seen by the watch on /
    assert.equal(root.read(rfd, 100).toString(), 'inside');
    assert.equal(root.fstat(rfd).dev, devInside);
    root.close(rfd);
    assert.deepEqual(drain(ino), [
      `wd ${MNT} IN_ACCESS "x"`,
      `wd ${X} IN_ACCESS`,
      `wd ${MNT} IN_CLOSE_NOWRITE "x"`,
      `wd ${X} IN_CLOSE_NOWRITE`,
      `wd ${X} IN_UNMOUNT`,
      `wd ${X} IN_IGNORED`,
      `wd ${MNT} IN_UNMOUNT|IN_ISDIR`,
      `wd ${MNT} IN_IGNORED`,
    ]);
  });

  test('writes through the open file are still reported to the detached watches', () => {
    const { root, ino } = watchedTree(build);
    const wfd = root.open('/mnt/x', O_WRONLY);
    root.umount('/mnt', MNT_DETACH);
    drain(ino);
    root.write(wfd, 'y');
    assert.deepEqual(drain(ino), [`wd ${MNT} IN_MODIFY "x"`, `wd ${X} IN_MODIFY`]);
    root.close(wfd);
    assert.deepEqual(drain(ino), [
      `wd ${MNT} IN_CLOSE_WRITE "x"`,
      `wd ${X} IN_CLOSE_WRITE`,
      `wd ${X} IN_UNMOUNT`,
      `wd ${X} IN_IGNORED`,
      `wd ${MNT} IN_UNMOUNT|IN_ISDIR`,
      `wd ${MNT} IN_IGNORED`,
    ]);
  });

  test('waits for every user: two open files, the shutdown comes at the second close', () => {
    const { root, ino } = watchedTree(build);
    const a = root.open('/mnt/x', O_RDONLY);
    const b = root.open('/mnt', O_RDONLY);
    root.umount('/mnt', MNT_DETACH);
    drain(ino);
    root.close(a);
    assert.ok(!drain(ino).some((e) => /IN_UNMOUNT|IN_IGNORED/.test(e)));
    root.close(b);
    assert.ok(drain(ino).includes(`wd ${X} IN_UNMOUNT`));
    assert.deepEqual(ino.watches().map((w) => w.wd), [1], 'only the watch on / is left');
  });

  test('is what a busy mount needs: a plain umount fails EBUSY and leaves it mounted', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/mnt/x', O_RDONLY);
    expectFailure(() => root.umount('/mnt'), { code: 'EBUSY', syscall: 'umount2', path: '/mnt' });
    assert.equal(root.stat('/mnt/x').size, 'inside'.length);
    root.close(fd);
  });

  test('fails EINVAL on a path that is not a mount root, and EPERM for an ordinary user', () => {
    const { root, expectFailure } = watchedTree((r) => {
      build(r);
      r.mkdir('/plain');
    });
    expectFailure(() => root.umount('/plain'), { code: 'EINVAL', syscall: 'umount2', path: '/plain' });
    expectFailure(() => root.umount('/mnt/x'), { code: 'EINVAL', syscall: 'umount2', path: '/mnt/x' });
    const user = root.spawn({ uid: 1000, gid: 1000 });
    expectFailure(() => user.umount('/mnt', MNT_DETACH), { code: 'EPERM', syscall: 'umount2', path: '/mnt' }, [user]);
  });
});
