import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ATTR_MODE, ATTR_SIZE, destroyObjectMarks, FMODE_READ } from '../../src/core/index.js';
import {
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CLOSE,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_EXCL_UNLINK,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_OPEN,
  IN_ONESHOT,
  IN_Q_OVERFLOW,
  inotifyInit,
} from '../../src/inotify/index.js';
import { FakeFs, show } from './helpers.js';

function setup(maxQueuedEvents?: number) {
  const fs = new FakeFs();
  fs.mkdir('/d');
  fs.create('/d/a');
  fs.create('/d/b');
  const ino = maxQueuedEvents === undefined ? inotifyInit({ source: fs }) : inotifyInit({ source: fs, maxQueuedEvents });
  return { fs, ino };
}

describe('coalescing', () => {
  test('merges an identical event into the queue tail', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY);
    fs.modify('/d/a');
    fs.modify('/d/a');
    fs.modify('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY']);
  });

  test('compares only with the tail, so A B A stays three events', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    fs.modify('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY', 'wd 1 IN_ATTRIB', 'wd 1 IN_MODIFY']);
  });

  test('ignores the cookie: two MOVED_FROM of one name merge', () => {
    const { fs, ino } = setup();
    fs.mkdir('/e');
    ino.addWatch('/d', IN_MOVED_FROM);
    fs.rename('/d/a', '/e/a');
    fs.rename('/e/a', '/d/a');
    fs.rename('/d/a', '/e/a');
    const events = ino.read();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.mask, IN_MOVED_FROM);
    assert.notEqual(events[0]!.cookie, 0);
  });

  test('does not merge events of different names or wds', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_MODIFY);
    ino.addWatch('/d/a', IN_MODIFY);
    fs.modify('/d/a');
    fs.modify('/d/a');
    fs.modify('/d/b');
    assert.deepEqual(show(ino.read()), [
      'wd 1 IN_MODIFY "a"',
      'wd 2 IN_MODIFY',
      'wd 1 IN_MODIFY "a"',
      'wd 2 IN_MODIFY',
      'wd 1 IN_MODIFY "b"',
    ]);
  });

  test('never merges into an IN_IGNORED tail, even for a reused wd', () => {
    const { ino } = setup();
    ino.rmWatch(ino.addWatch('/d/a', IN_MODIFY));
    ino.setNextWd(1);
    ino.rmWatch(ino.addWatch('/d/b', IN_MODIFY));
    assert.deepEqual(show(ino.read()), ['wd 1 IN_IGNORED', 'wd 1 IN_IGNORED']);
  });

  test('merges again once the reader drained the queue and the same event recurs', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY);
    fs.modify('/d/a');
    assert.equal(ino.read().length, 1);
    fs.modify('/d/a');
    fs.modify('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY']);
  });
});

describe('overflow', () => {
  test('queues N events and then exactly one IN_Q_OVERFLOW', () => {
    const { fs, ino } = setup(4);
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    for (let i = 0; i < 10; i++) {
      fs.modify('/d/a');
      fs.chmod('/d/a');
    }
    const events = ino.read();
    assert.equal(events.length, 5);
    assert.deepEqual(events[4], { wd: -1, mask: IN_Q_OVERFLOW, cookie: 0, name: '' });
    assert.deepEqual(show(events.slice(0, 4)), ['wd 1 IN_MODIFY', 'wd 1 IN_ATTRIB', 'wd 1 IN_MODIFY', 'wd 1 IN_ATTRIB']);
  });

  test('counts the overflow event: a reader must remove two entries before a new event fits', () => {
    const { fs, ino } = setup(2);
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    fs.modify('/d/a'); // dropped: overflow queued as the third entry
    assert.deepEqual(show(ino.read(1)), ['wd 1 IN_MODIFY']);
    fs.chmod('/d/a'); // still full (ATTRIB + overflow): dropped
    assert.deepEqual(show(ino.read(1)), ['wd 1 IN_ATTRIB']);
    fs.modify('/d/a'); // fits now
    assert.deepEqual(show(ino.read()), ['wd -1 IN_Q_OVERFLOW', 'wd 1 IN_MODIFY']);
  });

  test('captures the queue limit from the sysctl at init', () => {
    const fs = new FakeFs();
    fs.create('/a');
    fs.limits.set('fs.inotify.max_queued_events', 1);
    const ino = inotifyInit({ source: fs });
    fs.limits.set('fs.inotify.max_queued_events', 100);
    ino.addWatch('/a', IN_ALL_EVENTS);
    fs.modify('/a');
    fs.chmod('/a');
    fs.modify('/a');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY', 'wd -1 IN_Q_OVERFLOW']);
  });

  test('returns a fresh overflow object each time it is read', () => {
    const { fs, ino } = setup(1);
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    fs.modify('/d/a');
    fs.chmod('/d/a');
    const first = ino.read()[1]!;
    (first as { wd: number }).wd = 7;
    fs.modify('/d/a');
    fs.chmod('/d/a');
    assert.equal(ino.read()[1]!.wd, -1);
  });
});

