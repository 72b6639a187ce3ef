import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as core from '../../src/core/index.js';
import {
  ALL_FSNOTIFY_DIRENT_EVENTS,
  ALL_FSNOTIFY_EVENTS,
  ALL_FSNOTIFY_FLAGS,
  ALL_FSNOTIFY_PERM_EVENTS,
  FS_ACCESS,
  FS_BIT_NAMES,
  FS_CREATE,
  FS_DELETE_SELF,
  FS_EVENT_ON_CHILD,
  FS_EVENTS_POSS_ON_CHILD,
  FS_ISDIR,
  FS_MODIFY,
  FS_OPEN,
  FS_Q_OVERFLOW,
  maskToNames,
} from '../../src/core/index.js';

/** SEMANTICS §1.1, the kernel's bit values. */
const KERNEL_BITS: Record<string, number> = {
  FS_ACCESS: 0x1,
  FS_MODIFY: 0x2,
  FS_ATTRIB: 0x4,
  FS_CLOSE_WRITE: 0x8,
  FS_CLOSE_NOWRITE: 0x10,
  FS_OPEN: 0x20,
  FS_MOVED_FROM: 0x40,
  FS_MOVED_TO: 0x80,
  FS_CREATE: 0x100,
  FS_DELETE: 0x200,
  FS_DELETE_SELF: 0x400,
  FS_MOVE_SELF: 0x800,
  FS_OPEN_EXEC: 0x1000,
  FS_UNMOUNT: 0x2000,
  FS_Q_OVERFLOW: 0x4000,
  FS_IN_IGNORED: 0x8000,
  FS_ERROR: 0x8000,
  FS_OPEN_PERM: 0x10000,
  FS_ACCESS_PERM: 0x20000,
  FS_OPEN_EXEC_PERM: 0x40000,
  FS_PRE_ACCESS: 0x100000,
  FS_MNT_ATTACH: 0x1000000,
  FS_MNT_DETACH: 0x2000000,
  FS_EVENT_ON_CHILD: 0x8000000,
  FS_RENAME: 0x10000000,
  FS_DN_MULTISHOT: 0x20000000,
  FS_ISDIR: 0x40000000,
};

describe('FS_* bits', () => {
  test('have the kernel values', () => {
    const exported = core as unknown as Record<string, number>;
    for (const [name, value] of Object.entries(KERNEL_BITS)) assert.equal(exported[name], value, name);
  });

  test('the name table lists each bit once, as a single bit, under its kernel name', () => {
    const seen = new Set<number>();
    for (const [bit, name] of FS_BIT_NAMES) {
      assert.equal(bit & (bit - 1), 0, `${name} is a single bit`);
      assert.ok(!seen.has(bit), `${name} appears once`);
      seen.add(bit);
      assert.equal(KERNEL_BITS[name], bit, name);
    }
    const distinct = new Set(Object.values(KERNEL_BITS));
    assert.equal(seen.size, distinct.size, 'every kernel bit has a name');
  });

  test('the event sets hold what SEMANTICS §1.1 says', () => {
    assert.equal(ALL_FSNOTIFY_DIRENT_EVENTS & FS_EVENTS_POSS_ON_CHILD, 0, 'dirent events never reach a parent');
    assert.equal(FS_EVENTS_POSS_ON_CHILD & (FS_DELETE_SELF | FS_CREATE), 0);
    assert.equal(ALL_FSNOTIFY_PERM_EVENTS & ~FS_EVENTS_POSS_ON_CHILD, 0, 'permission events can reach a parent');
    assert.equal(ALL_FSNOTIFY_EVENTS & ALL_FSNOTIFY_FLAGS, 0, 'flags are not events');
    assert.ok(ALL_FSNOTIFY_EVENTS & FS_Q_OVERFLOW);
    assert.ok(ALL_FSNOTIFY_EVENTS >= 0 && ALL_FSNOTIFY_FLAGS >= 0, 'masks are unsigned');
  });
});

describe('maskToNames', () => {
  test('joins the kernel names of the set bits with |, lowest bit first', () => {
    assert.equal(maskToNames(FS_ISDIR | FS_CREATE), 'FS_CREATE|FS_ISDIR');
    assert.equal(maskToNames(FS_MODIFY | FS_ACCESS | FS_EVENT_ON_CHILD), 'FS_ACCESS|FS_MODIFY|FS_EVENT_ON_CHILD');
  });

  test('renders 0 as "0"', () => {
    assert.equal(maskToNames(0), '0');
  });

  test('prints leftover bits once, in hex, after the names', () => {
    assert.equal(maskToNames((FS_OPEN | 0x80000000 | 0x200000) >>> 0), 'FS_OPEN|0x80200000');
    assert.equal(maskToNames(0x80000000), '0x80000000');
  });

  test('treats negative numbers as the same 32 bits', () => {
    assert.equal(maskToNames(FS_ISDIR | FS_OPEN | 0x80000000), maskToNames((FS_ISDIR | FS_OPEN | 0x80000000) >>> 0));
  });

  test('names the overloaded 0x8000 bit once', () => {
    assert.equal(maskToNames(0x8000), 'FS_IN_IGNORED');
  });

  test('accepts another table, and a multi-bit entry takes its bits only when all are set', () => {
    const table = [
      [0x3, 'BOTH'],
      [0x1, 'ONE'],
      [0x4, 'FOUR'],
    ] as const;
    assert.equal(maskToNames(0x3, table), 'BOTH');
    assert.equal(maskToNames(0x1, table), 'ONE');
    assert.equal(maskToNames(0x6, table), 'FOUR|0x2');
  });
});
