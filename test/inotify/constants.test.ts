import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as core from '../../src/core/index.js';
import {
  ALL_INOTIFY_BITS,
  IN_ALL_EVENTS,
  IN_CLOSE,
  IN_CLOSE_NOWRITE,
  IN_CLOSE_WRITE,
  IN_CREATE,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE,
  IN_ONESHOT,
  INOTIFY_BIT_NAMES,
  INOTIFY_REPORTED_BITS,
  inotifyMaskToNames,
  namesToInotifyMask,
} from '../../src/inotify/index.js';
import * as inotify from '../../src/inotify/index.js';

describe('IN_* constants', () => {
  test('equal the FS_* bit of the same name', () => {
    const fsBits = core as unknown as Record<string, number>;
    for (const [bit, name] of INOTIFY_BIT_NAMES) {
      const fsName = name === 'IN_IGNORED' ? 'FS_IN_IGNORED' : name.replace(/^IN_/, 'FS_');
      if (fsName in fsBits && name !== 'IN_ISDIR') assert.equal(fsBits[fsName], bit, name);
    }
    assert.equal(core.FS_ISDIR, IN_ISDIR);
  });

  test('have one distinct single bit per name', () => {
    const seen = new Set<number>();
    for (const [bit, name] of INOTIFY_BIT_NAMES) {
      assert.equal(bit & (bit - 1), 0, `${name} is one bit`);
      assert.ok(!seen.has(bit), `${name} is unique`);
      seen.add(bit);
    }
    assert.equal(seen.size, 22, 'ALL_INOTIFY_BITS has 22 bits');
    assert.equal([...seen].reduce((a, b) => (a | b) >>> 0, 0), ALL_INOTIFY_BITS);
  });

  test('spell the aliases and groups as the man page', () => {
    assert.equal(IN_ALL_EVENTS, 0xfff);
    assert.equal(IN_CLOSE, 0x18);
    assert.equal(IN_MOVE, 0xc0);
    assert.equal(IN_ONESHOT, 0x80000000);
    assert.equal(ALL_INOTIFY_BITS, 0xf700efff);
    assert.equal(INOTIFY_REPORTED_BITS, 0x4000efff);
    assert.equal(inotify.IN_CLOEXEC, 0x80000);
    assert.equal(inotify.IN_NONBLOCK, 0x800);
  });
});

describe('inotifyMaskToNames', () => {
  test('prints set bits in bit order joined with |', () => {
    assert.equal(inotifyMaskToNames(IN_CREATE | IN_ISDIR), 'IN_CREATE|IN_ISDIR');
    assert.equal(inotifyMaskToNames(IN_IGNORED), 'IN_IGNORED');
    assert.equal(inotifyMaskToNames(IN_MODIFY | IN_ONESHOT), 'IN_MODIFY|IN_ONESHOT');
  });

  test('prints leftover bits once in hex and 0 as 0', () => {
    assert.equal(inotifyMaskToNames(IN_CREATE | 0x1000 | 0x08000000), 'IN_CREATE|0x8001000');
    assert.equal(inotifyMaskToNames(0x1000), '0x1000');
    assert.equal(inotifyMaskToNames(0), '0');
  });
});

describe('namesToInotifyMask', () => {
  test('accepts names with or without the prefix in any case, and the aliases', () => {
    assert.equal(namesToInotifyMask(['IN_CREATE', 'modify', 'Close']), IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE);
    assert.equal(namesToInotifyMask(['IN_ALL_EVENTS']), IN_ALL_EVENTS);
    assert.equal(namesToInotifyMask(['in_move', 'IN_ONESHOT']), (IN_MOVE | IN_ONESHOT) >>> 0);
  });

  test('accepts integers, decimal and hex strings, and |-joined lists', () => {
    assert.equal(namesToInotifyMask([0x100, '0x2', '4']), 0x106);
    assert.equal(namesToInotifyMask([IN_MODIFY | IN_ONESHOT]), 0x80000002);
    assert.equal(namesToInotifyMask(['IN_CREATE|IN_ISDIR']), (IN_CREATE | IN_ISDIR) >>> 0);
    assert.equal(namesToInotifyMask([inotifyMaskToNames(0x80000302)]), 0x80000302);
    assert.equal(namesToInotifyMask([]), 0);
  });

  test('throws on an unknown name or a non-32-bit number', () => {
    assert.throws(() => namesToInotifyMask(['IN_CREATE', 'IN_BOGUS']), /unknown inotify event name 'IN_BOGUS'/);
    assert.throws(() => namesToInotifyMask(['IN_NONBLOCK']), RangeError);
    assert.throws(() => namesToInotifyMask([1.5]), RangeError);
    assert.throws(() => namesToInotifyMask([2 ** 32]), RangeError);
  });
});
