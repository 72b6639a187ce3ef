import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DN_ATTRIB,
  DN_CREATE,
  DN_DELETE,
  DN_MODIFY,
  DN_MULTISHOT,
  DN_RENAME,
  DN_SI_BAND,
  dnotify,
} from '../../src/dnotify/index.js';
import type { DnotifySignal } from '../../src/dnotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { createVfs, O_CREAT, O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';

function touch(p: VfsProcess, path: string): void {
  p.close(p.open(path, O_CREAT | O_WRONLY));
}

function setup() {
  const p = createVfs();
  p.mkdir('/d');
  p.mkdir('/e');
  touch(p, '/d/f');
  const signals: number[] = [];
  const record = (s: DnotifySignal): void => {
    signals.push(s.fd);
  };
  return { p, signals, record };
}

describe('dnotify', () => {
  test('without DN_MULTISHOT a registration fires once; with it, every time', () => {
    const { p, signals, record } = setup();
    const one = p.open('/d', O_RDONLY);
    const many = p.open('/e', O_RDONLY);
    dnotify(p).notify(one, DN_CREATE, record);
    dnotify(p).notify(many, DN_CREATE | DN_MULTISHOT, record);
    touch(p, '/d/a');
    touch(p, '/d/b');
    touch(p, '/e/a');
    touch(p, '/e/b');
    assert.deepEqual(signals, [one, many, many]);
  });

  test('the signal carries the registered descriptor and POLLIN|POLLRDNORM|POLLMSG', () => {
    const { p, record } = setup();
    const fd = p.open('/d', O_RDONLY);
    let got: DnotifySignal | null = null;
    dnotify(p).notify(fd, DN_MODIFY, (s) => {
      got = s;
      record(s);
    });
    p.truncate('/d/f', 1);
    assert.deepEqual(got, { fd, band: DN_SI_BAND });
  });

  test('closing any descriptor of the open file removes the registration, in that process only', () => {
    const { p, signals, record } = setup();
    const other = p.spawn();
    const fd = p.open('/d', O_RDONLY);
    const dup = p.dup(fd);
    dnotify(p).notify(fd, DN_CREATE | DN_MULTISHOT, record);
    const ofd = other.open('/d', O_RDONLY);
    other.close(ofd);
    touch(p, '/d/a');
    assert.deepEqual(signals, [fd], 'another process closing the directory changes nothing');
    p.close(dup);
    touch(p, '/d/b');
    assert.deepEqual(signals, [fd], 'closing the dup removed it');
    assert.deepEqual(dnotify(p).registrations(), []);
  });

  test('F_NOTIFY with no event bit cancels; again on the same descriptor ORs bits in', () => {
    const { p, signals, record } = setup();
    const fd = p.open('/d', O_RDONLY);
    dnotify(p).notify(fd, DN_CREATE | DN_MULTISHOT, record);
    dnotify(p).notify(fd, DN_DELETE, record);
    touch(p, '/d/a');
    p.unlink('/d/a');
    assert.deepEqual(signals, [fd, fd]);
    dnotify(p).notify(fd, DN_MULTISHOT);
    touch(p, '/d/b');
    assert.deepEqual(signals, [fd, fd]);
  });

  test('F_NOTIFY on a file is ENOTDIR; with fs.dir-notify-enable=0 it is EINVAL; a bad fd is EBADF', () => {
    const { p, record } = setup();
    const file = p.open('/d/f', O_RDONLY);
    assert.throws(() => dnotify(p).notify(file, DN_CREATE, record), { code: 'ENOTDIR' });
    dnotify(p).notify(file, 0);
    assert.throws(() => dnotify(p).notify(99, DN_CREATE, record), { code: 'EBADF' });
    p.limits.set('fs.dir-notify-enable', 0);
    assert.throws(() => dnotify(p).notify(file, DN_CREATE, record), { code: 'EINVAL' });
  });

  test('DN_RENAME only within one directory; across directories DN_DELETE and DN_CREATE; a renamed watched dir tells its parent', () => {
    const { p, signals, record } = setup();
    p.mkdir('/d/s');
    const d = p.open('/d', O_RDONLY);
    const e = p.open('/e', O_RDONLY);
    const s = p.open('/d/s', O_RDONLY);
    dnotify(p).notify(d, DN_RENAME | DN_DELETE | DN_MULTISHOT, record);
    dnotify(p).notify(e, DN_RENAME | DN_CREATE | DN_MULTISHOT, record);
    dnotify(p).notify(s, DN_RENAME | DN_MULTISHOT, record);
    p.rename('/d/f', '/d/g');
    assert.deepEqual(signals.splice(0), [d, d], 'DN_RENAME, then DN_DELETE for the MOVED_FROM');
    p.rename('/d/g', '/e/g');
    assert.deepEqual(signals.splice(0), [d, e]);
    p.rename('/d/s', '/d/t');
    assert.deepEqual(signals.splice(0), [d, d], 'the parent, never the renamed directory itself');
  });

  test('a subdirectory chmod signals both the parent and the subdirectory (fcntl38)', () => {
    const { p, signals, record } = setup();
    p.mkdir('/d/s');
    const d = p.open('/d', O_RDONLY);
    const s = p.open('/d/s', O_RDONLY);
    dnotify(p).notify(d, DN_ATTRIB | DN_MULTISHOT, record);
    dnotify(p).notify(s, DN_ATTRIB | DN_MULTISHOT, record);
    p.chmod('/d/s', 0o700);
    assert.deepEqual(signals, [d, s]);
  });
});
