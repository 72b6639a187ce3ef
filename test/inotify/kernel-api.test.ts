import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FsInode } from '../../src/core/index.js';
import { destroyObjectMarks } from '../../src/core/index.js';
import {
  createInotifyHandle,
  IN_ATTRIB,
  IN_CREATE,
  IN_DELETE_SELF,
  IN_DONT_FOLLOW,
  IN_IGNORED,
  IN_MASK_ADD,
  IN_MASK_CREATE,
  IN_MODIFY,
  IN_ONESHOT,
  inotifyAddWatchByPath,
  inotifyMaskToNames,
  InotifyWatch,
} from '../../src/inotify/index.js';
import type { InotifyHandle, InotifyHandleOptions } from '../../src/inotify/index.js';
import { FakeFs } from './helpers.js';

/** A consumer's watch type, carrying its own data (the kernel's container_of pattern). */
class TaggedWatch extends InotifyWatch {
  constructor(readonly tag: string) {
    super();
  }
}

interface Call {
  tag: string;
  wd: number;
  mask: string;
  cookie: number;
  name: string | null;
  inode: FsInode | null;
}

/** A handle that records every callback and does the documented final put on IN_IGNORED. */
function recorder(opts: InotifyHandleOptions = {}, onEvent?: (handle: InotifyHandle, watch: InotifyWatch, mask: number) => void) {
  const calls: Call[] = [];
  const destroyed: string[] = [];
  const handle: InotifyHandle = createInotifyHandle(
    {
      handleEvent(watch, wd, mask, cookie, name, inode) {
        calls.push({ tag: (watch as TaggedWatch).tag, wd, mask: inotifyMaskToNames(mask), cookie, name, inode });
        onEvent?.(handle, watch, mask);
        if (mask & IN_IGNORED) watch.put();
      },
      destroyWatch(watch) {
        destroyed.push((watch as TaggedWatch).tag);
      },
    },
    opts,
  );
  const brief = () => calls.splice(0).map((c) => `${c.tag} ${c.wd} ${c.mask}${c.name === null ? '' : ' ' + c.name}`);
  return { handle, calls, destroyed, brief };
}

function setup() {
  const fs = new FakeFs();
  fs.mkdir('/d');
  fs.create('/d/a');
  return fs;
}

