import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  decodeFanotifyEvents,
  FAN_ACCESS,
  FAN_ATTRIB,
  FAN_CLOSE,
  FAN_CLOSE_WRITE,
  FAN_CREATE,
  FAN_DELETE,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_EVENT_INFO_TYPE_FID,
  FAN_EVENT_METADATA_LEN,
  FAN_MARK_ADD,
  FAN_MARK_FILESYSTEM,
  FAN_MARK_IGNORE_SURV,
  FAN_MARK_IGNORE,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_IGNORED_SURV_MODIFY,
  FAN_MARK_MOUNT,
  FAN_MODIFY,
  FAN_ONDIR,
  FAN_OPEN,
  FAN_Q_OVERFLOW,
  FAN_REPORT_DFID_NAME,
  FAN_REPORT_FID,
  FANOTIFY_METADATA_VERSION,
  fanotifyInit,
} from '../../src/fanotify/index.js';
import { O_RDONLY, O_RDWR, O_WRONLY } from '../../src/vfs/index.js';
import { drain, show, world } from './helpers.js';

describe('descriptor mode', () => {
  test('reports the pid and a descriptor whose use raises no event', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_ACCESS | FAN_CLOSE, '/');
    const fd = p.open('/d/f', O_RDONLY);
    p.read(fd, 2);
    p.close(fd);
    const [ev] = fan.read();
    assert.equal(ev!.pid, p.pid);
    assert.equal(ev!.mask, FAN_OPEN | FAN_ACCESS | 0x10);
    assert.equal(p.read(ev!.fd, 10).toString(), 'hello', 'the event descriptor reads the file');
    p.close(ev!.fd);
    assert.deepEqual(drain(fan), [], 'reading and closing it raised nothing');
  });

  test('an event from another process carries its pid; unprivileged readers see 0 for it', () => {
    const p = world();
    const other = p.spawn({ uid: 1000 });
    const user = p.spawn({ uid: 1000 });
    const fan = fanotifyInit({ source: user, flags: FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, '/g');
    other.close(other.open('/g', O_RDONLY));
    user.close(user.open('/g', O_RDONLY));
    const events = fan.read();
    assert.deepEqual(events.map((e) => e.pid), [0, user.pid]);
    assert.ok(events.every((e) => e.fd === -1));
  });

  test('events on fifos are dropped in descriptor mode but the mark is accepted', () => {
    const p = world();
    p.mknod('/fifo', 0o010644);
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/fifo');
    p.close(p.open('/fifo', O_RDWR));
    assert.deepEqual(drain(fan), []);
  });
});

describe('merging (F12)', () => {
  test('merges into any queued unread event of the same file, not only the tail', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_MODIFY | FAN_CLOSE_WRITE, '/');
    const a = p.open('/d/f', O_WRONLY);
    const b = p.open('/g', O_WRONLY);
    p.write(a, '1');
    p.write(b, '1');
    p.write(a, '2');
    p.close(a);
    p.close(b);
    assert.deepEqual(show(p, fan.read()), ['FAN_MODIFY|FAN_CLOSE_WRITE /d/f', 'FAN_MODIFY|FAN_CLOSE_WRITE /g']);
  });

  test('an event already read is never merged into', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_MODIFY, '/g');
    const fd = p.open('/g', O_WRONLY);
    p.write(fd, '1');
    const first = show(p, fan.read());
    p.write(fd, '2');
    p.write(fd, '3');
    assert.deepEqual([...first, ...show(p, fan.read())], ['FAN_MODIFY /g', 'FAN_MODIFY /g']);
  });

  test('the same file touched by two processes gives two events', () => {
    const p = world();
    const q = p.spawn();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/g');
    p.close(p.open('/g', O_RDONLY));
    q.close(q.open('/g', O_RDONLY));
    p.close(p.open('/g', O_RDONLY));
    assert.deepEqual(fan.read().map((e) => e.pid), [p.pid, q.pid]);
  });

  test('FID mode folds the dirent events of one directory, dirs apart from files', () => {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD, FAN_CREATE | FAN_DELETE | FAN_ONDIR, '/d');
    p.close(p.open('/d/x', 0o100 | O_WRONLY));
    p.mkdir('/d/y');
    p.unlink('/d/x');
    p.rmdir('/d/y');
    assert.deepEqual(show(p, fan.read()), ['FAN_CREATE|FAN_DELETE [1 /d]', 'FAN_CREATE|FAN_DELETE|FAN_ONDIR [1 /d]']);
  });

  test('a full queue ends with one FAN_Q_OVERFLOW and no merge is attempted', () => {
    const p = world();
    const fan = fanotifyInit({ source: p, maxQueuedEvents: 2 });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/');
    for (const path of ['/d/f', '/g', '/d/f', '/g']) p.close(p.open(path, O_RDONLY));
    const events = fan.read();
    assert.deepEqual(events.map((e) => e.mask), [FAN_OPEN, FAN_OPEN, FAN_Q_OVERFLOW]);
    assert.deepEqual([events[2]!.fd, events[2]!.pid], [-1, 0]);
    for (const e of events.slice(0, 2)) p.close(e.fd);
  });
});

