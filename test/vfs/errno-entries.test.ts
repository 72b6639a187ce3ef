/**
 * Errors of calls that create, remove or move entries: EISDIR, EEXIST,
 * ENOTEMPTY, EXDEV, EBUSY, EINVAL. Each case checks the errno, the syscall
 * and the path, and that nothing changed and no event was raised. Every
 * errno was read off Linux 6.18 (tmpfs, nested tmpfs mounts).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VfsProcess } from '../../src/vfs/index.js';
import {
  O_CREAT,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  RENAME_NOREPLACE,
  S_IFIFO,
  S_IFREG,
} from '../../src/vfs/index.js';
import { drain, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/d');
  root.mkdir('/d/sub');
  root.mkdir('/d/empty');
  writeFile(root, '/d/f', 'data');
  writeFile(root, '/d/g', 'other');
  root.symlink('nowhere', '/d/dangle');
  root.mkdir('/full');
  writeFile(root, '/full/x', 'x');
  root.mkdir('/nest');
  root.mkdir('/nest/a');
  root.mkdir('/nest/a/b');
  root.mkdir('/mnt');
  root.mount('/mnt');
  writeFile(root, '/mnt/inside', 'm');
}

describe('EISDIR', () => {
  test('is raised when a directory is opened for writing or created with O_CREAT', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/sub', O_WRONLY), { code: 'EISDIR', syscall: 'open', path: '/d/sub' });
    expectFailure(() => root.open('/d/sub', O_RDWR), { code: 'EISDIR', syscall: 'open', path: '/d/sub' });
    expectFailure(() => root.open('/d/sub', O_CREAT | O_RDONLY), { code: 'EISDIR', syscall: 'open', path: '/d/sub' });
    expectFailure(() => root.open('/d/new/', O_CREAT | O_WRONLY), { code: 'EISDIR', syscall: 'open', path: '/d/new/' });
  });

  test(
    'is raised when a directory is opened read-only with O_TRUNC',
    () => {
      const { root, expectFailure } = watchedTree(build);
      expectFailure(() => root.open('/d/sub', O_RDONLY | O_TRUNC), { code: 'EISDIR', syscall: 'open', path: '/d/sub' });
    },
  );

  test(
    'is raised by O_CREAT on an existing file name followed by a slash',
    () => {
      const { root, expectFailure } = watchedTree(build);
      expectFailure(() => root.open('/d/f/', O_CREAT | O_WRONLY), { code: 'EISDIR', syscall: 'open', path: '/d/f/' });
    },
  );

  test('is raised by unlink and truncate of a directory and by renaming a file over one', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.unlink('/d/sub'), { code: 'EISDIR', syscall: 'unlink', path: '/d/sub' });
    expectFailure(() => root.truncate('/d/sub', 0), { code: 'EISDIR', syscall: 'truncate', path: '/d/sub' });
    expectFailure(() => root.rename('/d/f', '/d/empty'), { code: 'EISDIR', syscall: 'rename', path: '/d/empty' });
  });
});

describe('EEXIST', () => {
  test('is raised by mkdir over any existing name, a dangling symlink included', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.mkdir('/d/sub'), { code: 'EEXIST', syscall: 'mkdir', path: '/d/sub' });
    expectFailure(() => root.mkdir('/d/f'), { code: 'EEXIST', syscall: 'mkdir', path: '/d/f' });
    expectFailure(() => root.mkdir('/d/dangle'), { code: 'EEXIST', syscall: 'mkdir', path: '/d/dangle' });
    expectFailure(() => root.mkdir('/'), { code: 'EEXIST', syscall: 'mkdir', path: '/' });
  });

  test('is raised by O_CREAT|O_EXCL on an existing name, without following a dangling symlink', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/f', O_CREAT | O_EXCL | O_WRONLY), { code: 'EEXIST', syscall: 'open', path: '/d/f' });
    expectFailure(() => root.open('/d/dangle', O_CREAT | O_EXCL | O_WRONLY), {
      code: 'EEXIST',
      syscall: 'open',
      path: '/d/dangle',
    });
  });

  test('is raised by link, symlink, mknod and renameat2(RENAME_NOREPLACE) onto an existing name', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.link('/d/f', '/d/g'), { code: 'EEXIST', syscall: 'link', path: '/d/g' });
    expectFailure(() => root.symlink('x', '/d/f'), { code: 'EEXIST', syscall: 'symlink', path: '/d/f' });
    expectFailure(() => root.symlink('x', '/d/dangle'), { code: 'EEXIST', syscall: 'symlink', path: '/d/dangle' });
    expectFailure(() => root.mknod('/d/f', S_IFREG | 0o644), { code: 'EEXIST', syscall: 'mknod', path: '/d/f' });
    expectFailure(() => root.mknod('/d/sub', S_IFIFO | 0o644), { code: 'EEXIST', syscall: 'mknod', path: '/d/sub' });
    expectFailure(() => root.rename('/d/f', '/d/g', RENAME_NOREPLACE), { code: 'EEXIST', syscall: 'renameat2', path: '/d/g' });
  });
});

describe('ENOTEMPTY', () => {
  test('is raised by rmdir of a directory with an entry, and by renaming a directory over one', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rmdir('/full'), { code: 'ENOTEMPTY', syscall: 'rmdir', path: '/full' });
    expectFailure(() => root.rename('/d/empty', '/full'), { code: 'ENOTEMPTY', syscall: 'rename', path: '/full' });
    expectFailure(() => root.rmdir('/d/..'), { code: 'ENOTEMPTY', syscall: 'rmdir', path: '/d/..' });
  });

  test('is not raised once the directory has been emptied', () => {
    const { root, ino } = watchedTree(build);
    root.unlink('/full/x');
    root.rmdir('/full');
    assert.ok(drain(ino).includes('wd 1 IN_DELETE|IN_ISDIR "full"'));
  });
});

describe('EXDEV', () => {
  test('is raised by rename and link across two mounts', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rename('/d/f', '/mnt/f'), { code: 'EXDEV', syscall: 'rename', path: '/d/f' });
    expectFailure(() => root.rename('/d/sub', '/mnt/sub'), { code: 'EXDEV', syscall: 'rename', path: '/d/sub' });
    expectFailure(() => root.rename('/mnt/inside', '/d/inside'), { code: 'EXDEV', syscall: 'rename', path: '/mnt/inside' });
    expectFailure(() => root.link('/d/f', '/mnt/f'), { code: 'EXDEV', syscall: 'link', path: '/d/f' });
  });

  test(
    'is raised by rename across mounts before the source is looked up',
    () => {
      const { root, expectFailure } = watchedTree(build);
      expectFailure(() => root.rename('/d/missing', '/mnt/f'), { code: 'EXDEV', syscall: 'rename', path: '/d/missing' });
    },
  );

  test(
    'is raised by link of a directory across mounts, before EPERM',
    () => {
      const { root, expectFailure } = watchedTree(build);
      expectFailure(() => root.link('/d/sub', '/mnt/dd'), { code: 'EXDEV', syscall: 'link', path: '/d/sub' });
    },
  );
});

describe('EBUSY', () => {
  test('is raised by rmdir or rename of a mount point', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rmdir('/mnt'), { code: 'EBUSY', syscall: 'rmdir', path: '/mnt' });
    expectFailure(() => root.rename('/mnt', '/mnt2'), { code: 'EBUSY', syscall: 'rename', path: '/mnt' });
  });

  test('is raised by umount of a mount holding an open file, a working directory or a child mount', () => {
    const { root, expectFailure } = watchedTree(build);
    const fd = root.open('/mnt/inside', O_RDONLY);
    expectFailure(() => root.umount('/mnt'), { code: 'EBUSY', syscall: 'umount2', path: '/mnt' });
    root.close(fd);

    root.mkdir('/mnt/wd');
    const other = root.spawn({ cwd: '/mnt/wd' });
    expectFailure(() => root.umount('/mnt'), { code: 'EBUSY', syscall: 'umount2', path: '/mnt' }, [other]);
    other.exit();

    root.mkdir('/mnt/child');
    root.mount('/mnt/child');
    expectFailure(() => root.umount('/mnt'), { code: 'EBUSY', syscall: 'umount2', path: '/mnt' });
    root.umount('/mnt/child');
    root.umount('/mnt');
    assert.deepEqual(root.readdir('/mnt'), [], 'the mount point is an empty directory again');
  });
});

describe('EINVAL', () => {
  test('is raised by renaming a directory into itself or one of its descendants', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rename('/full', '/full/sub'), { code: 'EINVAL', syscall: 'rename', path: '/full' });
    expectFailure(() => root.rename('/nest', '/nest/a/b/c'), { code: 'EINVAL', syscall: 'rename', path: '/nest' });
    expectFailure(() => root.rename('/nest/a', '/nest/a/b/a'), { code: 'EINVAL', syscall: 'rename', path: '/nest/a' });
  });

  test('is raised by rmdir of "."', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rmdir('/d/sub/.'), { code: 'EINVAL', syscall: 'rmdir', path: '/d/sub/.' });
  });

  test('is not raised by renaming a name onto another link of the same inode, which does nothing', () => {
    const { root, ino } = watchedTree(build);
    root.link('/d/f', '/d/f2');
    drain(ino);
    const before = root.lstat('/d/f');
    root.rename('/d/f', '/d/f2');
    assert.deepEqual(drain(ino), []);
    assert.equal(root.lstat('/d/f').ino, before.ino);
    assert.equal(root.lstat('/d/f').nlink, 2);
  });
});
