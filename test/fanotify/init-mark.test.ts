import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AT_FDCWD,
  FAN_ACCESS,
  FAN_CLASS_CONTENT,
  FAN_CLASS_NOTIF,
  FAN_CLASS_PRE_CONTENT,
  FAN_CREATE,
  FAN_MARK_ADD,
  FAN_MARK_EVICTABLE,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_FLUSH,
  FAN_MARK_IGNORE,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_MOUNT,
  FAN_MARK_ONLYDIR,
  FAN_MARK_REMOVE,
  FAN_ONDIR,
  FAN_OPEN,
  FAN_OPEN_PERM,
  FAN_Q_OVERFLOW,
  FAN_RENAME,
  FAN_REPORT_DFID_NAME,
  FAN_REPORT_DFID_NAME_TARGET,
  FAN_REPORT_DIR_FID,
  FAN_REPORT_FID,
  FAN_REPORT_NAME,
  FAN_REPORT_PIDFD,
  FAN_REPORT_TARGET_FID,
  FAN_REPORT_TID,
  FAN_UNLIMITED_MARKS,
  FAN_UNLIMITED_QUEUE,
  fanotifyInit,
} from '../../src/fanotify/index.js';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';
import { drain, show, world } from './helpers.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'ok';
}

describe('fanotify_init checks, in the kernel order', () => {
  test('an unprivileged caller gets EPERM for admin flags before EINVAL for unknown ones', () => {
    const user = world().spawn({ uid: 1000 });
    assert.equal(code(() => fanotifyInit({ source: user, flags: FAN_CLASS_CONTENT | 0x80000 })), 'EPERM');
    assert.equal(code(() => fanotifyInit({ source: user, flags: FAN_CLASS_NOTIF })), 'EPERM');
    assert.equal(code(() => fanotifyInit({ source: user, flags: FAN_REPORT_FID | FAN_UNLIMITED_QUEUE })), 'EPERM');
    assert.equal(code(() => fanotifyInit({ source: user, flags: FAN_REPORT_FID })), 'ok');
  });

  test('bad combinations are EINVAL', () => {
    const p = world();
    for (const flags of [
      0x80000,
      FAN_CLASS_CONTENT | FAN_REPORT_FID,
      FAN_CLASS_PRE_CONTENT | FAN_REPORT_FID,
      FAN_REPORT_NAME,
      FAN_REPORT_DFID_NAME | FAN_REPORT_TARGET_FID,
      FAN_REPORT_DIR_FID | FAN_REPORT_FID | FAN_REPORT_TARGET_FID,
      FAN_REPORT_PIDFD | FAN_REPORT_TID,
      FAN_CLASS_CONTENT | FAN_CLASS_PRE_CONTENT,
    ]) {
      assert.equal(code(() => fanotifyInit({ source: p, flags })), 'EINVAL', `flags 0x${flags.toString(16)}`);
    }
    assert.equal(code(() => fanotifyInit({ source: p, eventFFlags: 3 })), 'EINVAL');
    assert.equal(code(() => fanotifyInit({ source: p, eventFFlags: O_CREAT })), 'EINVAL');
    assert.equal(code(() => fanotifyInit({ source: p, flags: FAN_REPORT_DFID_NAME_TARGET })), 'ok');
  });

  test('fs.fanotify.max_user_groups gives EMFILE; closing a group frees its slot', () => {
    const p = world();
    p.limits.set('fs.fanotify.max_user_groups', 2);
    const a = fanotifyInit({ source: p });
    fanotifyInit({ source: p });
    assert.equal(code(() => fanotifyInit({ source: p })), 'EMFILE');
    a.close();
    assert.equal(code(() => fanotifyInit({ source: p })), 'ok');
  });
});

describe('fanotify_mark checks, in the kernel order', () => {
  test('flag and mask errors come before the group and path checks', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, 0, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_REMOVE, FAN_OPEN, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_FLUSH | FAN_MARK_ONLYDIR, 0, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN | FAN_Q_OVERFLOW, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_MASK, FAN_OPEN, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_CREATE, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_EVICTABLE, FAN_OPEN, '/missing')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, '/missing')), 'ENOENT');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, '/d/f')), 'ENOTDIR');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, null)), 'EBADF');
    fan.close();
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, 0, '/d')), 'EINVAL');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d')), 'EBADF');
  });

  test('FAN_RENAME needs FAN_REPORT_NAME and, on an inode mark, a directory', () => {
    const p = world();
    assert.equal(code(() => fanotifyInit({ source: p, flags: FAN_REPORT_FID }).mark(FAN_MARK_ADD, FAN_RENAME, '/d')), 'EINVAL');
    const named = fanotifyInit({ source: p, flags: FAN_REPORT_DFID_NAME });
    assert.equal(code(() => named.mark(FAN_MARK_ADD, FAN_RENAME, '/d/f')), 'ENOTDIR');
    assert.equal(code(() => named.mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_RENAME, '/d/f')), 'ok');
    assert.equal(code(() => named.mark(FAN_MARK_ADD, FAN_CREATE, '/d/f')), 'ok', 'not strict without FAN_RENAME');
  });

  test('unprivileged groups may only mark inodes; a mark on a descriptor works with a NULL path', () => {
    const p = world();
    const user = p.spawn({ uid: 1000 });
    const fan = fanotifyInit({ source: user, flags: FAN_REPORT_FID });
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/')), 'EPERM');
    const dfd = user.open('/d', O_RDONLY);
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN | FAN_ONDIR, dfd, null)), 'ok');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, dfd, 'f')), 'ok', 'relative to dirfd');
  });

  test('fs.fanotify.max_user_marks gives ENOSPC, not with FAN_UNLIMITED_MARKS; removal frees a mark', () => {
    const p = world();
    p.limits.set('fs.fanotify.max_user_marks', 2);
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d/f');
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/g');
    fan.mark(FAN_MARK_ADD, FAN_ACCESS, '/g');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d')), 'ENOSPC');
    fan.mark(FAN_MARK_REMOVE, FAN_OPEN, '/g');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d')), 'ENOSPC', 'FAN_ACCESS is still marked on /g');
    fan.mark(FAN_MARK_REMOVE, FAN_ACCESS, '/g');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d')), 'ok');
    const unlimited = fanotifyInit({ source: p, flags: FAN_UNLIMITED_MARKS });
    for (const path of ['/', '/d', '/d/f', '/g']) unlimited.mark(FAN_MARK_ADD, FAN_OPEN, path);
  });

  test('an evictable mark can be upgraded, a pinning one cannot become evictable (EEXIST)', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_OPEN, '/d/f');
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d/f');
    assert.equal(code(() => fan.mark(FAN_MARK_ADD | FAN_MARK_EVICTABLE, FAN_OPEN, '/d/f')), 'EEXIST');
    assert.match(fan.fdinfo()[1]!, /^fanotify ino:\w+ sdev:\w+ mflags:0 mask:20 ignored_mask:0 fhandle-bytes:c fhandle-type:1/);
  });

  test('FAN_MARK_FLUSH removes only marks of the given type', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/d/f');
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/');
    fan.mark(FAN_MARK_FLUSH, 0, null);
    p.close(p.open('/g', O_RDONLY));
    assert.deepEqual(show(p, drain(fan)), ['FAN_OPEN /g']);
    fan.mark(FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, null);
    p.close(p.open('/g', O_WRONLY));
    assert.deepEqual(drain(fan), []);
  });
});