describe('ignore masks (F7, C9)', () => {
  test('a legacy ignore mask is cleared by a modify; with SURV_MODIFY it stays', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD, FAN_ACCESS | FAN_OPEN, '/d/f');
    fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, FAN_ACCESS, '/d/f');
    fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN, '/g');
    fan.mark(FAN_MARK_ADD, FAN_OPEN, '/g');
    const fd = p.open('/d/f', O_RDWR);
    p.read(fd, 1);
    assert.deepEqual(drain(fan).map((e) => (p.close(e.fd), e.mask)), [FAN_OPEN]);
    p.write(fd, 'x');
    p.read(fd, 1);
    p.close(fd);
    const w = p.open('/g', O_WRONLY);
    p.write(w, 'x');
    p.close(w);
    p.close(p.open('/g', O_RDONLY));
    assert.deepEqual(show(p, drain(fan)), ['FAN_ACCESS /d/f']);
  });

  test('an inode ignore mask filters the same group’s mount mark', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/');
    fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, FAN_OPEN, '/g');
    const other = fanotifyInit({ source: p });
    other.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN, '/');
    p.close(p.open('/g', O_RDONLY));
    p.close(p.open('/d/f', O_RDONLY));
    assert.deepEqual(show(p, fan.read()), ['FAN_OPEN /d/f']);
    assert.deepEqual(show(p, other.read()), ['FAN_OPEN /g', 'FAN_OPEN /d/f']);
  });

  test('FAN_MARK_IGNORE applies to a directory only with FAN_ONDIR, to children only with FAN_EVENT_ON_CHILD', () => {
    const p = world();
    const fan = fanotifyInit({ source: p });
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN | FAN_ONDIR, '/');
    assert.throws(() => fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORE, FAN_OPEN, '/d'), { code: 'EISDIR' });
    fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORE_SURV, FAN_OPEN, '/d');
    p.readdir('/d');
    p.close(p.open('/d/f', O_RDONLY));
    assert.deepEqual(show(p, fan.read()), ['FAN_OPEN /d', 'FAN_OPEN /d/f']);
    fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORE_SURV, FAN_OPEN | FAN_ONDIR | 0x08000000, '/d');
    p.readdir('/d');
    p.close(p.open('/d/f', O_RDONLY));
    p.readdir('/d/s');
    assert.deepEqual(drain(fan), [], 'the directory, its files and its subdirectories are all ignored');
    p.readdir('/d/s/..');
    p.readdir('/');
    assert.deepEqual(show(p, fan.read()), ['FAN_OPEN /'], 'the parent is not');
  });
});

describe('file handles and the read(2) layout', () => {
  test('a DFID_NAME record for a child, "." for the directory itself; FID after it with FAN_REPORT_FID', () => {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_REPORT_DFID_NAME | FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_ATTRIB | FAN_ONDIR, '/');
    p.chmod('/d/f', 0o600);
    p.chmod('/d', 0o700);
    assert.deepEqual(show(p, fan.read()), ['FAN_ATTRIB [2 /d "f"] [1 /d/f]', 'FAN_ATTRIB|FAN_ONDIR [2 /d "."]']);
  });

  test('readBytes returns the kernel layout: 24-byte metadata, then 4-byte aligned records', () => {
    const p = world();
    const fan = fanotifyInit({ source: p, flags: FAN_REPORT_DFID_NAME | FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_ATTRIB, '/');
    p.chmod('/d/f', 0o600);
    p.chmod('/g', 0o600);
    // DFID_NAME: 4 + 8 + 8 + 12-byte tmpfs handle + "f\0" = 34 → 36; FID: 32.
    const size = FAN_EVENT_METADATA_LEN + 36 + 32;
    assert.equal(fan.queuedBytes, 2 * size);
    assert.throws(() => fan.readBytes(size - 1), { code: 'EINVAL' });
    const buf = fan.readBytes(size + 10);
    assert.equal(buf.length, size);
    assert.equal(buf.readUInt32LE(0), size);
    assert.equal(buf[4], FANOTIFY_METADATA_VERSION);
    assert.equal(buf.readUInt16LE(6), FAN_EVENT_METADATA_LEN);
    const [ev] = decodeFanotifyEvents(buf);
    assert.equal(ev!.mask, FAN_ATTRIB);
    assert.equal(ev!.fd, -1);
    assert.equal(ev!.pid, p.pid);
    assert.deepEqual(ev!.info.map((i) => [i.type, 'name' in i ? i.name : null]), [
      [FAN_EVENT_INFO_TYPE_DFID_NAME, 'f'],
      [FAN_EVENT_INFO_TYPE_FID, null],
    ]);
    assert.equal(fan.queuedBytes, size, 'the second event is still queued');
  });
});
