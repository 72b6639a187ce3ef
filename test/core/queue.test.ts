import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MergeRule } from '../../src/core/index.js';
import { NotificationQueue } from '../../src/core/index.js';

const OVERFLOW = 'OVERFLOW';

function queue(max: number): NotificationQueue<string> {
  return new NotificationQueue<string>(max, OVERFLOW);
}

/** A merge rule that records the queue length it saw and merges when `decide` says so. */
function spyMerge(decide: (tail: string | undefined, e: string) => boolean) {
  const seen: number[] = [];
  const rule: MergeRule<string> = (q, e) => {
    seen.push(q.length);
    return decide(q.tail(), e);
  };
  return { rule, seen };
}

describe('NotificationQueue insertion (rule C11)', () => {
  test('queues events in arrival order and hands out the oldest first', () => {
    const q = queue(8);
    for (const e of ['a', 'b', 'c']) assert.equal(q.add(e, null), 'queued');
    assert.equal(q.length, 3);
    assert.equal(q.peek(), 'a');
    assert.equal(q.tail(), 'c');
    assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift()], ['a', 'b', 'c', undefined]);
    assert.ok(q.isEmpty());
  });

  test('asks the merge rule only when the queue is not empty', () => {
    const q = queue(8);
    const merge = spyMerge((tail, e) => tail === e);
    assert.equal(q.add('x', merge.rule), 'queued');
    assert.deepEqual(merge.seen, [], 'an empty queue never consults the merge rule');
    assert.equal(q.add('x', merge.rule), 'merged');
    assert.equal(q.add('y', merge.rule), 'queued');
    assert.deepEqual(merge.seen, [1, 1]);
    assert.deepEqual([...q], ['x', 'y']);
    q.flush();
    assert.equal(q.add('y', merge.rule), 'queued', 'after a flush the queue is empty again: no merge');
    assert.deepEqual(merge.seen, [1, 1]);
  });

  test('does not ask the merge rule when the queue is full', () => {
    const q = queue(1);
    const merge = spyMerge(() => true);
    q.add('a', merge.rule);
    assert.equal(q.add('a', merge.rule), 'dropped');
    assert.deepEqual(merge.seen, []);
  });

  test('appends the overflow event once when full, and counts it toward the limit', () => {
    const q = queue(2);
    q.add('a', null);
    q.add('b', null);
    assert.equal(q.add('c', null), 'dropped');
    assert.equal(q.length, 3, 'the overflow event takes a slot beyond the limit');
    assert.equal(q.tail(), OVERFLOW);
    assert.equal(q.add('d', null), 'dropped');
    assert.equal(q.add('e', null), 'dropped');
    assert.deepEqual([...q], ['a', 'b', OVERFLOW], 'the overflow event is never queued twice');
  });

  test('needs two removals after an overflow before a new event fits', () => {
    const q = queue(2);
    for (const e of ['a', 'b', 'c']) q.add(e, null);
    assert.equal(q.shift(), 'a');
    assert.equal(q.add('d', null), 'dropped', 'one removal leaves the queue at its limit');
    assert.equal(q.length, 2);
    assert.equal(q.shift(), 'b');
    assert.equal(q.add('e', null), 'queued');
    assert.deepEqual([...q], [OVERFLOW, 'e']);
  });

  test('queues the overflow event again once the previous one was read', () => {
    const q = queue(1);
    q.add('a', null);
    q.add('b', null);
    assert.deepEqual(q.flush(), ['a', OVERFLOW]);
    q.add('c', null);
    assert.equal(q.add('d', null), 'dropped');
    assert.deepEqual([...q], ['c', OVERFLOW]);
  });

  test('queues the overflow event itself when it is added directly, even below the limit, and only once', () => {
    const q = queue(8);
    q.add('a', null);
    assert.equal(q.add(OVERFLOW, null), 'dropped');
    assert.equal(q.add(OVERFLOW, null), 'dropped');
    assert.deepEqual([...q], ['a', OVERFLOW]);
  });

  test('a shut-down queue drops every event, the overflow event included, and wakes nobody', () => {
    const q = queue(1);
    let wakeups = 0;
    q.onQueued = () => wakeups++;
    q.shutdown = true;
    assert.equal(q.add('a', null), 'dropped');
    assert.equal(q.add('b', null), 'dropped');
    assert.equal(q.add(OVERFLOW, null), 'dropped');
    assert.equal(q.length, 0);
    assert.equal(wakeups, 0);
  });

  test('wakes readers for every appended event, the overflow event included, but not for merged or dropped ones', () => {
    const q = queue(2);
    let wakeups = 0;
    q.onQueued = () => wakeups++;
    q.add('a', null);
    q.add('a', (qq, e) => qq.tail() === e);
    assert.equal(wakeups, 1, 'a merge wakes nobody');
    q.add('b', null);
    q.add('c', null);
    q.add('d', null);
    assert.equal(wakeups, 3, 'two events, then the overflow event once');
  });
});

describe('NotificationQueue removal', () => {
  test('flush empties the queue and returns what it held, oldest first', () => {
    const q = queue(8);
    for (const e of ['a', 'b', 'c']) q.add(e, null);
    assert.deepEqual(q.flush(), ['a', 'b', 'c']);
    assert.equal(q.length, 0);
    assert.equal(q.peek(), undefined);
    assert.equal(q.tail(), undefined);
  });

  test('remove() takes out one given event and keeps the others in order', () => {
    const q = queue(8);
    for (const e of ['a', 'b', 'c', 'd']) q.add(e, null);
    assert.equal(q.remove('b'), true);
    assert.equal(q.remove('zz'), false);
    assert.deepEqual([...q], ['a', 'c', 'd']);
    assert.equal(q.length, 3);
  });

  test('removing a queued overflow event lets a later overflow be queued', () => {
    const q = queue(1);
    q.add('a', null);
    q.add('b', null);
    assert.equal(q.remove(OVERFLOW), true);
    q.add('c', null);
    assert.deepEqual([...q], ['a', OVERFLOW]);
  });

  test('keeps arrival order while the ring wraps and grows', () => {
    const q = queue(1000);
    const expected: string[] = [];
    let n = 0;
    // Interleave adds and shifts so the head moves around the ring while it grows.
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 13; i++) {
        const e = `e${n++}`;
        q.add(e, null);
        expected.push(e);
      }
      for (let i = 0; i < 7; i++) assert.equal(q.shift(), expected.shift());
      assert.equal(q.length, expected.length);
      for (let i = 0; i < expected.length; i++) assert.equal(q.at(i), expected[i]);
    }
    assert.deepEqual([...q], expected);
    assert.equal(q.at(-1), undefined);
    assert.equal(q.at(expected.length), undefined);
  });
});
