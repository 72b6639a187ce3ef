/**
 * Dispatch (rules C5–C10, H1–H5): which groups are asked, in which order,
 * with which marks, mask and name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ATTR_MODE,
  ATTR_SIZE,
  FS_ACCESS,
  FS_ATTRIB,
  FS_CREATE,
  FS_DELETE_SELF,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_MODIFY,
  FS_MOVED_FROM,
  FS_MOVED_TO,
  FS_OPEN,
  FS_OPEN_PERM,
  FS_RENAME,
  fsnotify,
  fsnotifyParent,
  MARK_FLAG_EXCL_UNLINK,
  notifyChange,
  notifyCreate,
  notifyInode,
  notifyMove,
  PRIO_CONTENT,
  PRIO_NORMAL,
  PRIO_PRE_CONTENT,
} from '../../src/core/index.js';
import type { Answer, Call } from './helpers.js';
import { addMark, groupsOf, recordingGroup, world } from './helpers.js';

const EPERM = 1;
const EACCES = 13;

describe('fast path', () => {
  test('an event on an object nobody marked reaches no handler, even with marks all around it', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.b.inode, FS_OPEN, { name: 'sibling' });
    addMark(g.group, w.d.inode, FS_OPEN, { name: 'parent-not-watching-children' });
    addMark(g.group, w.sub.inode, FS_OPEN | FS_EVENT_ON_CHILD, { name: 'other-dir' });
    const ret = fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.equal(ret, 0);
    assert.deepEqual(log, []);
  });

  test('an event outside every mask reaches no handler', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.a.inode, FS_ACCESS, { name: 'a' });
    addMark(g.group, w.sb, FS_ATTRIB, { name: 'sb' });
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(log, []);
  });
});

describe('group iteration (rule C8)', () => {
  test('visits each group once per event, highest priority first, with all of its marks at once', () => {
    const log: Call[] = [];
    // Created lowest priority first so that creation order cannot explain the result.
    const normal = recordingGroup('normal', log, { priority: PRIO_NORMAL });
    const content = recordingGroup('content', log, { priority: PRIO_CONTENT });
    const pre = recordingGroup('pre', log, { priority: PRIO_PRE_CONTENT });
    const w = world();
    for (const g of [normal, content, pre]) {
      addMark(g.group, w.sb, FS_OPEN, { name: `${g.label}-sb` });
      addMark(g.group, w.mount, FS_OPEN, { name: `${g.label}-mount` });
      addMark(g.group, w.a.inode, FS_OPEN, { name: `${g.label}-inode` });
    }
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['pre', 'content', 'normal']);
    for (const call of log) assert.deepEqual(call.iter.sort(), ['inode', 'mount', 'sb'], call.group);
  });

  test('visits groups of equal priority in creation order', () => {
    const log: Call[] = [];
    const w = world();
    const groups = ['first', 'second', 'third'].map((l) => recordingGroup(l, log));
    // Marks of different groups on different objects: the walk merges the lists.
    addMark(groups[2]!.group, w.a.inode, FS_OPEN, { name: 'third' });
    addMark(groups[0]!.group, w.sb, FS_OPEN, { name: 'first' });
    addMark(groups[1]!.group, w.mount, FS_OPEN, { name: 'second' });
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['first', 'second', 'third']);
  });

  test('results of ordinary events are ignored: a non-zero answer does not stop the walk', () => {
    const log: Call[] = [];
    const high = recordingGroup('high', log, { priority: PRIO_CONTENT, answer: () => EPERM });
    const low = recordingGroup('low', log);
    const w = world();
    addMark(high.group, w.a.inode, FS_OPEN, { name: 'high' });
    addMark(low.group, w.a.inode, FS_OPEN, { name: 'low' });
    assert.equal(fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a)), 0);
    assert.deepEqual(groupsOf(log), ['high', 'low']);
  });
});

describe('permission events (rule C8, F8)', () => {
  function permWorld(answers: Record<string, Answer>) {
    const log: Call[] = [];
    const w = world();
    const spec = [
      ['pre', PRIO_PRE_CONTENT],
      ['content', PRIO_CONTENT],
      ['normal', PRIO_NORMAL],
    ] as const;
    for (const [label, priority] of spec) {
      const opts = answers[label] ? { priority, answer: answers[label] } : { priority };
      const g = recordingGroup(label, log, opts);
      addMark(g.group, w.a.inode, FS_OPEN_PERM | FS_OPEN, { name: label });
    }
    const fire = () => fsnotifyParent(w.a, FS_OPEN_PERM, w.pathData(w.a));
    return { log, fire };
  }

  test('every group is asked in priority order when all allow', () => {
    const { log, fire } = permWorld({});
    assert.equal(fire(), 0);
    assert.deepEqual(groupsOf(log), ['pre', 'content', 'normal']);
  });

  test('a denial from a higher group stops the walk: lower groups never see the event', () => {
    const { log, fire } = permWorld({ pre: () => EACCES });
    assert.equal(fire(), EACCES);
    assert.deepEqual(groupsOf(log), ['pre']);
  });

  test('a denial from a middle group is returned after the higher group allowed', () => {
    const { log, fire } = permWorld({ content: () => EPERM });
    assert.equal(fire(), EPERM);
    assert.deepEqual(groupsOf(log), ['pre', 'content']);
  });

  test('an asynchronous allow resumes the walk with the remaining groups once it arrives', async () => {
    let release!: (v: number) => void;
    const pending = new Promise<number>((resolve) => (release = resolve));
    const { log, fire } = permWorld({ pre: () => pending });
    const ret = fire();
    assert.ok(ret instanceof Promise);
    assert.deepEqual(groupsOf(log), ['pre'], 'lower groups wait for the answer');
    release(0);
    assert.equal(await ret, 0);
    assert.deepEqual(groupsOf(log), ['pre', 'content', 'normal']);
  });

  test('an asynchronous denial ends the walk with its errno', async () => {
    const { log, fire } = permWorld({ pre: () => Promise.resolve(EACCES) });
    assert.equal(await fire(), EACCES);
    assert.deepEqual(groupsOf(log), ['pre']);
  });

  test('a later group may answer asynchronously after an earlier synchronous allow', async () => {
    const { log, fire } = permWorld({ content: () => Promise.resolve(0), normal: () => EPERM });
    assert.equal(await fire(), EPERM);
    assert.deepEqual(groupsOf(log), ['pre', 'content', 'normal']);
  });
});

describe('parent routing (rules C5, C6, C10)', () => {
  test('a per-mark group hears the parent mark first, with the name, then its own inode mark without it', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.a.inode, FS_MODIFY, { name: 'child' });
    addMark(g.group, w.d.inode, FS_MODIFY | FS_EVENT_ON_CHILD, { name: 'parent' });
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(
      log.map((c) => [c.mark, c.mask, c.name, c.dir]),
      [
        ['parent', (FS_MODIFY | FS_EVENT_ON_CHILD) >>> 0, 'a', w.d.inode],
        ['child', FS_MODIFY, null, null],
      ],
    );
  });

  test('a per-mark group hears only the marks whose own mask wants the event', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.a.inode, FS_ATTRIB, { name: 'child' });
    addMark(g.group, w.d.inode, FS_MODIFY | FS_EVENT_ON_CHILD, { name: 'parent' });
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(log.map((c) => c.mark), ['parent']);
    log.length = 0;
    fsnotifyParent(w.a, FS_ATTRIB, w.pathData(w.a));
    assert.deepEqual(log.map((c) => c.mark), ['child']);
  });

  test('the whole event mask is delivered, not its intersection with the mark mask', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.a.inode, FS_ATTRIB, { name: 'a' });
    notifyChange(w.a, ATTR_MODE | ATTR_SIZE);
    assert.deepEqual(log.map((c) => c.mask), [FS_MODIFY | FS_ATTRIB]);
  });

  test('a parent mark without FS_EVENT_ON_CHILD is not reported child events', () => {
    const log: Call[] = [];
    const watcher = recordingGroup('watcher', log);
    const plain = recordingGroup('plain', log);
    const w = world();
    addMark(watcher.group, w.d.inode, FS_OPEN | FS_EVENT_ON_CHILD, { name: 'watcher' });
    addMark(plain.group, w.d.inode, FS_OPEN, { name: 'plain' });
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['watcher']);
    assert.equal(log[0]!.name, 'a');
    assert.ok(log[0]!.mask & FS_EVENT_ON_CHILD);
  });

  test('a parent that does not want this event gets no call and the child gets no name', () => {
    const log: Call[] = [];
    const parent = recordingGroup('parent', log);
    const child = recordingGroup('child', log);
    const w = world();
    addMark(parent.group, w.d.inode, FS_ACCESS | FS_EVENT_ON_CHILD, { name: 'parent' });
    addMark(child.group, w.a.inode, FS_OPEN, { name: 'child' });
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(
      log.map((c) => [c.group, c.name, (c.mask & FS_EVENT_ON_CHILD) !== 0]),
      [['child', null, false]],
    );
  });

  test('a directory event carries FS_ISDIR, and reaches the parent with a name only when the parent watches children', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.sub.inode, FS_OPEN, { name: 'sub' });
    fsnotifyParent(w.sub, FS_OPEN, w.pathData(w.sub));
    assert.deepEqual(log.map((c) => [c.mask, c.name, c.iter]), [[(FS_OPEN | FS_ISDIR) >>> 0, null, ['inode']]]);
    log.length = 0;
    addMark(g.group, w.d.inode, FS_OPEN | FS_EVENT_ON_CHILD, { name: 'd' });
    fsnotifyParent(w.sub, FS_OPEN, w.pathData(w.sub));
    assert.deepEqual(
      log.map((c) => [c.mask, c.name, c.iter.sort()]),
      [[(FS_OPEN | FS_ISDIR | FS_EVENT_ON_CHILD) >>> 0, 'sub', ['inode', 'parent']]],
    );
  });

  test('a root dentry never notifies a parent', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.root.inode, FS_OPEN | FS_EVENT_ON_CHILD, { name: 'root' });
    fsnotifyParent(w.root, FS_OPEN, w.pathData(w.root));
    assert.deepEqual(log.map((c) => [c.name, c.iter]), [[null, ['inode']]]);
  });

  test('IN_EXCL_UNLINK-style marks drop path events on an unlinked dentry and keep dentry events', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.d.inode, FS_MODIFY | FS_ATTRIB | FS_EVENT_ON_CHILD, { name: 'parent', flags: MARK_FLAG_EXCL_UNLINK });
    addMark(g.group, w.a.inode, FS_MODIFY | FS_ATTRIB, { name: 'child', flags: MARK_FLAG_EXCL_UNLINK });
    w.a.unlinked = true;
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.equal(log.length, 0, 'file events through an unlinked dentry are dropped for both marks');
    notifyChange(w.a, ATTR_MODE);
    assert.deepEqual(log.map((c) => c.mark), ['parent', 'child']);
  });
});

describe('event data routing (rules H1–H4)', () => {
  function routing() {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    const all = (FS_OPEN | FS_ATTRIB | FS_CREATE | FS_DELETE_SELF) >>> 0;
    addMark(g.group, w.sb, all, { name: 'sb' });
    addMark(g.group, w.mount, all, { name: 'mount' });
    addMark(g.group, w.d.inode, all | FS_EVENT_ON_CHILD, { name: 'd' });
    addMark(g.group, w.a.inode, all, { name: 'a' });
    return { log, w };
  }

  test('path events reach the inode, the watching parent, the mount and the sb', () => {
    const { log, w } = routing();
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(log[0]!.iter.sort(), ['inode', 'mount', 'parent', 'sb']);
  });

  test('dentry events (notify_change) do not reach mount marks', () => {
    const { log, w } = routing();
    notifyChange(w.a, ATTR_MODE);
    assert.deepEqual(log.map((c) => [c.mask & ~FS_EVENT_ON_CHILD, c.iter.sort()]), [[FS_ATTRIB, ['inode', 'parent', 'sb']]]);
  });

  test('inode events reach only the inode and the sb, never the parent', () => {
    const { log, w } = routing();
    notifyInode(w.a.inode, FS_DELETE_SELF);
    assert.deepEqual(log.map((c) => [c.mask, c.name, c.iter.sort()]), [[FS_DELETE_SELF, null, ['inode', 'sb']]]);
  });

  test('dirent events go to the changed directory with the name, never to the entry or to the directory parent', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.root.inode, FS_CREATE | FS_OPEN | FS_EVENT_ON_CHILD, { name: 'root' }); // watches children
    addMark(g.group, w.d.inode, FS_CREATE, { name: 'd' }); // no FS_EVENT_ON_CHILD needed
    addMark(g.group, w.a.inode, FS_CREATE, { name: 'a' });
    notifyCreate(w.d.inode, w.a);
    assert.deepEqual(log.map((c) => [c.mark, c.mask, c.name]), [['d', FS_CREATE, 'a']]);
  });

  test('FS_RENAME reaches a per-mark group only for a rename inside one directory', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.d.inode, FS_RENAME, { name: 'd' });
    addMark(g.group, w.sub.inode, FS_RENAME, { name: 'sub' });
    // w.a is in d: renamed within d.
    fsnotify(FS_RENAME, { type: 'dentry', dentry: w.a }, w.d.inode, 'old', null, 0);
    assert.deepEqual(log.map((c) => c.mark), ['d']);
    log.length = 0;
    // From sub to d: the old directory differs from the moved dentry's parent.
    fsnotify(FS_RENAME, { type: 'dentry', dentry: w.a }, w.sub.inode, 'old', null, 0);
    assert.deepEqual(log, []);
  });
});

describe('rename cookie (rule C13)', () => {
  test('MOVED_FROM and MOVED_TO of one move share a non-zero cookie, and the next move gets another', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log, { perMark: true });
    const w = world();
    addMark(g.group, w.d.inode, FS_MOVED_FROM | FS_MOVED_TO, { name: 'd' });
    notifyMove(w.d.inode, w.d.inode, 'x', false, null, w.a);
    notifyMove(w.d.inode, w.d.inode, 'y', false, null, w.b);
    const [from1, to1, from2, to2] = log;
    assert.equal(log.length, 4);
    assert.deepEqual([from1!.mask, to1!.mask, from2!.mask, to2!.mask], [FS_MOVED_FROM, FS_MOVED_TO, FS_MOVED_FROM, FS_MOVED_TO]);
    assert.notEqual(from1!.cookie, 0);
    assert.equal(from1!.cookie, to1!.cookie);
    assert.equal(from2!.cookie, to2!.cookie);
    assert.notEqual(from1!.cookie, from2!.cookie);
  });
});

describe('parent info for another group (fanotify FAN_REPORT_DIR_FID style)', () => {
  test(
    'a per-mark group inode mark gets no name when only another group needed the parent info',
    () => {
      const log: Call[] = [];
      const fan = recordingGroup('fan', log);
      const ino = recordingGroup('ino', log, { perMark: true });
      const w = world();
      // A DIR_FID group adds FS_EVENT_ON_CHILD to its mark on a non-directory to ask for parent+name.
      addMark(fan.group, w.a.inode, FS_MODIFY | FS_EVENT_ON_CHILD, { name: 'fan' });
      addMark(ino.group, w.a.inode, FS_MODIFY, { name: 'ino' });
      fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
      const fanCall = log.find((c) => c.group === 'fan');
      assert.equal(fanCall?.name, 'a', 'the group that asked for it gets parent and name');
      const inoCall = log.find((c) => c.group === 'ino');
      assert.equal(inoCall?.name, null);
      assert.equal(inoCall?.dir, null);
    },
  );
});
