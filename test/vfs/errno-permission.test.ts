/**
 * EACCES and EPERM for an ordinary user (uid 1000, gid 1000) against files
 * and directories owned by root. Each case checks the errno, the syscall and
 * the path, that nothing changed and that no event was raised. Every errno
 * was read off Linux 6.18 (tmpfs) by a child that dropped to uid/gid 1000.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IN_ALL_EVENTS, inotifyInit } from '../../src/inotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { O_CREAT, O_RDONLY, O_RDWR, O_WRONLY } from '../../src/vfs/index.js';
import { drain, readAll, watchedTree, writeFile } from './helpers.js';

function build(root: VfsProcess): void {
  writeFile(root, '/secret', 'top secret', 0o600);
  writeFile(root, '/rootfile', 'root data', 0o644);
  root.mkdir('/private', 0o700);
  writeFile(root, '/private/f', 'hidden', 0o644);
  root.mkdir('/tmp');
  root.chmod('/tmp', 0o1777);
  writeFile(root, '/tmp/rootowned', 'shared');
  root.chmod('/tmp/rootowned', 0o666);
  root.mkdir('/home');
  root.chown('/home', 1000, 1000);
  writeFile(root, '/home/mine', 'mine');
  root.chown('/home/mine', 1000, 1000);
}

function setup() {
  const env = watchedTree(build);
  const user = env.root.spawn({ uid: 1000, gid: 1000 });
  return { ...env, user };
}

describe('EACCES', () => {
  test('is raised when the user reads a 0600 root file or writes a 0644 one', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.open('/secret', O_RDONLY), { code: 'EACCES', syscall: 'open', path: '/secret' }, [user]);
    expectFailure(() => user.open('/rootfile', O_WRONLY), { code: 'EACCES', syscall: 'open', path: '/rootfile' }, [user]);
    expectFailure(() => user.open('/rootfile', O_RDWR), { code: 'EACCES', syscall: 'open', path: '/rootfile' }, [user]);
    expectFailure(() => user.truncate('/rootfile', 0), { code: 'EACCES', syscall: 'truncate', path: '/rootfile' }, [user]);
    assert.equal(readAll(user, '/rootfile'), 'root data', 'reading the 0644 file is allowed');
  });

  test('is raised when the user creates, links or removes entries in a 0755 root directory', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.open('/new', O_CREAT | O_WRONLY), { code: 'EACCES', syscall: 'open', path: '/new' }, [user]);
    expectFailure(() => user.mkdir('/newd'), { code: 'EACCES', syscall: 'mkdir', path: '/newd' }, [user]);
    expectFailure(() => user.symlink('x', '/sl'), { code: 'EACCES', syscall: 'symlink', path: '/sl' }, [user]);
    expectFailure(() => user.link('/home/mine', '/hl'), { code: 'EACCES', syscall: 'link', path: '/hl' }, [user]);
    expectFailure(() => user.unlink('/rootfile'), { code: 'EACCES', syscall: 'unlink', path: '/rootfile' }, [user]);
    expectFailure(() => user.rename('/home/mine', '/moved'), { code: 'EACCES', syscall: 'rename', path: '/home/mine' }, [user]);
    // In the user's own directory the same calls work.
    user.mkdir('/home/newd');
    assert.ok(user.stat('/home/newd').isDirectory());
  });

  test('is raised for a path through a directory the user may not search', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.stat('/private/f'), { code: 'EACCES', syscall: 'stat', path: '/private/f' }, [user]);
    expectFailure(() => user.open('/private/f', O_RDONLY), { code: 'EACCES', syscall: 'open', path: '/private/f' }, [user]);
  });

  test('is raised by inotify_add_watch on a file the user may not read or reach', () => {
    const { user, expectFailure } = setup();
    const ino = inotifyInit({ source: user });
    expectFailure(() => ino.addWatch('/secret', IN_ALL_EVENTS), { code: 'EACCES', syscall: 'inotify_add_watch', path: '/secret' }, [
      user,
    ]);
    expectFailure(
      () => ino.addWatch('/private/f', IN_ALL_EVENTS),
      { code: 'EACCES', syscall: 'inotify_add_watch', path: '/private/f' },
      [user],
    );
    assert.deepEqual(ino.watches(), []);
    assert.ok(ino.addWatch('/rootfile', IN_ALL_EVENTS) > 0, 'a readable root file may be watched');
  });

  test('is raised by utimensat to "now" on a file the user neither owns nor may write', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.utimensat('/rootfile', 'now', 'now'), { code: 'EACCES', syscall: 'utimensat', path: '/rootfile' }, [
      user,
    ]);
  });

  test('is raised by setting a user.* xattr on a file the user may not write', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.setxattr('/rootfile', 'user.a', '1'), { code: 'EACCES', syscall: 'setxattr', path: '/rootfile' }, [
      user,
    ]);
  });
});

describe('EPERM', () => {
  test('is raised by chmod of a file or directory someone else owns', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.chmod('/rootfile', 0o777), { code: 'EPERM', syscall: 'chmod', path: '/rootfile' }, [user]);
    expectFailure(() => user.chmod('/tmp', 0o777), { code: 'EPERM', syscall: 'chmod', path: '/tmp' }, [user]);
  });

  test('is raised by chown of another user file, or of its own file to another uid or to a group the user is not in', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.chown('/rootfile', 1000, 1000), { code: 'EPERM', syscall: 'chown', path: '/rootfile' }, [user]);
    expectFailure(() => user.chown('/home/mine', 0, -1), { code: 'EPERM', syscall: 'chown', path: '/home/mine' }, [user]);
    expectFailure(() => user.chown('/home/mine', -1, 0), { code: 'EPERM', syscall: 'chown', path: '/home/mine' }, [user]);
  });

  test('is raised by unlink or rename of another user file in a sticky directory', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.unlink('/tmp/rootowned'), { code: 'EPERM', syscall: 'unlink', path: '/tmp/rootowned' }, [user]);
    expectFailure(() => user.rename('/tmp/rootowned', '/tmp/x'), { code: 'EPERM', syscall: 'rename', path: '/tmp/rootowned' }, [
      user,
    ]);
    // The user's own file in the same sticky directory may go.
    writeFile(user, '/tmp/mine', 'x');
    user.unlink('/tmp/mine');
  });

  test('is raised by utimensat with explicit times on a file someone else owns, even a writable one', () => {
    const { ino, user, expectFailure } = setup();
    expectFailure(() => user.utimensat('/rootfile', 1, 2), { code: 'EPERM', syscall: 'utimensat', path: '/rootfile' }, [user]);
    expectFailure(() => user.utimensat('/tmp/rootowned', 1, 'omit'), { code: 'EPERM', syscall: 'utimensat', path: '/tmp/rootowned' }, [
      user,
    ]);
    // "now" on a file the user may write is allowed and reported.
    user.utimensat('/tmp/rootowned', 'now', 'now');
    assert.ok(drain(ino).some((e) => /IN_ATTRIB$/.test(e)));
  });

  test('is raised by setting a trusted.* xattr as an ordinary user, even on its own file', () => {
    const { user, expectFailure } = setup();
    expectFailure(() => user.setxattr('/home/mine', 'trusted.x', '1'), { code: 'EPERM', syscall: 'setxattr', path: '/home/mine' }, [
      user,
    ]);
  });
});
