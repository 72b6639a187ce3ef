import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FAN_ACCESS,
  FAN_CLASS_CONTENT,
  FAN_CLOSE,
  FAN_CLOSE_NOWRITE,
  FAN_MARK_ADD,
  FAN_MARK_IGNORED_MASK,
  FAN_MARK_IGNORED_SURV_MODIFY,
  FAN_OPEN,
  FAN_OPEN_EXEC,
  FAN_OPEN_EXEC_PERM,
  FAN_OPEN_PERM,
  FAN_REPORT_FID,
  fanotifyInit,
} from '../../src/fanotify/index.js';
import { O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';
import { drain, world } from './helpers.js';

function withProgram() {
  const p = world();
  const fd = p.open('/prog', 0o100 | O_WRONLY, 0o755);
  p.write(fd, '#!');
  p.close(fd);
  return p;
}

describe('exec', () => {
  test('reports OPEN|OPEN_EXEC, ACCESS and CLOSE_NOWRITE, merged as Linux 6.18 shows (0x1031)', () => {
    const p = withProgram();
    const fan = fanotifyInit({ source: p, flags: FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD, FAN_OPEN | FAN_OPEN_EXEC | FAN_ACCESS | FAN_CLOSE, '/prog');
    p.execve('/prog');
    assert.deepEqual(fan.read().map((e) => e.mask), [FAN_OPEN | FAN_OPEN_EXEC | FAN_ACCESS | FAN_CLOSE_NOWRITE]);
  });

  // LTP fanotify12: what a group reports for an open then an exec of the file.
  for (const [mask, ignore, expected] of [
    [FAN_OPEN, 0, [FAN_OPEN, FAN_OPEN]],
    [FAN_OPEN_EXEC, 0, [FAN_OPEN_EXEC]],
    [FAN_OPEN | FAN_OPEN_EXEC, 0, [FAN_OPEN, FAN_OPEN | FAN_OPEN_EXEC]],
    [FAN_OPEN, FAN_OPEN_EXEC, [FAN_OPEN, FAN_OPEN]],
    [FAN_OPEN_EXEC, FAN_OPEN, [FAN_OPEN_EXEC]],
    [FAN_OPEN | FAN_OPEN_EXEC, FAN_OPEN_EXEC, [FAN_OPEN, FAN_OPEN]],
  ] as const) {
    test(`mask 0x${mask.toString(16)} ignore 0x${ignore.toString(16)} reports ${expected.map((m) => '0x' + m.toString(16)).join(', ')}`, () => {
      const p = withProgram();
      const fan = fanotifyInit({ source: p });
      fan.mark(FAN_MARK_ADD, mask, '/prog');
      if (ignore) fan.mark(FAN_MARK_ADD | FAN_MARK_IGNORED_MASK | FAN_MARK_IGNORED_SURV_MODIFY, ignore, '/prog');
      p.close(p.open('/prog', O_RDONLY));
      const first = drain(fan);
      p.execve('/prog');
      const events = [...first, ...drain(fan)];
      for (const e of events) p.close(e.fd);
      assert.deepEqual(events.map((e) => e.mask), [...expected]);
    });
  }

  test('OPEN_EXEC_PERM comes before OPEN_PERM; either can deny the exec with EPERM', () => {
    const p = withProgram();
    const asked: number[] = [];
    let deny = FAN_OPEN_EXEC_PERM;
    const fan = fanotifyInit({
      source: p,
      flags: FAN_CLASS_CONTENT,
      onPermission: (ev) => (asked.push(ev.mask), ev.mask & deny ? 'deny' : 'allow'),
    });
    fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM | FAN_OPEN_EXEC_PERM, '/prog');
    assert.throws(() => p.execve('/prog'), { code: 'EPERM', syscall: 'execve' });
    deny = FAN_OPEN_PERM;
    assert.throws(() => p.execve('/prog'), { code: 'EPERM' });
    deny = 0;
    p.execve('/prog');
    assert.deepEqual(asked, [FAN_OPEN_EXEC_PERM, FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM, FAN_OPEN_EXEC_PERM, FAN_OPEN_PERM]);
  });

  test('a file open for writing cannot be executed (ETXTBSY, after its open events); no execute bit is EACCES', () => {
    const p = withProgram();
    const fan = fanotifyInit({ source: p, flags: FAN_REPORT_FID });
    fan.mark(FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE, '/prog');
    const w = p.open('/prog', O_WRONLY);
    drain(fan);
    assert.throws(() => p.execve('/prog'), { code: 'ETXTBSY' });
    assert.deepEqual(fan.read().map((e) => e.mask), [FAN_OPEN | FAN_CLOSE_NOWRITE]);
    p.close(w);
    assert.throws(() => p.execve('/g'), { code: 'EACCES' });
    assert.throws(() => p.execve('/d'), { code: 'EACCES' });
  });
});
