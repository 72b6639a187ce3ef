import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Limits } from '../../src/core/index.js';
import { isSystemError } from '../../src/errors.js';
import {
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CLOEXEC,
  IN_CREATE,
  IN_DONT_FOLLOW,
  IN_EXCL_UNLINK,
  IN_IGNORED,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_MODIFY,
  IN_NONBLOCK,
  IN_ONESHOT,
  IN_ONLYDIR,
  IN_UNMOUNT,
  inotifyInit,
} from '../../src/inotify/index.js';
import { FakeFs, show } from './helpers.js';

function throwsErrno(fn: () => unknown, code: string, syscall?: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSystemError(e), `expected a SystemError, got ${String(e)}`);
    assert.equal(e.code, code);
    if (syscall !== undefined) assert.equal(e.syscall, syscall);
    return true;
  });
}

function setup(limits?: Limits) {
  const fs = new FakeFs(limits ? { limits } : {});
  fs.mkdir('/d');
  fs.create('/d/a');
  fs.create('/d/b');
  fs.create('/d/c');
  fs.create('/d/e');
  const ino = inotifyInit({ source: fs });
  return { fs, ino };
}

describe('inotify_init1', () => {
  test('accepts IN_CLOEXEC and IN_NONBLOCK and rejects any other flag with EINVAL', () => {
    const fs = new FakeFs();
    const ino = inotifyInit({ source: fs, flags: IN_CLOEXEC | IN_NONBLOCK });
    assert.equal(ino.flags, IN_CLOEXEC | IN_NONBLOCK);
    throwsErrno(() => inotifyInit({ source: fs, flags: 1 }), 'EINVAL', 'inotify_init1');
    assert.equal(fs.limits.count(fs.uid, 'inotify.instances'), 1, 'a failed init charges nothing');
  });

  test('fails with EMFILE past max_user_instances and names the sysctl', () => {
    const fs = new FakeFs({ limits: new Limits({ 'fs.inotify.max_user_instances': 2 }) });
    const a = inotifyInit({ source: fs });
    inotifyInit({ source: fs });
    assert.throws(
      () => inotifyInit({ source: fs }),
      (e: unknown) => isSystemError(e, 'EMFILE') && /fs\.inotify\.max_user_instances/.test(e.message),
    );
    a.close();
    inotifyInit({ source: fs });
  });

  test('charges instances per uid', () => {
    const limits = new Limits({ 'fs.inotify.max_user_instances': 1 });
    inotifyInit({ source: new FakeFs({ limits, uid: 1 }) });
    inotifyInit({ source: new FakeFs({ limits, uid: 2 }) });
    throwsErrno(() => inotifyInit({ source: new FakeFs({ limits, uid: 1 }) }), 'EMFILE');
  });
});

