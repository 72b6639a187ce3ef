import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  attachMark,
  destroyMark,
  findMark,
  FS_ACCESS,
  FS_ATTRIB,
  FS_CLOSE_WRITE,
  FS_CREATE,
  FS_EVENT_ON_CHILD,
  FS_MODIFY,
  FS_OPEN,
  fsnotifyParent,
  Mark,
  MARK_FLAG_IGNORED_SURV_MODIFY,
  markChanged,
  objectMask,
  observeMask,
  PRIO_CONTENT,
  PRIO_NORMAL,
  PRIO_PRE_CONTENT,
  watchesChildren,
} from '../../src/core/index.js';
import { isSystemError } from '../../src/errors.js';
import type { Call } from './helpers.js';
import { addMark, groupsOf, recordingGroup, world } from './helpers.js';

describe('connector mark order (rule C2)', () => {
  test('keeps marks sorted by group priority, highest first, then by group creation order', () => {
    const log: Call[] = [];
    // Created in this order; the serial number breaks ties between equal priorities.
    const n1 = recordingGroup('n1', log, { priority: PRIO_NORMAL });
    const c1 = recordingGroup('c1', log, { priority: PRIO_CONTENT });
    const p1 = recordingGroup('p1', log, { priority: PRIO_PRE_CONTENT });
    const n2 = recordingGroup('n2', log, { priority: PRIO_NORMAL });
    const c2 = recordingGroup('c2', log, { priority: PRIO_CONTENT });
    const { a } = world();
    // Attached in an order unrelated to the expected one.
    for (const g of [n2, c2, n1, p1, c1]) addMark(g.group, a.inode, FS_OPEN, { name: g.label });
    const order = a.inode.connector!.marks.map((m) => m.priv);
    assert.deepEqual(order, ['p1', 'c1', 'c2', 'n1', 'n2']);
  });

  test('refuses a second mark of the same group on one object with EEXIST, leaving the first in place', () => {
    const { group } = recordingGroup('g', []);
    const { a } = world();
    const first = addMark(group, a.inode, FS_OPEN);
    const second = new Mark(group, 'second');
    second.mask = FS_ACCESS;
    assert.throws(() => attachMark(second, a.inode), (e: unknown) => isSystemError(e, 'EEXIST'));
    assert.equal(second.attached, false);
    assert.deepEqual(a.inode.connector!.marks, [first]);
    assert.equal(objectMask(a.inode), FS_OPEN, 'the refused mark did not reach the combined mask');
    assert.equal(findMark(a.inode, group), first);
  });

  test('refuses to attach a mark for a group that is shutting down', () => {
    const { group } = recordingGroup('g', []);
    const { a } = world();
    group.destroy();
    const mark = new Mark(group, 'late');
    mark.mask = FS_OPEN;
    assert.throws(() => attachMark(mark, a.inode), (e: unknown) => isSystemError(e, 'EINVAL'));
    assert.equal(a.inode.connector, null);
  });
});

describe('combined mask (rule C4)', () => {
  test('is the OR of the marks and is recomputed on attach, on change and on destroy', () => {
    const g1 = recordingGroup('g1', []);
    const g2 = recordingGroup('g2', []);
    const { a } = world();
    const m1 = addMark(g1.group, a.inode, FS_OPEN);
    assert.equal(objectMask(a.inode), FS_OPEN);
    const m2 = addMark(g2.group, a.inode, FS_CLOSE_WRITE);
    assert.equal(objectMask(a.inode), FS_OPEN | FS_CLOSE_WRITE);
    m1.mask = FS_ACCESS;
    markChanged(m1);
    assert.equal(objectMask(a.inode), FS_ACCESS | FS_CLOSE_WRITE, 'the OPEN bit left with the change');
    destroyMark(m2);
    assert.equal(objectMask(a.inode), FS_ACCESS);
  });

  test('an ignore mask adds its own bits and FS_MODIFY, unless the mark survives modify', () => {
    const { group } = recordingGroup('g', []);
    const { a, b } = world();
    addMark(group, a.inode, FS_OPEN, { ignore: FS_ATTRIB });
    assert.equal(objectMask(a.inode), FS_OPEN | FS_ATTRIB | FS_MODIFY);
    addMark(group, b.inode, FS_OPEN, { ignore: FS_ATTRIB, flags: MARK_FLAG_IGNORED_SURV_MODIFY });
    assert.equal(objectMask(b.inode), FS_OPEN | FS_ATTRIB);
  });

  test('an ignore mask holding only flag bits adds nothing', () => {
    const { group } = recordingGroup('g', []);
    const { d } = world();
    addMark(group, d.inode, FS_OPEN, { ignore: FS_EVENT_ON_CHILD });
    assert.equal(objectMask(d.inode), FS_OPEN);
  });
});

describe('connector lifetime (rule C1)', () => {
  test('exists only while at least one mark is attached', () => {
    const g1 = recordingGroup('g1', []);
    const g2 = recordingGroup('g2', []);
    const { a } = world();
    assert.equal(a.inode.connector, null);
    const m1 = addMark(g1.group, a.inode, FS_OPEN);
    const m2 = addMark(g2.group, a.inode, FS_OPEN);
    const conn = a.inode.connector;
    assert.notEqual(conn, null);
    destroyMark(m1);
    assert.equal(a.inode.connector, conn, 'one mark left: same connector');
    destroyMark(m2);
    assert.equal(a.inode.connector, null);
    assert.equal(objectMask(a.inode), 0);
  });

  test('a fresh connector is created when a mark is attached again after the last one went', () => {
    const { group } = recordingGroup('g', []);
    const { a } = world();
    destroyMark(addMark(group, a.inode, FS_OPEN));
    addMark(group, a.inode, FS_ACCESS);
    assert.equal(objectMask(a.inode), FS_ACCESS);
  });
});