describe('watch removal events', () => {
  test('fires IN_ONESHOT once: the event, then IN_IGNORED, then nothing', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_ALL_EVENTS | IN_ONESHOT);
    fs.create('/d/x');
    fs.create('/d/y');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_CREATE "x"', 'wd 1 IN_IGNORED']);
    assert.deepEqual(ino.watches(), []);
  });

  test('fires IN_ONESHOT on a merged event too', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_MODIFY);
    ino.addWatch('/d/a', IN_MODIFY);
    fs.modify('/d/b');
    ino.addWatch('/d', IN_MODIFY | IN_ONESHOT);
    fs.modify('/d/b');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY "b"', 'wd 1 IN_IGNORED']);
  });

  test('reports IN_DELETE_SELF then IN_IGNORED before the parent IN_DELETE', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_ALL_EVENTS);
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    fs.unlink('/d/a');
    assert.deepEqual(show(ino.read()), ['wd 2 IN_ATTRIB', 'wd 2 IN_DELETE_SELF', 'wd 2 IN_IGNORED', 'wd 1 IN_DELETE "a"']);
  });

  test('strips IN_ISDIR from IN_DELETE_SELF and IN_MOVE_SELF but keeps it on the dirent events', () => {
    const { fs, ino } = setup();
    fs.mkdir('/d/s');
    fs.mkdir('/d/t');
    ino.addWatch('/d', IN_ALL_EVENTS);
    ino.addWatch('/d/s', IN_ALL_EVENTS);
    ino.addWatch('/d/t', IN_ALL_EVENTS);
    fs.rename('/d/s', '/d/s2');
    fs.rmdir('/d/t');
    const events = ino.read();
    assert.deepEqual(
      events.map((e) => [e.wd, e.mask, e.name]),
      [
        [1, IN_MOVED_FROM | IN_ISDIR, 's'],
        [1, IN_MOVED_TO | IN_ISDIR, 's2'],
        [2, IN_MOVE_SELF, ''],
        [3, IN_DELETE_SELF, ''],
        [3, IN_IGNORED, ''],
        [1, IN_DELETE | IN_ISDIR, 't'],
      ],
    );
    assert.equal(events[0]!.cookie, events[1]!.cookie);
    assert.notEqual(events[0]!.cookie, 0);
    assert.equal(events[2]!.cookie, 0);
  });

  test('reports IN_UNMOUNT then IN_IGNORED for every watch at unmount', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_MODIFY);
    ino.addWatch('/d/a', IN_MODIFY);
    fs.umount();
    assert.deepEqual(show(ino.read()), ['wd 2 IN_UNMOUNT', 'wd 2 IN_IGNORED', 'wd 1 IN_UNMOUNT|IN_ISDIR', 'wd 1 IN_IGNORED']);
    assert.deepEqual(ino.watches(), []);
  });

  test('delivers no IN_IGNORED after close and drops what was queued', async () => {
    const fs = new FakeFs();
    fs.create('/a');
    const ino = inotifyInit({ source: fs });
    ino.addWatch('/a', IN_ALL_EVENTS);
    fs.modify('/a');
    ino.close();
    fs.modify('/a');
    fs.umount();
    assert.equal(fs.inode('/a').connector, null, 'the mark is gone from the inode');
    assert.throws(() => ino.read(), { code: 'EBADF' });
  });
});

