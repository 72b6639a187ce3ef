import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FAN_ACCESS_PERM,
  FAN_ALLOW,
  FAN_CLASS_CONTENT,
  FAN_CLASS_NOTIF,
  FAN_CLASS_PRE_CONTENT,
  FAN_DENY,
  FAN_DENY_ERRNO,
  FAN_MARK_ADD,
  FAN_MARK_MOUNT,
  FAN_OPEN,
  FAN_OPEN_PERM,
  fanotifyInit,
} from '../../src/fanotify/index.js';
import type { FanotifyEvent } from '../../src/fanotify/index.js';
import { O_RDONLY } from '../../src/vfs/index.js';
import { drain, world } from './helpers.js';

const EPERM = 1;
const EBUSY = 16;

describe('a synchronous decision function', () => {
  test('a denied open fails with EPERM; an allowed one proceeds; the event is consumed', () => {
    const p = world();
    const seen: string[] = [];
    const fan = fanotifyInit({
      source: p,
      flags: FAN_CLASS_CONTENT,
      onPermission: (ev) => {
        const path = p.fdPath(ev.fd);
        seen.push(path);
        return path === '/g' ? 'deny' : 'allow';
      },
    });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, '/');
    assert.throws(() => p.open('/g', O_RDONLY), { code: 'EPERM', syscall: 'open' });
    p.close(p.open('/d/f', O_RDONLY));
    assert.deepEqual(seen, ['/g', '/d/f']);
    assert.deepEqual(drain(fan), []);
  });

  test('a denial stops lower-priority groups: they see neither the permission event nor FAN_OPEN', () => {
    const p = world();
    const notif = fanotifyInit({ source: p, flags: FAN_CLASS_NOTIF });
    notif.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/');
    const low = fanotifyInit({ source: p, flags: FAN_CLASS_CONTENT, onPermission: () => 'allow' });
    low.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, '/');
    let asked = 0;
    const high = fanotifyInit({
      source: p,
      flags: FAN_CLASS_PRE_CONTENT,
      onPermission: () => (asked++ === 0 ? FAN_DENY_ERRNO(EBUSY) : FAN_ALLOW),
    });
    high.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, '/');
    assert.throws(() => p.open('/g', O_RDONLY), { code: 'EBUSY' });
    assert.deepEqual(drain(notif), []);
    p.close(p.open('/g', O_RDONLY));
    assert.deepEqual(drain(notif).map((e) => (p.close(e.fd), e.mask)), [FAN_OPEN]);
  });

  test('FAN_ACCESS_PERM is generated only for files opened while someone watched it (C15)', () => {
    const p = world();
    const early = p.open('/d/f', O_RDONLY);
    const fan = fanotifyInit({ source: p, flags: FAN_CLASS_CONTENT, onPermission: () => 'deny' });
    fan.mark(FAN_MARK_ADD, FAN_ACCESS_PERM, '/d/f');
    assert.equal(p.read(early, 5).toString(), 'hello');
    const late = p.open('/d/f', O_RDONLY);
    assert.throws(() => p.read(late, 5), { code: 'EPERM', syscall: 'read' });
  });
});

describe('a synchronous reader (onReady)', () => {
  test('reads the event inside the operation and answers it with respond()', () => {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_CLASS_CONTENT });
    const log: string[] = [];
    fan.onReady(() => {
      for (const ev of fan.read()) {
        const path = p.fdPath(ev.fd);
        log.push(path);
        fan.respond(ev, path === '/g' ? 'deny' : 'allow');
        p.close(ev.fd);
      }
    });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, '/');
    assert.throws(() => p.open('/g', O_RDONLY), { code: 'EPERM' });
    p.close(p.open('/d/f', O_RDONLY));
    assert.deepEqual(log, ['/g', '/d/f']);
  });
});

describe('asynchronous answers', () => {
  function setup(opts: Partial<Parameters<typeof fanotifyInit>[0]> = {}) {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_CLASS_CONTENT, ...opts });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_PERM, '/');
    return { p, fan };
  }

  test('openAsync waits for respond(): allow gives a descriptor, deny rejects with EPERM', async () => {
    const { p, fan } = setup();
    const allowed = p.openAsync('/d/f', O_RDONLY);
    const denied = p.openAsync('/g', O_RDONLY);
    const [a, b] = fan.read();
    assert.equal(p.fdPath(a!.fd), '/d/f');
    fan.respond(b!.fd, FAN_DENY);
    fan.respond(a!.fd, 'allow');
    await assert.rejects(denied, { code: 'EPERM' });
    const fd = await allowed;
    assert.equal(p.read(fd, 5).toString(), 'hello');
    assert.throws(() => fan.respond(a!.fd, 'allow'), { code: 'ENOENT' }, 'a second answer');
    assert.throws(() => fan.respond(a!.fd, FAN_ALLOW | FAN_DENY), { code: 'EINVAL' });
    assert.throws(() => fan.respond(a!.fd, FAN_DENY_ERRNO(EBUSY)), { code: 'EINVAL' }, 'custom errno needs PRE_CONTENT');
  });

  test('a listener that goes away releases every waiting operation (read or not) with allow', async () => {
    const { p, fan } = setup();
    const waiting = [p.openAsync('/d/f', O_RDONLY), p.openAsync('/g', O_RDONLY), p.openAsync('/d/f', O_RDONLY)];
    const read: FanotifyEvent[] = fan.read(1);
    assert.equal(read.length, 1);
    fan.close();
    const fds = await Promise.all(waiting);
    assert.equal(fds.length, 3);
    for (const fd of fds) assert.equal(typeof fd, 'number');
  });

  test('the timeout answers an unanswered event with its default, read or still queued', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const { p, fan } = setup({ permissionTimeout: { ms: 5000, response: 'deny' } });
    const queued = p.openAsync('/d/f', O_RDONLY);
    const read = p.openAsync('/g', O_RDONLY);
    const [first] = fan.read(1);
    assert.equal(p.fdPath(first!.fd), '/d/f');
    t.mock.timers.tick(4999);
    let settled = false;
    void queued.catch(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    t.mock.timers.tick(1);
    await assert.rejects(queued, { code: 'EPERM' });
    await assert.rejects(read, { code: 'EPERM' });
    assert.throws(() => fan.respond(first!.fd, 'allow'), { code: 'ENOENT' }, 'already decided');
    assert.deepEqual(drain(fan), [], 'the unread event was withdrawn');
  });

  test('a synchronous call cannot wait: EAGAIN, and the event is withdrawn from the queue', () => {
    const { p, fan } = setup();
    assert.throws(() => p.open('/d/f', O_RDONLY), { code: 'EAGAIN', syscall: 'open' });
    assert.deepEqual(drain(fan), []);
  });

  test('readAsync waits for FAN_ACCESS_PERM', async () => {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_CLASS_CONTENT });
    fan.mark(FAN_MARK_ADD, FAN_ACCESS_PERM, '/d/f');
    const fd = p.open('/d/f', O_RDONLY);
    const data = p.readAsync(fd, 3);
    const events = await fan.readAsync();
    assert.equal(events[0]!.mask, FAN_ACCESS_PERM);
    assert.equal(events[0]!.pid, p.pid);
    fan.respond(events[0]!, 'deny');
    await assert.rejects(data, { code: 'EPERM' });
    const again = p.readAsync(fd, 3);
    const [ev] = await fan.readAsync();
    fan.respond(ev!, 'allow');
    assert.equal((await again).toString(), 'hel');
    assert.equal(EPERM, 1);
  });
});