describe('observeMask', () => {
  test('reports the new and the old combined mask of its object on every change', () => {
    const g1 = recordingGroup('g1', []);
    const g2 = recordingGroup('g2', []);
    const { a, b } = world();
    const seen: [unknown, number, number, number][] = [];
    observeMask(a.inode, (object, newMask, oldMask) => seen.push([object, newMask, oldMask, objectMask(a.inode)]));
    const m1 = addMark(g1.group, a.inode, FS_OPEN);
    const m2 = addMark(g2.group, a.inode, FS_OPEN); // same combined mask
    addMark(g2.group, b.inode, FS_ACCESS); // another object
    m2.mask = FS_OPEN | FS_ACCESS;
    markChanged(m2);
    destroyMark(m1); // m2 still covers OPEN
    destroyMark(m2);
    for (const [object, newMask, , current] of seen) {
      assert.equal(object, a.inode, 'only the observed object is reported');
      assert.equal(newMask, current, 'the new mask is already in place when the observer runs');
    }
    for (let i = 1; i < seen.length; i++) assert.equal(seen[i]![2], seen[i - 1]![1], 'each old mask is the previous new mask');
    // Observers may also hear recalculations that leave the union as it was;
    // the changes themselves must all be there, in order.
    const changes = seen.filter(([, n, o]) => n !== o).map(([, n, o]) => [n, o]);
    assert.deepEqual(changes, [
      [FS_OPEN, 0],
      [FS_OPEN | FS_ACCESS, FS_OPEN],
      [0, FS_OPEN | FS_ACCESS],
    ]);
  });

  test('stops reporting once the observer is removed', () => {
    const { group } = recordingGroup('g', []);
    const { a } = world();
    let calls = 0;
    observeMask(a.inode, () => calls++);
    addMark(group, a.inode, FS_OPEN);
    observeMask(a.inode, null);
    destroyMark(findMark(a.inode, group)!);
    assert.equal(calls, 1);
  });
});

describe('watchesChildren (rule C5)', () => {
  test('needs FS_EVENT_ON_CHILD together with an event possible on a child', () => {
    const { group } = recordingGroup('g', []);
    const w = world();
    assert.equal(watchesChildren(w.d.inode), 0, 'no connector');
    const m = addMark(group, w.d.inode, FS_EVENT_ON_CHILD | FS_CREATE);
    assert.equal(watchesChildren(w.d.inode), 0, 'CREATE is a dirent event, never a child event');
    m.mask = FS_EVENT_ON_CHILD | FS_CREATE | FS_OPEN | FS_MODIFY;
    markChanged(m);
    assert.equal(watchesChildren(w.d.inode), FS_OPEN | FS_MODIFY);
    m.mask = FS_OPEN;
    markChanged(m);
    assert.equal(watchesChildren(w.d.inode), 0, 'without FS_EVENT_ON_CHILD');
  });
});

describe('copy-on-write mark lists', () => {
  test('a mark destroyed mid-dispatch does not make the walk skip the marks after it', () => {
    const log: Call[] = [];
    const w = world();
    const groups = ['g1', 'g2', 'g3'].map((label) => recordingGroup(label, log));
    const marks = groups.map((g) => addMark(g.group, w.a.inode, FS_OPEN, { name: g.label }));
    // g1 behaves like IN_ONESHOT: its handler destroys its own mark, which
    // sits at the head of the connector's list.
    const ops = groups[0]!.group.ops;
    const record = ops.handleEvent!;
    ops.handleEvent = (...args) => {
      const r = record(...args);
      destroyMark(marks[0]!);
      return r;
    };
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['g1', 'g2', 'g3']);
    log.length = 0;
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['g2', 'g3'], 'the destroyed mark is gone for the next event');
  });

  test('a mark attached mid-dispatch neither joins the walk in progress nor makes it visit a group twice', () => {
    const log: Call[] = [];
    const w = world();
    const g1 = recordingGroup('g1', log);
    const g2 = recordingGroup('g2', log);
    const late = recordingGroup('late', log, { priority: PRIO_PRE_CONTENT });
    addMark(g1.group, w.a.inode, FS_OPEN, { name: 'g1' });
    addMark(g2.group, w.a.inode, FS_OPEN, { name: 'g2' });
    const record = g1.group.ops.handleEvent!;
    let added = false;
    g1.group.ops.handleEvent = (...args) => {
      // Inserted at the head of the list, before the mark being handled.
      if (!added) addMark(late.group, w.a.inode, FS_OPEN, { name: 'late' });
      added = true;
      return record(...args);
    };
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['g1', 'g2']);
    log.length = 0;
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['late', 'g1', 'g2'], 'the new mark takes part from the next event on');
  });

  test('walks the list it started with even when the first handler drops the whole connector', () => {
    const log: Call[] = [];
    const w = world();
    const groups = ['g1', 'g2'].map((label) => recordingGroup(label, log));
    const marks = groups.map((g) => addMark(g.group, w.a.inode, FS_OPEN, { name: g.label }));
    const ops = groups[0]!.group.ops;
    const record = ops.handleEvent!;
    ops.handleEvent = (...args) => {
      const r = record(...args);
      for (const m of marks) destroyMark(m);
      return r;
    };
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    // The kernel walks under SRCU: marks removed meanwhile stay reachable
    // from the walk that already started.
    assert.deepEqual(groupsOf(log), ['g1', 'g2']);
    assert.equal(w.a.inode.connector, null);
    log.length = 0;
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(log, []);
  });
});
