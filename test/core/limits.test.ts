/**
 * Limits: per-user counters and the sysctl table. The sysctl ranges were
 * read off Linux 6.18 by writing /proc/sys/fs/{inotify,fanotify}/* and
 * fs/dir-notify-enable (and restoring them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_SYSCTLS, Limits } from '../../src/core/index.js';
import type { SysctlName } from '../../src/core/index.js';

const INT_MAX = 0x7fffffff;

function throwsEinval(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => e instanceof Error && /^EINVAL\b/.test(e.message));
}

describe('Limits counters', () => {
  test('charges per uid and per counter, and refuses at the maximum without charging', () => {
    const limits = new Limits();
    assert.equal(limits.charge(1000, 'inotify.watches', 2), true);
    assert.equal(limits.charge(1000, 'inotify.watches', 2), true);
    assert.equal(limits.charge(1000, 'inotify.watches', 2), false);
    assert.equal(limits.count(1000, 'inotify.watches'), 2, 'the refused charge left no trace');
    assert.equal(limits.charge(1001, 'inotify.watches', 2), true, 'another uid has its own count');
    assert.equal(limits.charge(1000, 'inotify.instances', 2), true, 'another counter has its own count');
    assert.equal(limits.count(1001, 'inotify.watches'), 1);
    assert.equal(limits.count(1000, 'inotify.instances'), 1);
  });

  test('uncharge gives back one unit, and a freed unit can be charged again', () => {
    const limits = new Limits();
    limits.charge(7, 'c', 1);
    assert.equal(limits.charge(7, 'c', 1), false);
    limits.uncharge(7, 'c');
    assert.equal(limits.count(7, 'c'), 0);
    assert.equal(limits.charge(7, 'c', 1), true);
  });

  test('uncharge never takes a count below zero', () => {
    const limits = new Limits();
    limits.uncharge(7, 'c');
    limits.uncharge(7, 'c');
    assert.equal(limits.count(7, 'c'), 0);
    assert.equal(limits.charge(7, 'c', 1), true);
    assert.equal(limits.charge(7, 'c', 1), false, 'earlier extra uncharges gave no credit');
  });

  test('a maximum of 0 refuses the first charge', () => {
    const limits = new Limits();
    assert.equal(limits.charge(0, 'c', 0), false);
  });

  test('two Limits tables keep separate counters', () => {
    const a = new Limits();
    const b = new Limits();
    a.charge(0, 'c', 5);
    assert.equal(b.count(0, 'c'), 0);
  });
});

describe('Limits sysctls', () => {
  test('start at the kernel defaults, with the overrides applied', () => {
    const limits = new Limits({ 'fs.inotify.max_queued_events': 8 });
    assert.equal(limits.get('fs.inotify.max_queued_events'), 8);
    assert.equal(limits.get('fs.inotify.max_user_instances'), 128);
    assert.equal(limits.get('fs.fanotify.max_user_groups'), 128);
    assert.equal(limits.get('fs.fanotify.max_queued_events'), 16384);
    assert.equal(limits.get('fs.dir-notify-enable'), 1);
    assert.equal(new Limits().get('fs.inotify.max_queued_events'), 16384);
    const watches = new Limits().get('fs.inotify.max_user_watches');
    assert.ok(watches >= 8192 && watches <= 1048576, 'max_user_watches is within the kernel clamp');
  });

  test('set stores a valid value, and get returns it', () => {
    const limits = new Limits();
    limits.set('fs.inotify.max_user_watches', 3);
    assert.equal(limits.get('fs.inotify.max_user_watches'), 3);
  });

  test('set rejects negative and non-integer values with EINVAL and keeps the old value', () => {
    const limits = new Limits();
    const names = Object.keys(DEFAULT_SYSCTLS).filter((n) => n !== 'fs.dir-notify-enable') as SysctlName[];
    for (const name of names) {
      const before = limits.get(name);
      for (const bad of [-1, 1.5, Number.NaN, Infinity]) {
        throwsEinval(() => limits.set(name, bad));
        assert.equal(limits.get(name), before, `${name} after ${bad}`);
      }
    }
  });

  test('set leaves other tables alone', () => {
    const a = new Limits();
    const b = new Limits();
    a.set('fs.inotify.max_user_instances', 5);
    assert.equal(b.get('fs.inotify.max_user_instances'), 128);
  });

  test(
    'set accepts 0 for every inotify and fanotify sysctl, as the kernel does',
    () => {
      const limits = new Limits();
      const names = Object.keys(DEFAULT_SYSCTLS).filter((n) => n !== 'fs.dir-notify-enable') as SysctlName[];
      for (const name of names) {
        limits.set(name, 0);
        assert.equal(limits.get(name), 0, name);
      }
    },
  );

  test(
    'set rejects values above INT_MAX for the per-user ucount sysctls',
    () => {
      const limits = new Limits();
      for (const name of [
        'fs.inotify.max_user_instances',
        'fs.inotify.max_user_watches',
        'fs.fanotify.max_user_groups',
        'fs.fanotify.max_user_marks',
      ] as const) {
        const before = limits.get(name);
        limits.set(name, INT_MAX);
        assert.equal(limits.get(name), INT_MAX);
        limits.set(name, before);
        throwsEinval(() => limits.set(name, INT_MAX + 1));
        assert.equal(limits.get(name), before, name);
      }
    },
  );

  test(
    'fs.dir-notify-enable takes any integer, negative ones included',
    () => {
      const limits = new Limits();
      limits.set('fs.dir-notify-enable', 0);
      assert.equal(limits.get('fs.dir-notify-enable'), 0);
      limits.set('fs.dir-notify-enable', -1);
      assert.equal(limits.get('fs.dir-notify-enable'), -1);
    },
  );
});