describe('source failure', () => {
  test('throws the source error once from the next read, then delivers the IN_IGNORED that followed', async () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_MODIFY);
    const pending = ino.readAsync();
    const inode = fs.inode('/d/a');
    const failure = new Error('reader crashed');
    for (const mark of inode.connector!.marks) mark.group.ops.sourceError?.(mark.group, failure);
    destroyObjectMarks(inode);
    await assert.rejects(pending, (e) => e === failure);
    assert.deepEqual(show(ino.read()), ['wd 1 IN_IGNORED']);
    assert.throws(() => ino.read(), { code: 'EAGAIN' });
  });
});

describe('routing through the core', () => {
  test('queues a child event for the parent watch (with the name) before the child watch', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_ALL_EVENTS);
    ino.addWatch('/d/a', IN_ALL_EVENTS);
    const f = fs.open('/d/a', FMODE_READ);
    fs.read(f);
    fs.close(f);
    assert.deepEqual(show(ino.read()), [
      'wd 1 IN_OPEN "a"',
      'wd 2 IN_OPEN',
      'wd 1 IN_ACCESS "a"',
      'wd 2 IN_ACCESS',
      'wd 1 IN_CLOSE_NOWRITE "a"',
      'wd 2 IN_CLOSE_NOWRITE',
    ]);
  });

  test('reports the whole event mask, not its intersection with the watch mask', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d/a', IN_ATTRIB);
    // an unprivileged O_TRUNC of a setuid file: MODIFY|ATTRIB in one notify_change
    fs.setattr('/d/a', ATTR_SIZE | ATTR_MODE);
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MODIFY|IN_ATTRIB']);
  });

  test('hides internal bits (FS_EVENT_ON_CHILD) from the reported mask', () => {
    const { fs, ino } = setup();
    ino.addWatch('/d', IN_MODIFY);
    fs.modify('/d/a');
    const [e] = ino.read();
    assert.equal(e!.mask, IN_MODIFY);
  });

  test('drops file events after unlink for IN_EXCL_UNLINK watches only', () => {
    const fs = new FakeFs();
    fs.mkdir('/d');
    fs.create('/d/a');
    const plain = inotifyInit({ source: fs });
    const excl = inotifyInit({ source: fs });
    for (const ino of [plain, excl]) {
      const flag = ino === excl ? IN_EXCL_UNLINK : 0;
      ino.addWatch('/d', IN_ALL_EVENTS | flag);
      ino.addWatch('/d/a', IN_ALL_EVENTS | flag);
    }
    const f = fs.open('/d/a');
    plain.read();
    excl.read();
    fs.unlink('/d/a');
    fs.write(f);
    fs.close(f);
    assert.deepEqual(show(plain.read()), [
      'wd 2 IN_ATTRIB',
      'wd 1 IN_DELETE "a"',
      'wd 1 IN_MODIFY "a"',
      'wd 2 IN_MODIFY',
      'wd 1 IN_CLOSE_WRITE "a"',
      'wd 2 IN_CLOSE_WRITE',
      'wd 2 IN_DELETE_SELF',
      'wd 2 IN_IGNORED',
    ]);
    assert.deepEqual(show(excl.read()), ['wd 2 IN_ATTRIB', 'wd 1 IN_DELETE "a"', 'wd 2 IN_DELETE_SELF', 'wd 2 IN_IGNORED']);
  });

  test('gives each instance its own copy of an event', () => {
    const { fs, ino } = setup();
    const other = inotifyInit({ source: fs });
    ino.addWatch('/d', IN_CREATE);
    other.addWatch('/d', IN_CREATE | IN_CLOSE);
    fs.create('/d/n');
    assert.deepEqual(show(ino.read()), ['wd 1 IN_CREATE "n"']);
    assert.deepEqual(show(other.read()), ['wd 1 IN_CREATE "n"']);
  });

  test('keeps a watch and its wd across renames of the watched object', () => {
    const { fs, ino } = setup();
    fs.mkdir('/d/s');
    fs.create('/d/s/f');
    ino.addWatch('/d/s', IN_OPEN | IN_MOVE_SELF);
    fs.rename('/d/s', '/d/t');
    const f = fs.open('/d/t/f');
    fs.close(f);
    assert.deepEqual(show(ino.read()), ['wd 1 IN_MOVE_SELF', 'wd 1 IN_OPEN "f"']);
  });
});
