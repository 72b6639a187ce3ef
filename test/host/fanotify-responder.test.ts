/**
 * The reader thread's permission answers (fanotify-responder.ts), driven
 * with fake system calls: no kernel, no root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFanotifyEvent } from '../../src/fanotify/index.js';
import { SystemError } from '../../src/errors.js';
import {
  FAN_ACCESS_PERM,
  FAN_ALLOW,
  FAN_DENY,
  FAN_OPEN,
  FAN_OPEN_PERM,
  PermissionResponder,
  relativeTo,
  type LinuxSyscalls,
  type PermissionAnswer,
  type ResponderConfig,
} from '../../src/host/linux/index.js';

/** Fake syscalls: fd N's path is paths[N]; every response written is recorded; `answered` fds say ENOENT. */
function fakeKernel(paths: Record<number, string>, answered = new Set<number>()) {
  const written: [number, number][] = [];
  const sys = {
    readlink: (p: string) => {
      const fd = Number(p.slice('/proc/self/fd/'.length));
      const path = paths[fd];
      if (path === undefined) throw new SystemError('ENOENT', { syscall: 'readlink', path: p });
      return path;
    },
    write: (_fd: number, buf: Uint8Array) => {
      const b = Buffer.from(buf);
      const fd = b.readInt32LE(0);
      if (answered.has(fd)) throw new SystemError('ENOENT', { syscall: 'write' });
      answered.add(fd);
      written.push([fd, b.readUInt32LE(4)]);
      return 8;
    },
  } as unknown as LinuxSyscalls;
  return { sys, written };
}

function chunk(...events: [mask: number, fd: number][]): Buffer {
  return Buffer.concat(events.map(([mask, fd]) => encodeFanotifyEvent({ mask, fd, pid: 1, info: [] })));
}

const policy = (rules: ResponderConfig['rules'], more: Partial<ResponderConfig> = {}): ResponderConfig => ({
  rules,
  dflt: FAN_ALLOW,
  root: '/srv',
  timeoutMs: null,
  timeoutResponse: FAN_ALLOW,
  ...more,
});

test('relativeTo renders descriptor paths as the conformance format does', () => {
  assert.equal(relativeTo('/srv', '/srv'), '.');
  assert.equal(relativeTo('/srv', '/srv/a/b'), 'a/b');
  assert.equal(relativeTo('/srv', '/srv/x (deleted)'), 'x (deleted)');
  assert.equal(relativeTo('/srv', '/srvx/y'), '!OUTSIDE:/srvx/y');
  assert.equal(relativeTo(null, '/srv/a'), '/srv/a');
});

test('the first applying rule answers; nth counts the events passing that rule; non-permission events are left alone', () => {
  const { sys, written } = fakeKernel({ 5: '/srv/f', 6: '/srv/f', 7: '/srv/f', 8: '/srv/g' });
  const r = new PermissionResponder(sys, 3, policy([
    { event: FAN_ACCESS_PERM, response: FAN_DENY },
    { path: 'f', event: FAN_OPEN_PERM, nth: 2, response: FAN_DENY },
  ]));
  const answers: PermissionAnswer[] = [];
  r.onChunk(chunk([FAN_OPEN_PERM, 5], [FAN_OPEN, 9], [FAN_OPEN_PERM, 6], [FAN_ACCESS_PERM, 7], [FAN_OPEN_PERM, 8]), 0, answers);
  assert.deepEqual(written, [
    [5, FAN_ALLOW],
    [6, FAN_DENY],
    [7, FAN_DENY],
    [8, FAN_ALLOW],
  ]);
  assert.deepEqual(answers.map((a) => [a.fd, a.by, a.path]), [
    [5, 'policy', 'f'],
    [6, 'policy', 'f'],
    [7, 'policy', 'f'],
    [8, 'policy', 'g'],
  ]);
  assert.equal(r.nextTimeout(0), -1, 'a policy leaves nothing to time out');
});

test('without a policy, events time out with the configured answer; one answered meanwhile is skipped quietly', () => {
  const answered = new Set<number>();
  const { sys, written } = fakeKernel({}, answered);
  const r = new PermissionResponder(sys, 3, policy(null, { timeoutMs: 100, timeoutResponse: FAN_DENY }));
  const answers: PermissionAnswer[] = [];
  r.onChunk(chunk([FAN_OPEN_PERM, 5], [FAN_OPEN_PERM, 6]), 1000, answers);
  assert.deepEqual(answers, []);
  assert.equal(r.nextTimeout(1050), 50);
  answered.add(6); // the main thread's respond() got there first
  r.expire(1099, answers);
  assert.deepEqual(answers, []);
  r.expire(1100, answers);
  assert.deepEqual(written, [[5, FAN_DENY]]);
  assert.deepEqual(answers, [{ fd: 5, response: FAN_DENY, by: 'timeout', path: null }]);
  assert.equal(r.nextTimeout(2000), -1);
});

test('a newer event with a reused descriptor number replaces the older one\'s timer', () => {
  const { sys, written } = fakeKernel({});
  const r = new PermissionResponder(sys, 3, policy(null, { timeoutMs: 100, timeoutResponse: FAN_ALLOW }));
  const answers: PermissionAnswer[] = [];
  r.onChunk(chunk([FAN_OPEN_PERM, 5]), 0, answers);
  r.onChunk(chunk([FAN_OPEN_PERM, 5]), 80, answers);
  r.expire(150, answers);
  assert.deepEqual(written, []);
  r.expire(180, answers);
  assert.deepEqual(written, [[5, FAN_ALLOW]]);
});