describe('wd allocation', () => {
  test('hands out wds monotonically from 1 and never reuses a removed one', () => {
    const { ino } = setup();
    assert.equal(ino.addWatch('/d/a', IN_MODIFY), 1);
    assert.equal(ino.addWatch('/d/b', IN_MODIFY), 2);
    assert.equal(ino.addWatch('/d/c', IN_MODIFY), 3);
    ino.rmWatch(3);
    assert.equal(ino.addWatch('/d/e', IN_MODIFY), 4);
    assert.equal(ino.addWatch('/d/c', IN_MODIFY), 5);
  });

  test('burns a wd on ENOSPC and says how to raise max_user_watches', () => {
    const { ino } = setup(new Limits({ 'fs.inotify.max_user_watches': 3 }));
    ino.addWatch('/d/a', IN_MODIFY);
    ino.addWatch('/d/b', IN_MODIFY);
    ino.addWatch('/d/c', IN_MODIFY);
    assert.throws(
      () => ino.addWatch('/d/e', IN_MODIFY),
      (e: unknown) =>
        isSystemError(e, 'ENOSPC') && e.syscall === 'inotify_add_watch' && e.message.includes('sysctl fs.inotify.max_user_watches=N'),
    );
    ino.rmWatch(1);
    assert.equal(ino.addWatch('/d/e', IN_MODIFY), 5);
  });

  test('charges watches to the instance user and uncharges on removal and close', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY);
    ino.addWatch('/d/b', IN_MODIFY);
    assert.equal(fs.limits.count(fs.uid, 'inotify.watches'), 2);
    ino.rmWatch(1);
    assert.equal(fs.limits.count(fs.uid, 'inotify.watches'), 1);
    ino.close();
    assert.equal(fs.limits.count(fs.uid, 'inotify.watches'), 0);
    assert.equal(fs.limits.count(fs.uid, 'inotify.instances'), 0);
  });

  test('wraps to the smallest free wd after INT_MAX (INOTIFY_IOC_SETNEXTWD)', () => {
    const { ino } = setup();
    assert.equal(ino.addWatch('/d/a', IN_MODIFY), 1);
    ino.setNextWd(0x7ffffffe);
    assert.equal(ino.addWatch('/d/b', IN_MODIFY), 0x7ffffffe);
    assert.equal(ino.addWatch('/d/c', IN_MODIFY), 0x7fffffff);
    assert.equal(ino.addWatch('/d/e', IN_MODIFY), 2);
    throwsErrno(() => ino.setNextWd(0), 'EINVAL', 'ioctl');
  });

  test('returns the same wd for the same inode reached through a hard link or a followed symlink', () => {
    const { fs, ino } = setup();
    fs.link('/d/a', '/d/hard');
    fs.symlink('/d/a', '/d/soft');
    const wd = ino.addWatch('/d/a', IN_MODIFY);
    assert.equal(ino.addWatch('/d/hard', IN_MODIFY), wd);
    assert.equal(ino.addWatch('/d/soft', IN_MODIFY), wd);
    assert.notEqual(ino.addWatch('/d/soft', IN_MODIFY | IN_DONT_FOLLOW), wd, 'IN_DONT_FOLLOW watches the link itself');
  });
});

describe('inotify_add_watch errno order', () => {
  test('reports EINVAL for unknown mask bits before EBADF on a closed instance', () => {
    const { ino } = setup();
    ino.close();
    throwsErrno(() => ino.addWatch('/d/a', 0x00001000), 'EINVAL');
    throwsErrno(() => ino.addWatch('/d/a', 0), 'EINVAL');
    throwsErrno(() => ino.addWatch('/d/a', IN_MODIFY), 'EBADF');
    throwsErrno(() => ino.addWatch('/d/a', IN_MASK_ADD | IN_MASK_CREATE | IN_MODIFY), 'EBADF');
  });

  test('rejects IN_MASK_ADD with IN_MASK_CREATE before resolving the path', () => {
    const { ino } = setup();
    throwsErrno(() => ino.addWatch('/missing', IN_MASK_ADD | IN_MASK_CREATE | IN_MODIFY), 'EINVAL');
    throwsErrno(() => ino.addWatch('/missing', IN_MODIFY), 'ENOENT');
    throwsErrno(() => ino.addWatch('/d/a', IN_MODIFY | IN_ONLYDIR), 'ENOTDIR');
  });

  test('accepts a mask of flag bits only and makes a watch that hears nothing but unmount', () => {
    const { fs, ino } = setup();
    const wd = ino.addWatch('/d/a', IN_DONT_FOLLOW);
    assert.equal(wd, 1);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    throwsErrno(() => ino.read(), 'EAGAIN');
    fs.umount();
    assert.deepEqual(show(ino.read()), ['wd 1 IN_UNMOUNT', 'wd 1 IN_IGNORED']);
  });

  test('accepts masks written as negative int32 values (IN_ONESHOT set)', () => {
    const { ino } = setup();
    const mask = IN_MODIFY | IN_ONESHOT;
    assert.ok(mask < 0);
    assert.equal(ino.addWatch('/d/a', mask), 1);
    assert.equal(ino.watches()[0]!.mask >>> 0, (IN_MODIFY | IN_ONESHOT) >>> 0);
  });

  test('fails with EEXIST under IN_MASK_CREATE when the inode is already watched', () => {
    const { fs, ino } = setup();
    fs.link('/d/a', '/d/hard');
    ino.addWatch('/d/a', IN_MODIFY);
    throwsErrno(() => ino.addWatch('/d/hard', IN_ATTRIB | IN_MASK_CREATE), 'EEXIST');
    assert.equal(ino.addWatch('/d/b', IN_ATTRIB | IN_MASK_CREATE), 2);
  });
});

