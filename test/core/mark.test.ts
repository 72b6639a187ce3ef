import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  destroyGroupMarks,
  destroyMark,
  destroyObjectMarks,
  findMark,
  FS_ACCESS,
  FS_OPEN,
  fsnotifyParent,
  Group,
  objectMask,
} from '../../src/core/index.js';
import type { Call } from './helpers.js';
import { addMark, recordingGroup, world } from './helpers.js';

/** A group that, like inotify, queues an "ignored" event from freeingMark. */
function ignoringGroup() {
  const freed: string[] = [];
  let marksAtRelease = -1;
  const group: Group<string> = new Group<string>(
    {
      freeingMark(mark) {
        freed.push(String(mark.priv));
        group.queue.add(`ignored:${String(mark.priv)}`, null);
      },
      release(g) {
        marksAtRelease = g.marks.size;
      },
    },
    { maxEvents: 16, overflowEvent: 'overflow' },
  );
  return { group, freed, marksAtRelease: () => marksAtRelease };
}

describe('destroyMark (rule C3)', () => {
  test('detaches the mark from its object and its group and clears ALIVE and ATTACHED', () => {
    const { group } = recordingGroup('g', []);
    const { a } = world();
    const mark = addMark(group, a.inode, FS_OPEN);
    assert.ok(mark.alive && mark.attached);
    assert.ok(group.marks.has(mark));
    destroyMark(mark);
    assert.equal(mark.alive, false);
    assert.equal(mark.attached, false);
    assert.equal(group.marks.has(mark), false);
    assert.equal(findMark(a.inode, group), undefined);
    assert.equal(objectMask(a.inode), 0);
  });

  test('is idempotent and calls the group freeingMark callback exactly once', () => {
    const g = recordingGroup('g', []);
    const { a } = world();
    const mark = addMark(g.group, a.inode, FS_OPEN, { name: 'm' });
    destroyMark(mark);
    destroyMark(mark);
    destroyMark(mark);
    assert.deepEqual(g.freed, ['m']);
  });

  test('frees the mark after it has left the connector, so freeingMark sees the object without it', () => {
    const { a } = world();
    let maskSeen = -1;
    const group = new Group<string>(
      {
        freeingMark() {
          maskSeen = objectMask(a.inode);
        },
      },
      { maxEvents: 4, overflowEvent: 'o' },
    );
    destroyMark(addMark(group, a.inode, FS_OPEN));
    assert.equal(maskSeen, 0);
  });
});

describe('destroyObjectMarks', () => {
  test('destroys every mark on the object, in list order, and leaves other objects alone', () => {
    const g1 = recordingGroup('g1', []);
    const g2 = recordingGroup('g2', []);
    const w = world();
    const order: string[] = [];
    for (const g of [g1, g2]) {
      const free = g.group.ops.freeingMark!;
      g.group.ops.freeingMark = (m, gg) => {
        order.push(String(m.priv));
        free(m, gg);
      };
    }
    addMark(g2.group, w.a.inode, FS_OPEN, { name: 'g2-a' });
    addMark(g1.group, w.a.inode, FS_OPEN, { name: 'g1-a' });
    const kept = addMark(g1.group, w.b.inode, FS_OPEN, { name: 'g1-b' });
    destroyObjectMarks(w.a.inode);
    assert.deepEqual(order, ['g1-a', 'g2-a'], 'list order: g1 was created first');
    assert.equal(w.a.inode.connector, null);
    assert.ok(kept.attached);
    assert.deepEqual([...g1.group.marks], [kept]);
    assert.equal(g2.group.marks.size, 0);
  });

  test('does nothing on an object without marks', () => {
    const w = world();
    destroyObjectMarks(w.a.inode);
    assert.equal(w.a.inode.connector, null);
  });
});

describe('destroyGroupMarks', () => {
  test('destroys all of the group marks and no other group marks', () => {
    const g = recordingGroup('g', []);
    const other = recordingGroup('other', []);
    const w = world();
    addMark(g.group, w.a.inode, FS_OPEN, { name: 'inode' });
    addMark(g.group, w.mount, FS_OPEN, { name: 'mount' });
    addMark(g.group, w.sb, FS_OPEN, { name: 'sb' });
    const survivor = addMark(other.group, w.a.inode, FS_ACCESS, { name: 'other' });
    destroyGroupMarks(g.group);
    assert.deepEqual(g.freed.sort(), ['inode', 'mount', 'sb']);
    assert.equal(g.group.marks.size, 0);
    assert.equal(w.mount.connector, null);
    assert.equal(w.sb.connector, null);
    assert.ok(survivor.attached);
    assert.equal(objectMask(w.a.inode), FS_ACCESS);
  });

  test('limited to one object type, destroys only the marks on objects of that type', () => {
    const g = recordingGroup('g', []);
    const w = world();
    addMark(g.group, w.a.inode, FS_OPEN, { name: 'inode' });
    addMark(g.group, w.mount, FS_OPEN, { name: 'mount' });
    addMark(g.group, w.sb, FS_OPEN, { name: 'sb' });
    destroyGroupMarks(g.group, 'mount');
    assert.deepEqual(g.freed, ['mount']);
    assert.deepEqual([...g.group.marks].map((m) => m.priv).sort(), ['inode', 'sb']);
  });
});

describe('Group.destroy (rule C12)', () => {
  test('frees every mark but queues none of the freeing events, and leaves the queue empty', () => {
    const g = ignoringGroup();
    const w = world();
    addMark(g.group, w.a.inode, FS_OPEN, { name: 'a' });
    addMark(g.group, w.b.inode, FS_OPEN, { name: 'b' });
    g.group.queue.add('pending', null);
    g.group.destroy();
    assert.deepEqual(g.freed.sort(), ['a', 'b'], 'freeingMark still runs for each mark');
    assert.equal(g.group.queue.length, 0, 'nothing queued after shutdown, and the queue was flushed');
    assert.equal(g.marksAtRelease(), 0, 'release runs after the marks are gone');
    assert.equal(w.a.inode.connector, null);
    assert.equal(w.b.inode.connector, null);
  });

  test('explicit removal before destroy does queue the freeing event (the contrast case)', () => {
    const g = ignoringGroup();
    const w = world();
    destroyMark(addMark(g.group, w.a.inode, FS_OPEN, { name: 'a' }));
    assert.deepEqual([...g.group.queue], ['ignored:a']);
  });

  test('a destroyed group is not called for later events, and destroying it twice changes nothing', () => {
    const log: Call[] = [];
    const g = recordingGroup('g', log);
    const w = world();
    addMark(g.group, w.a.inode, FS_OPEN, { name: 'a' });
    g.group.destroy();
    g.group.destroy();
    fsnotifyParent(w.a, FS_OPEN, w.pathData(w.a));
    assert.deepEqual(log, []);
    assert.deepEqual(g.freed, ['a']);
    assert.equal(g.group.queue.add('late', null), 'dropped');
  });
});