describe('in-kernel inotify API', () => {
  test('calls handleEvent synchronously with the name and child inode for entry events only', () => {
    const fs = setup();
    const { handle, calls } = recorder();
    handle.addWatch(new TaggedWatch('dir'), fs.inode('/d'), IN_MODIFY | IN_CREATE);
    handle.addWatch(new TaggedWatch('file'), fs.inode('/d/a'), IN_MODIFY);
    fs.modify('/d/a');
    const created = fs.create('/d/n');
    assert.deepEqual(
      calls.map((c) => [c.tag, c.wd, c.mask, c.cookie, c.name, c.inode]),
      [
        ['dir', 1, 'IN_MODIFY', 0, 'a', fs.inode('/d/a')],
        ['file', 2, 'IN_MODIFY', 0, null, null],
        ['dir', 1, 'IN_CREATE', 0, 'n', created],
      ],
    );
  });

  test('does not deduplicate: two watches on one inode get two wds and both hear the event', () => {
    const fs = setup();
    const { handle, brief } = recorder();
    const inode = fs.inode('/d/a');
    assert.equal(handle.addWatch(new TaggedWatch('w1'), inode, IN_MODIFY), 1);
    assert.equal(handle.addWatch(new TaggedWatch('w2'), inode, IN_MODIFY | IN_ATTRIB), 2);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    assert.deepEqual(brief(), ['w2 2 IN_MODIFY', 'w1 1 IN_MODIFY', 'w2 2 IN_ATTRIB']);
  });

  test('reduces the mask to IN_ALL_EVENTS|IN_ONESHOT and rejects an empty one with EINVAL', () => {
    const fs = setup();
    const { handle } = recorder();
    const w = new TaggedWatch('w');
    assert.throws(() => handle.addWatch(w, fs.inode('/d/a'), IN_MASK_ADD | IN_DONT_FOLLOW), { code: 'EINVAL' });
    handle.addWatch(w, fs.inode('/d/a'), IN_MODIFY | IN_ONESHOT | IN_MASK_ADD);
    assert.equal(w.mask >>> 0, (IN_MODIFY | IN_ONESHOT) >>> 0);
    assert.throws(() => handle.addWatch(w, fs.inode('/d'), IN_MODIFY), { code: 'EEXIST' });
  });

  test('sends IN_IGNORED through the callback on rmWd and rmWatch, and EINVAL for unknown ones', () => {
    const fs = setup();
    const { handle, brief, calls, destroyed } = recorder();
    const w1 = new TaggedWatch('w1');
    const w2 = new TaggedWatch('w2');
    handle.addWatch(w1, fs.inode('/d/a'), IN_MODIFY);
    handle.addWatch(w2, fs.inode('/d'), IN_MODIFY);
    handle.rmWd(1);
    handle.rmWatch(w2);
    assert.equal(calls[0]!.cookie, 0);
    assert.equal(calls[0]!.inode, null);
    assert.deepEqual(brief(), ['w1 1 IN_IGNORED', 'w2 2 IN_IGNORED']);
    assert.deepEqual(destroyed, ['w1', 'w2'], 'the final put on IN_IGNORED destroys the watch');
    assert.throws(() => handle.rmWd(1), { code: 'EINVAL' });
    assert.throws(() => handle.rmWatch(w2), { code: 'EINVAL' });
    fs.modify('/d/a');
    assert.deepEqual(brief(), []);
    assert.equal(handle.size, 0);
  });

  test('finds the newest watch on an inode with a reference, or ENOENT', () => {
    const fs = setup();
    const { handle } = recorder();
    const inode = fs.inode('/d/a');
    assert.throws(() => handle.findWatch(inode), { code: 'ENOENT' });
    const w1 = new TaggedWatch('w1');
    const w2 = new TaggedWatch('w2');
    handle.addWatch(w1, inode, IN_MODIFY);
    handle.addWatch(w2, inode, IN_ATTRIB);
    const found = handle.findWatch(inode);
    assert.equal(found.watch, w2);
    assert.equal(found.wd, 2);
    assert.equal(w2.refcount, 2);
    found.watch.put();
  });

  test('updates a watch with findUpdateWatch: replace, OR with IN_MASK_ADD, EINVAL before ENOENT', () => {
    const fs = setup();
    const { handle, brief } = recorder();
    const inode = fs.inode('/d/a');
    assert.throws(() => handle.findUpdateWatch(inode, IN_MASK_ADD), { code: 'EINVAL' });
    assert.throws(() => handle.findUpdateWatch(inode, IN_MODIFY), { code: 'ENOENT' });
    const w = new TaggedWatch('w');
    handle.addWatch(w, inode, IN_MODIFY);
    assert.equal(handle.findUpdateWatch(inode, IN_ATTRIB), 1);
    assert.equal(w.mask, IN_ATTRIB);
    fs.modify('/d/a');
    assert.deepEqual(brief(), []);
    assert.equal(handle.findUpdateWatch(inode, IN_MODIFY | IN_MASK_ADD), 1);
    assert.equal(w.mask, IN_ATTRIB | IN_MODIFY);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    assert.deepEqual(brief(), ['w 1 IN_MODIFY', 'w 1 IN_ATTRIB']);
  });

  test('destroys every watch without IN_IGNORED and drops its own reference on each', () => {
    const fs = setup();
    const { handle, calls, destroyed } = recorder();
    const kept = new TaggedWatch('kept');
    handle.addWatch(new TaggedWatch('w1'), fs.inode('/d/a'), IN_MODIFY);
    handle.addWatch(kept, fs.inode('/d'), IN_CREATE);
    kept.get();
    handle.destroy();
    assert.deepEqual(calls, []);
    assert.deepEqual(destroyed, ['w1']);
    assert.equal(kept.refcount, 1);
    assert.equal(fs.inode('/d').connector, null);
    fs.create('/d/x');
    assert.deepEqual(calls, []);
    handle.destroy();
    assert.throws(() => handle.addWatch(new TaggedWatch('late'), fs.inode('/d'), IN_CREATE), { code: 'EINVAL' });
  });

  test('follows IN_ONESHOT with IN_IGNORED in modern mode', () => {
    const fs = setup();
    const { handle, brief, destroyed } = recorder({ oneshotIgnored: 'modern' });
    handle.addWatch(new TaggedWatch('w'), fs.inode('/d'), IN_CREATE | IN_ONESHOT);
    fs.create('/d/x');
    fs.create('/d/y');
    assert.deepEqual(brief(), ['w 1 IN_CREATE x', 'w 1 IN_IGNORED']);
    assert.deepEqual(destroyed, ['w']);
  });

  test('unlinks an IN_ONESHOT watch before its event and sends no IN_IGNORED in 2006 mode', () => {
    const fs = setup();
    let sizeDuringEvent = -1;
    const { handle, brief } = recorder({ oneshotIgnored: '2006' }, (h) => {
      sizeDuringEvent = h.size;
    });
    handle.addWatch(new TaggedWatch('w'), fs.inode('/d'), IN_CREATE | IN_ONESHOT);
    fs.create('/d/x');
    fs.create('/d/y');
    assert.deepEqual(brief(), ['w 1 IN_CREATE x']);
    assert.equal(sizeDuringEvent, 0);
    assert.throws(() => handle.rmWd(1), { code: 'EINVAL' });
  });

  test('allows removeWatchLocked inside the callback and rejects other calls with EBUSY', () => {
    const fs = setup();
    const errors: string[] = [];
    const { handle, brief } = recorder({}, (h, watch, mask) => {
      if (!(mask & IN_MODIFY)) return;
      try {
        h.rmWd(watch.wd);
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
      try {
        h.addWatch(new TaggedWatch('x'), fs.inode('/d'), IN_CREATE);
      } catch (e) {
        errors.push((e as { code: string }).code);
      }
      h.removeWatchLocked(watch);
    });
    const inode = fs.inode('/d/a');
    handle.addWatch(new TaggedWatch('w1'), inode, IN_MODIFY);
    handle.addWatch(new TaggedWatch('w2'), inode, IN_MODIFY);
    fs.modify('/d/a');
    assert.deepEqual(errors, ['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY']);
    assert.deepEqual(brief(), ['w2 2 IN_MODIFY', 'w2 2 IN_IGNORED', 'w1 1 IN_MODIFY', 'w1 1 IN_IGNORED']);
    assert.equal(inode.connector, null);
  });

  test('skips a watch that an earlier callback removed during the same event', () => {
    const fs = setup();
    const inode = fs.inode('/d/a');
    const w1 = new TaggedWatch('w1');
    const { handle, brief } = recorder({}, (h, watch, mask) => {
      if (watch !== w1 && mask & IN_MODIFY) h.removeWatchLocked(w1);
    });
    handle.addWatch(w1, inode, IN_MODIFY);
    handle.addWatch(new TaggedWatch('w2'), inode, IN_MODIFY);
    fs.modify('/d/a');
    assert.deepEqual(brief(), ['w2 2 IN_MODIFY', 'w1 1 IN_IGNORED']);
  });

  test('reports IN_DELETE_SELF then IN_IGNORED when the inode dies, and IN_UNMOUNT then IN_IGNORED at unmount', () => {
    const fs = setup();
    fs.create('/d/b');
    const { handle, brief, destroyed } = recorder();
    handle.addWatch(new TaggedWatch('a'), fs.inode('/d/a'), IN_DELETE_SELF);
    handle.addWatch(new TaggedWatch('quiet'), fs.inode('/d/a'), IN_MODIFY);
    handle.addWatch(new TaggedWatch('b'), fs.inode('/d/b'), IN_MODIFY);
    fs.unlink('/d/a');
    assert.deepEqual(brief(), ['a 1 IN_DELETE_SELF', 'quiet 2 IN_IGNORED', 'a 1 IN_IGNORED']);
    fs.umount();
    assert.deepEqual(brief(), ['b 3 IN_UNMOUNT', 'b 3 IN_IGNORED']);
    assert.deepEqual(destroyed, ['quiet', 'a', 'b']);
  });

  test('passes a source failure to handleError before the IN_IGNORED of the watches it took down', () => {
    const fs = setup();
    const seen: string[] = [];
    const handle = createInotifyHandle({
      handleEvent(_watch, wd, mask) {
        seen.push(`${wd} ${inotifyMaskToNames(mask)}`);
      },
      handleError(error) {
        seen.push(`error ${error.message}`);
      },
    });
    const inode = fs.inode('/d/a');
    handle.addWatch(new InotifyWatch(), inode, IN_MODIFY);
    for (const mark of inode.connector!.marks) mark.group.ops.sourceError?.(mark.group, new Error('gone'));
    destroyObjectMarks(inode);
    assert.deepEqual(seen, ['error gone', '1 IN_IGNORED']);
  });

  test('emulates the user API by path: find-and-update, else add; IN_MASK_CREATE gives EEXIST', () => {
    const fs = setup();
    fs.symlink('/d/a', '/d/link');
    const { handle, brief } = recorder();
    const first = inotifyAddWatchByPath(handle, fs, '/d/a', IN_MODIFY, new TaggedWatch('w'));
    assert.equal(first.created, true);
    const again = inotifyAddWatchByPath(handle, fs, '/d/link', IN_ATTRIB | IN_MASK_ADD);
    assert.deepEqual([again.wd, again.created, again.watch], [first.wd, false, first.watch]);
    assert.equal(first.watch.refcount, 1);
    assert.throws(() => inotifyAddWatchByPath(handle, fs, '/d/a', IN_MODIFY | IN_MASK_CREATE), { code: 'EEXIST' });
    assert.throws(() => inotifyAddWatchByPath(handle, fs, '/d/a', IN_MODIFY | IN_MASK_CREATE | IN_MASK_ADD), {
      code: 'EINVAL',
    });
    assert.throws(() => inotifyAddWatchByPath(handle, fs, '/nope', IN_MODIFY), { code: 'ENOENT' });
    const link = inotifyAddWatchByPath(handle, fs, '/d/link', IN_ATTRIB | IN_DONT_FOLLOW, new TaggedWatch('l'));
    assert.equal(link.created, true);
    fs.chmod('/d/a');
    assert.deepEqual(brief(), ['w 1 IN_ATTRIB']);
  });
});