describe('updating a watch', () => {
  test('replaces both the mask and the flags without IN_MASK_ADD', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY | IN_ONESHOT | IN_EXCL_UNLINK);
    ino.addWatch('/d/a', IN_ATTRIB);
    assert.deepEqual(ino.watches().map((w) => w.mask), [IN_ATTRIB]);
    fs.modify('/d/a');
    throwsErrno(() => ino.read(), 'EAGAIN');
    fs.chmod('/d/a');
    fs.chmod('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_ATTRIB'], 'no longer oneshot');
  });

  test('ORs the mask with IN_MASK_ADD and keeps IN_ONESHOT', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY | IN_ONESHOT);
    assert.equal(ino.addWatch('/d/a', IN_ATTRIB | IN_MASK_ADD), 1);
    assert.deepEqual(ino.watches().map((w) => w.mask >>> 0), [(IN_MODIFY | IN_ATTRIB | IN_ONESHOT) >>> 0]);
    fs.chmod('/d/a');
    fs.modify('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_ATTRIB', 'wd 1 IN_IGNORED']);
  });

  test('generates no event when a watch is modified', () => {
    const { ino } = setup();
    ino.addWatch('/d', IN_CREATE);
    ino.addWatch('/d', IN_ALL_EVENTS);
    ino.addWatch('/d', IN_MODIFY | IN_MASK_ADD);
    throwsErrno(() => ino.read(), 'EAGAIN');
  });

  test('narrows the directory mask so dropped child events stop reaching the parent', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_MODIFY);
    fs.modify('/d/a');
    ino.addWatch('/d', IN_CREATE);
    fs.modify('/d/a');
    fs.create('/d/new');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY "a"', 'wd 1 IN_CREATE "new"']);
  });
});

describe('inotify_rm_watch', () => {
  test('queues IN_IGNORED and fails with EINVAL the second time', () => {
    const { ino } = setup();
    const wd = ino.addWatch('/d/a', IN_MODIFY);
    ino.rmWatch(wd);
    assert.deepEqual(ino.read(), [{ wd, mask: IN_IGNORED, cookie: 0, name: '' }]);
    throwsErrno(() => ino.rmWatch(wd), 'EINVAL', 'inotify_rm_watch');
    throwsErrno(() => ino.rmWatch(-1), 'EINVAL');
    throwsErrno(() => ino.rmWatch(99), 'EINVAL');
  });

  test('keeps the events already queued for the removed wd', () => {
    const { fs, ino } = setup();
    const wd = ino.addWatch('/d/a', IN_MODIFY);
    fs.modify('/d/a');
    ino.rmWatch(wd);
    fs.modify('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY', 'wd 1 IN_IGNORED']);
  });

  test('fails with EBADF on a closed instance', () => {
    const { ino } = setup();
    const wd = ino.addWatch('/d/a', IN_MODIFY);
    ino.close();
    throwsErrno(() => ino.rmWatch(wd), 'EBADF');
    throwsErrno(() => ino.close(), 'EBADF');
  });

  test('fails with EINVAL for a wd removed by unmount', () => {
    const { fs, ino } = setup();
    const wd = ino.addWatch('/d/a', IN_MODIFY | IN_UNMOUNT);
    fs.umount();
    throwsErrno(() => ino.rmWatch(wd), 'EINVAL');
  });
});
