/**
 * Ignore masks (rules C4, C9, F7): which ignore masks apply to an event, and
 * when FS_MODIFY clears them. The group under test has an sb mark that wants
 * the event, so whether the group is called shows whether an ignore mask on
 * another of its marks took effect. Cases checked against Linux 6.18 with
 * fanotify (legacy parent ignore cleared by a child write; SURV_MODIFY kept).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  effectiveIgnoreMask,
  FS_ACCESS,
  FS_ATTRIB,
  FS_EVENT_ON_CHILD,
  FS_ISDIR,
  FS_MODIFY,
  FS_OPEN,
  fsnotifyParent,
  ignoreMaskOf,
  MARK_FLAG_HAS_IGNORE_FLAGS,
  MARK_FLAG_IGNORED_SURV_MODIFY,
  objectMask,
} from '../../src/core/index.js';
import type { Call } from './helpers.js';
import { addMark, groupsOf, recordingGroup, TestDentry, TestInode, world } from './helpers.js';

const NEW = MARK_FLAG_HAS_IGNORE_FLAGS;
const SURV = MARK_FLAG_IGNORED_SURV_MODIFY;

function setup() {
  const log: Call[] = [];
  const g = recordingGroup('g', log);
  const w = world();
  addMark(g.group, w.sb, FS_OPEN | FS_ACCESS, { name: 'sb' });
  const open = (dentry: TestDentry): string[] => {
    log.length = 0;
    fsnotifyParent(dentry, FS_OPEN, w.pathData(dentry));
    return groupsOf(log);
  };
  return { log, g, w, open };
}

describe('ignore masks on the object itself', () => {
  test('an inode ignore mask hides the event from the group sb and mount marks for that inode only', () => {
    const { g, w, open } = setup();
    addMark(g.group, w.mount, FS_OPEN, { name: 'mount' });
    addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, name: 'a' });
    assert.deepEqual(open(w.a), []);
    assert.deepEqual(open(w.b), ['g'], 'another file is not ignored');
  });

  test('an ignore mask only hides the bits it holds', () => {
    const { log, g, w } = setup();
    addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, name: 'a' });
    fsnotifyParent(w.a, FS_ACCESS, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['g']);
  });

  test('a legacy ignore mask applies to events on a directory', () => {
    const { g, w, open } = setup();
    addMark(g.group, w.sub.inode, 0, { ignore: FS_OPEN, name: 'sub' });
    assert.deepEqual(open(w.sub), []);
  });

  test('a FAN_MARK_IGNORE-style ignore mask applies to a directory only when it holds FS_ISDIR', () => {
    const { g, w, open } = setup();
    const m = addMark(g.group, w.sub.inode, 0, { ignore: FS_OPEN, flags: NEW | SURV, name: 'sub' });
    assert.deepEqual(open(w.sub), ['g'], 'without FS_ISDIR the directory event passes');
    m.ignoreMask = (FS_OPEN | FS_ISDIR) >>> 0;
    assert.deepEqual(open(w.sub), []);
  });

  test('a FAN_MARK_IGNORE-style ignore mask applies to a non-directory without any flag', () => {
    const { g, w, open } = setup();
    addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, flags: NEW | SURV, name: 'a' });
    assert.deepEqual(open(w.a), []);
  });
});

describe('ignore masks on a watching parent', () => {
  test('a legacy parent ignore mask hides child events when the parent mark mask has FS_EVENT_ON_CHILD', () => {
    const { g, w, open } = setup();
    addMark(g.group, w.d.inode, FS_ACCESS | FS_EVENT_ON_CHILD, { ignore: FS_OPEN, name: 'd' });
    assert.deepEqual(open(w.a), []);
  });

  test('a legacy parent ignore mask leaves child events alone when the parent mark mask lacks FS_EVENT_ON_CHILD', () => {
    const { log, g, w, open } = setup();
    // Another group makes d watch its children, so d's marks join the walk.
    const other = recordingGroup('other', log);
    addMark(other.group, w.d.inode, FS_OPEN | FS_EVENT_ON_CHILD, { name: 'other-d' });
    addMark(g.group, w.d.inode, FS_ACCESS, { ignore: FS_OPEN, name: 'd' });
    assert.deepEqual(open(w.a).sort(), ['g', 'other']);
  });

  test('a FAN_MARK_IGNORE-style parent ignore mask hides child events only when it holds FS_EVENT_ON_CHILD', () => {
    const { g, w, open } = setup();
    const m = addMark(g.group, w.d.inode, FS_ACCESS | FS_EVENT_ON_CHILD, { ignore: FS_OPEN, flags: NEW | SURV, name: 'd' });
    assert.deepEqual(open(w.a), ['g']);
    m.ignoreMask = (FS_OPEN | FS_EVENT_ON_CHILD) >>> 0;
    assert.deepEqual(open(w.a), []);
  });

  test('an ignore-only parent mark with FS_EVENT_ON_CHILD makes the directory watch children by itself', () => {
    const { g, w, open } = setup();
    addMark(g.group, w.d.inode, 0, { ignore: FS_OPEN | FS_EVENT_ON_CHILD, flags: NEW | SURV, name: 'd' });
    assert.ok(objectMask(w.d.inode) & FS_EVENT_ON_CHILD);
    assert.deepEqual(open(w.a), [], 'a child of d is ignored');
    const elsewhere = new TestDentry(new TestInode(w.sb, false), w.root, 'x');
    assert.deepEqual(open(elsewhere), ['g'], 'a file outside d is not');
  });
});

describe('FS_MODIFY and ignore masks (rule C9)', () => {
  test('a MODIFY clears the ignore mask even when the group does not want MODIFY', () => {
    const { log, g, w, open } = setup();
    const m = addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, name: 'a' });
    assert.ok(objectMask(w.a.inode) & FS_MODIFY, 'the ignore mask makes the inode interested in MODIFY');
    assert.deepEqual(open(w.a), []);
    log.length = 0;
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(log, [], 'the group does not want MODIFY and is not called');
    assert.equal(m.ignoreMask, 0);
    assert.deepEqual(open(w.a), ['g']);
  });

  test('IGNORED_SURV_MODIFY keeps the ignore mask through a MODIFY the group receives', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.sb, FS_OPEN | FS_MODIFY, { name: 'sb' });
    const m = addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, flags: SURV, name: 'a' });
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['g']);
    assert.equal(m.ignoreMask, FS_OPEN);
    log.length = 0;
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(log, []);
  });

  test('a child MODIFY clears the ignore mask of a parent mark that watches children', () => {
    const { log, g, w, open } = setup();
    const m = addMark(g.group, w.d.inode, FS_ACCESS | FS_EVENT_ON_CHILD, { ignore: FS_OPEN, name: 'd' });
    assert.deepEqual(open(w.a), []);
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.equal(m.ignoreMask, 0);
    log.length = 0;
    assert.deepEqual(open(w.a), ['g']);
  });

  test('a child MODIFY leaves alone the ignore mask of a parent mark that does not join the walk', () => {
    const { log, g, w } = setup();
    const other = recordingGroup('other', log);
    addMark(other.group, w.d.inode, FS_MODIFY | FS_EVENT_ON_CHILD, { name: 'other-d' });
    const m = addMark(g.group, w.d.inode, FS_ACCESS, { ignore: FS_OPEN, name: 'd' });
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(groupsOf(log), ['other']);
    assert.equal(m.ignoreMask, FS_OPEN);
  });

  test('a MODIFY clears the ignore masks of all the group marks it collects: inode, parent, mount and sb', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    const marks = [
      addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, name: 'a' }),
      addMark(g.group, w.d.inode, FS_ACCESS | FS_EVENT_ON_CHILD, { ignore: FS_OPEN, name: 'd' }),
      addMark(g.group, w.mount, FS_ACCESS, { ignore: FS_OPEN, name: 'mount' }),
      addMark(g.group, w.sb, FS_ACCESS, { ignore: FS_OPEN, name: 'sb' }),
    ];
    const kept = addMark(g.group, w.b.inode, 0, { ignore: FS_OPEN, name: 'b' });
    fsnotifyParent(w.a, FS_MODIFY, w.pathData(w.a));
    assert.deepEqual(log, [], 'no mark wants MODIFY');
    assert.deepEqual(
      marks.map((m) => m.ignoreMask),
      [0, 0, 0, 0],
    );
    assert.equal(kept.ignoreMask, FS_OPEN, 'a mark on an object the event does not touch is not collected');
  });

  test('a MODIFY on one file does not clear the ignore mask on another', () => {
    const { g, w, open } = setup();
    const m = addMark(g.group, w.a.inode, 0, { ignore: FS_OPEN, name: 'a' });
    addMark(g.group, w.b.inode, FS_MODIFY, { name: 'b' });
    fsnotifyParent(w.b, FS_MODIFY, w.pathData(w.b));
    assert.equal(m.ignoreMask, FS_OPEN);
    assert.deepEqual(open(w.a), []);
  });
});

describe('ignoreMaskOf / effectiveIgnoreMask', () => {
  test('legacy ignore masks gain FS_ISDIR and take FS_EVENT_ON_CHILD from the mark mask only', () => {
    const { g, w } = setup();
    const watching = addMark(g.group, w.d.inode, FS_EVENT_ON_CHILD, { ignore: FS_ATTRIB, name: 'd' });
    assert.equal(ignoreMaskOf(watching), (FS_ATTRIB | FS_ISDIR | FS_EVENT_ON_CHILD) >>> 0);
    const notWatching = addMark(g.group, w.sub.inode, 0, { ignore: FS_ATTRIB | FS_EVENT_ON_CHILD, name: 'sub' });
    assert.equal(ignoreMaskOf(notWatching), (FS_ATTRIB | FS_ISDIR) >>> 0);
  });

  test('new-style ignore masks are taken as they are', () => {
    const { g, w } = setup();
    const m = addMark(g.group, w.d.inode, 0, { ignore: FS_ATTRIB | FS_EVENT_ON_CHILD, flags: NEW | SURV, name: 'd' });
    assert.equal(ignoreMaskOf(m), (FS_ATTRIB | FS_EVENT_ON_CHILD) >>> 0);
  });

  test('the effective ignore mask never contains flag bits, and is 0 without event bits', () => {
    const { g, w } = setup();
    const m = addMark(g.group, w.d.inode, FS_EVENT_ON_CHILD, { ignore: FS_ATTRIB, name: 'd' });
    for (const [isDir, isParent] of [
      [false, false],
      [true, false],
      [false, true],
    ] as const) {
      assert.equal(effectiveIgnoreMask(m, isDir, isParent), FS_ATTRIB, `isDir=${isDir} isParent=${isParent}`);
    }
    m.ignoreMask = FS_EVENT_ON_CHILD;
    assert.equal(effectiveIgnoreMask(m, true, true), 0);
  });
});
