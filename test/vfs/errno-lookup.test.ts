/**
 * Path resolution errors: ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG. Each case
 * checks the errno, the syscall and the path named in the error, and that
 * the failed call raised no event and changed nothing. Every errno here was
 * read off Linux 6.18 (tmpfs) with the same calls.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IN_ALL_EVENTS, IN_DONT_FOLLOW, IN_ONLYDIR } from '../../src/inotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';
import { watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  root.mkdir('/d');
  root.mkdir('/d/sub');
  writeFile(root, '/d/f', 'data');
  root.symlink('nowhere', '/d/dangle');
  root.symlink('f', '/d/lnk');
  root.symlink('loop2', '/d/loop1');
  root.symlink('loop1', '/d/loop2');
}

describe('ENOENT', () => {
  test('is raised when a middle component is missing', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/nope/x', O_CREAT | O_WRONLY), { code: 'ENOENT', syscall: 'open', path: '/d/nope/x' });
    expectFailure(() => root.mkdir('/d/nope/x'), { code: 'ENOENT', syscall: 'mkdir', path: '/d/nope/x' });
    expectFailure(() => root.stat('/nope/f'), { code: 'ENOENT', syscall: 'stat', path: '/nope/f' });
    expectFailure(() => root.symlink('t', '/d/nope/l'), { code: 'ENOENT', syscall: 'symlink', path: '/d/nope/l' });
  });

  test('is raised when the last component is missing and O_CREAT is not given', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/missing', O_RDONLY), { code: 'ENOENT', syscall: 'open', path: '/d/missing' });
    expectFailure(() => root.unlink('/d/missing'), { code: 'ENOENT', syscall: 'unlink', path: '/d/missing' });
    expectFailure(() => root.rmdir('/d/missing'), { code: 'ENOENT', syscall: 'rmdir', path: '/d/missing' });
    expectFailure(() => root.chmod('/d/missing', 0o600), { code: 'ENOENT', syscall: 'chmod', path: '/d/missing' });
    expectFailure(() => root.rename('/d/missing', '/d/x'), { code: 'ENOENT', syscall: 'rename', path: '/d/missing' });
    expectFailure(() => root.link('/d/missing', '/d/x'), { code: 'ENOENT', syscall: 'link', path: '/d/missing' });
  });

  test('is raised for an empty path', () => {
    const { root, ino, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('', O_CREAT | O_WRONLY), { code: 'ENOENT', syscall: 'open', path: '' });
    expectFailure(() => root.mkdir(''), { code: 'ENOENT', syscall: 'mkdir', path: '' });
    expectFailure(() => root.stat(''), { code: 'ENOENT', syscall: 'stat', path: '' });
    expectFailure(() => root.unlink(''), { code: 'ENOENT', syscall: 'unlink', path: '' });
    expectFailure(() => root.symlink('', '/d/empty-target'), { code: 'ENOENT', syscall: 'symlink', path: '/d/empty-target' });
    const watches = ino.watches().length;
    expectFailure(() => ino.addWatch('', IN_ALL_EVENTS), { code: 'ENOENT', syscall: 'inotify_add_watch', path: '' });
    assert.equal(ino.watches().length, watches);
  });

  test('is raised when a dangling symlink is followed, but not when it is not', () => {
    const { root, ino, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/dangle', O_RDONLY), { code: 'ENOENT', syscall: 'open', path: '/d/dangle' });
    expectFailure(() => root.stat('/d/dangle'), { code: 'ENOENT', syscall: 'stat', path: '/d/dangle' });
    expectFailure(() => root.chmod('/d/dangle', 0o600), { code: 'ENOENT', syscall: 'chmod', path: '/d/dangle' });
    expectFailure(() => root.truncate('/d/dangle', 0), { code: 'ENOENT', syscall: 'truncate', path: '/d/dangle' });
    expectFailure(() => root.stat('/d/dangle/x'), { code: 'ENOENT', syscall: 'stat', path: '/d/dangle/x' });
    expectFailure(() => ino.addWatch('/d/dangle', IN_ALL_EVENTS), {
      code: 'ENOENT',
      syscall: 'inotify_add_watch',
      path: '/d/dangle',
    });
    // Not following it works: the link itself exists.
    assert.ok(root.lstat('/d/dangle').isSymbolicLink());
    assert.ok(ino.addWatch('/d/dangle', IN_ALL_EVENTS | IN_DONT_FOLLOW) > 0);
  });
});

describe('ENOTDIR', () => {
  test('is raised when a regular file is used as a directory component', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/f/x', O_CREAT | O_WRONLY), { code: 'ENOTDIR', syscall: 'open', path: '/d/f/x' });
    expectFailure(() => root.mkdir('/d/f/x'), { code: 'ENOTDIR', syscall: 'mkdir', path: '/d/f/x' });
    expectFailure(() => root.stat('/d/f/x'), { code: 'ENOTDIR', syscall: 'stat', path: '/d/f/x' });
    expectFailure(() => root.chdir('/d/f'), { code: 'ENOTDIR', syscall: 'chdir', path: '/d/f' });
  });

  test('is raised when a file name is followed by a trailing slash', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.stat('/d/f/'), { code: 'ENOTDIR', syscall: 'stat', path: '/d/f/' });
    expectFailure(() => root.open('/d/f/', O_RDONLY), { code: 'ENOTDIR', syscall: 'open', path: '/d/f/' });
    expectFailure(() => root.unlink('/d/f/'), { code: 'ENOTDIR', syscall: 'unlink', path: '/d/f/' });
    expectFailure(() => root.truncate('/d/f/', 0), { code: 'ENOTDIR', syscall: 'truncate', path: '/d/f/' });
    expectFailure(() => root.rename('/d/f/', '/d/g'), { code: 'ENOTDIR', syscall: 'rename', path: '/d/f/' });
    expectFailure(() => root.rename('/d/f', '/d/g/'), { code: 'ENOTDIR', syscall: 'rename', path: '/d/g/' });
  });

  test('is raised by O_DIRECTORY, IN_ONLYDIR and rmdir on a file', () => {
    const { root, ino, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/f', O_RDONLY | O_DIRECTORY), { code: 'ENOTDIR', syscall: 'open', path: '/d/f' });
    expectFailure(() => root.rmdir('/d/f'), { code: 'ENOTDIR', syscall: 'rmdir', path: '/d/f' });
    expectFailure(() => ino.addWatch('/d/f', IN_ALL_EVENTS | IN_ONLYDIR), {
      code: 'ENOTDIR',
      syscall: 'inotify_add_watch',
      path: '/d/f',
    });
  });

  test('is raised when a directory is renamed over a file', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.rename('/d/sub', '/d/f'), { code: 'ENOTDIR', syscall: 'rename', path: '/d/f' });
  });
});

describe('ELOOP', () => {
  test('is raised by any call that follows a symlink loop', () => {
    const { root, ino, expectFailure } = watchedTree(build);
    expectFailure(() => root.stat('/d/loop1'), { code: 'ELOOP', syscall: 'stat', path: '/d/loop1' });
    expectFailure(() => root.open('/d/loop1', O_RDONLY), { code: 'ELOOP', syscall: 'open', path: '/d/loop1' });
    expectFailure(() => root.open('/d/loop1', O_CREAT | O_WRONLY), { code: 'ELOOP', syscall: 'open', path: '/d/loop1' });
    expectFailure(() => root.stat('/d/loop1/x'), { code: 'ELOOP', syscall: 'stat', path: '/d/loop1/x' });
    expectFailure(() => ino.addWatch('/d/loop2', IN_ALL_EVENTS), { code: 'ELOOP', syscall: 'inotify_add_watch', path: '/d/loop2' });
  });

  test('is raised by O_NOFOLLOW on a symlink, even one that points to a file', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open('/d/lnk', O_RDONLY | O_NOFOLLOW), { code: 'ELOOP', syscall: 'open', path: '/d/lnk' });
    expectFailure(() => root.open('/d/lnk', O_RDONLY | O_NOFOLLOW | O_CREAT), { code: 'ELOOP', syscall: 'open', path: '/d/lnk' });
    expectFailure(() => root.open('/d/dangle', O_WRONLY | O_NOFOLLOW | O_CREAT), { code: 'ELOOP', syscall: 'open', path: '/d/dangle' });
  });

  test('is raised by a chain of 41 symlinks while a chain of 40 resolves', () => {
    const { root, expectFailure } = watchedTree((r) => {
      build(r);
      r.mkdir('/c');
      r.symlink('/d/f', '/c/l1');
      for (let i = 2; i <= 41; i++) r.symlink(`l${i - 1}`, `/c/l${i}`);
    });
    assert.equal(root.stat('/c/l40').ino, root.stat('/d/f').ino);
    expectFailure(() => root.stat('/c/l41'), { code: 'ELOOP', syscall: 'stat', path: '/c/l41' });
  });
});

describe('ENAMETOOLONG', () => {
  const long = 'a'.repeat(256);

  test('is raised by a 256-byte name, last or in the middle, while 255 bytes are fine', () => {
    const { root, expectFailure } = watchedTree(build);
    expectFailure(() => root.open(`/d/${long}`, O_CREAT | O_WRONLY), { code: 'ENAMETOOLONG', syscall: 'open', path: `/d/${long}` });
    expectFailure(() => root.mkdir(`/d/${long}`), { code: 'ENAMETOOLONG', syscall: 'mkdir', path: `/d/${long}` });
    expectFailure(() => root.stat(`/d/${long}/x`), { code: 'ENAMETOOLONG', syscall: 'stat', path: `/d/${long}/x` });
    root.mkdir(`/d/${'a'.repeat(255)}`);
    assert.ok(root.stat(`/d/${'a'.repeat(255)}`).isDirectory());
  });

  test('counts a name in bytes, not in characters', () => {
    const { root, expectFailure } = watchedTree(build);
    const wide = 'é'.repeat(128); // 256 bytes in UTF-8
    expectFailure(() => root.open(`/d/${wide}`, O_CREAT | O_EXCL | O_WRONLY), {
      code: 'ENAMETOOLONG',
      syscall: 'open',
      path: `/d/${wide}`,
    });
    writeFile(root, `/d/${'é'.repeat(127)}a`); // 255 bytes
  });

  test('is raised by a path of PATH_MAX bytes or more', () => {
    const { root, expectFailure } = watchedTree(build);
    const deep = '/d/' + 'x/'.repeat(2100);
    expectFailure(() => root.stat(deep), { code: 'ENAMETOOLONG', syscall: 'stat', path: deep });
  });
});
