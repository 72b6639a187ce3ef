/**
 * HostFanotify: the kernel's fanotify behind the front-end's API. Events
 * stay (and merge) in the kernel until read; the reader thread pushes them
 * once asked to; descriptors are real and the caller's; file handles
 * resolve to paths that stay right across renames. Most of this needs root
 * (descriptor-mode groups, filesystem marks, open_by_handle_at).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isSystemError } from '../../src/errors.js';
import type { FanotifyFidInfo } from '../../src/fanotify/index.js';
import {
  FAN_CLASS_NOTIF,
  FAN_CLOSE_WRITE,
  FAN_CREATE,
  FAN_EVENT_INFO_TYPE_DFID_NAME,
  FAN_MARK_ADD,
  FAN_MARK_FILESYSTEM,
  FAN_MODIFY,
  FAN_ONDIR,
  FAN_OPEN,
  FAN_RENAME,
  FAN_REPORT_DFID_NAME,
  FAN_REPORT_FID,
  hostFanotifyInit,
  linuxSyscalls,
} from '../../src/host/linux/index.js';
import { isRoot, openFdCount, privateTmpfs, tempDir } from './helpers.js';

const skip = !isRoot && 'descriptor-mode groups, filesystem marks and open_by_handle_at need root';

test('events stay in the kernel until read() and merge there; the descriptor is real and the reader closes it', { skip }, () => {
  const d = tempDir();
  const file = join(realpathSync(d.path), 'f');
  writeFileSync(file, '');
  const fan = hostFanotifyInit({ flags: FAN_CLASS_NOTIF });
  try {
    fan.mark(FAN_MARK_ADD, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE, file);
    writeFileSync(file, 'one');
    writeFileSync(file, 'two');
    assert.equal(fan.reading, false, 'no reader thread: read() reads the kernel fd itself');
    assert.equal(fan.queuedBytes, 24, 'both writes merged into one queued event (FIONREAD)');
    const [ev, ...rest] = fan.read();
    assert.ok(ev);
    assert.deepEqual(rest, []);
    try {
      assert.equal(ev.mask, FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE);
      assert.equal(ev.pid, process.pid);
      assert.equal(linuxSyscalls().readlink(`/proc/self/fd/${ev.fd}`), file);
      assert.equal(fstatSync(ev.fd).ino, statSync(file).ino);
      assert.equal(readFileSync(ev.fd, 'utf8'), 'two', 'reading through the event descriptor raises no event');
    } finally {
      closeSync(ev.fd);
    }
    assert.throws(() => fan.read(), (e: unknown) => isSystemError(e, 'EAGAIN'));
    assert.match(fan.fdinfo()[1] ?? '', /^fanotify ino:[0-9a-f]+ sdev:[0-9a-f]+ mflags:0 mask:2a ignored_mask:0/);
  } finally {
    fan.close();
    d.cleanup();
  }
  assert.throws(() => fan.read(), (e: unknown) => isSystemError(e, 'EBADF'));
});

test('readAsync() and async iteration start the reader thread, which pushes events as they come', { skip }, async () => {
  const d = tempDir();
  const file = join(d.path, 'f');
  writeFileSync(file, '');
  const fan = hostFanotifyInit({ flags: FAN_CLASS_NOTIF });
  try {
    fan.mark(FAN_MARK_ADD, FAN_CLOSE_WRITE, file);
    const next = fan.readAsync();
    assert.equal(fan.reading, true);
    writeFileSync(file, 'x');
    const [ev] = await next;
    assert.ok(ev);
    closeSync(ev.fd);
    assert.equal(ev.mask, FAN_CLOSE_WRITE);
    writeFileSync(file, 'y');
    for await (const e of fan) {
      closeSync(e.fd);
      assert.equal(e.mask, FAN_CLOSE_WRITE);
      break;
    }
  } finally {
    fan.close();
    await fan.whenClosed();
    d.cleanup();
  }
});

test('close() closes the descriptors of events that were delivered but never read', { skip }, async () => {
  const d = tempDir();
  const files = ['a', 'b', 'c'].map((n) => join(d.path, n));
  for (const f of files) writeFileSync(f, '');
  const before = openFdCount();
  const fan = hostFanotifyInit({ flags: FAN_CLASS_NOTIF });
  try {
    for (const f of files) fan.mark(FAN_MARK_ADD, FAN_CLOSE_WRITE, f);
    fan.onReady(() => undefined);
    for (const f of files) writeFileSync(f, 'x');
    await fan.flush();
    assert.equal(fan.queuedBytes, 3 * 24, 'three events buffered, three descriptors open');
  } finally {
    fan.close();
    await fan.whenClosed();
    d.cleanup();
  }
  assert.equal(openFdCount(), before);
});

test('pathOf() resolves directory handles and names, and stays right after ancestors are renamed', { skip }, async () => {
  const fs = await privateTmpfs();
  const root = realpathSync(fs.path);
  mkdirSync(join(root, 'a/b/c'), { recursive: true });
  const fan = hostFanotifyInit({ flags: FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_REPORT_FID });
  const created = (): string[] =>
    fan.read().map((ev) => {
      assert.ok(ev.mask & (FAN_CREATE | FAN_RENAME), `mask ${ev.mask.toString(16)}`);
      const dfid = ev.info.find((i) => i.type === FAN_EVENT_INFO_TYPE_DFID_NAME) as FanotifyFidInfo | undefined;
      return dfid ? fan.pathOf(dfid).slice(root.length) : '?';
    });
  try {
    fan.mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_CREATE | FAN_RENAME | FAN_ONDIR, root);
    writeFileSync(join(root, 'a/b/c/f1'), '');
    assert.deepEqual(created(), ['/a/b/c/f1']);
    // The grandparent and then the parent are renamed; nothing else tells the cache where c went.
    renameSync(join(root, 'a'), join(root, 'x'));
    renameSync(join(root, 'x/b'), join(root, 'x/y'));
    writeFileSync(join(root, 'x/y/c/f2'), '');
    const [renameA, renameB, f2] = fan.read();
    assert.ok(renameA && renameB && f2);
    const dfid = f2.info[0] as FanotifyFidInfo;
    assert.equal(fan.pathOf(dfid), join(root, 'x/y/c/f2'));
    mkdirSync(join(root, 'x/y/c/d'));
    renameSync(join(root, 'x'), join(root, 'z'));
    writeFileSync(join(root, 'z/y/c/d/f3'), '');
    const paths = created();
    assert.equal(paths.at(-1), '/z/y/c/d/f3');
  } finally {
    fan.close();
    fs.cleanup();
  }
});

test('without CAP_SYS_ADMIN, mount and filesystem marks fail with EPERM saying CAP_SYS_ADMIN is needed', { skip: !isRoot && 'needs root to run a child as nobody' }, () => {
  const index = pathToFileURL(join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../src/host/linux/index.js')).href;
  const script = `
    const { hostFanotifyInit, createFsListener, FAN_REPORT_DFID_NAME, FAN_MARK_ADD, FAN_MARK_FILESYSTEM, FAN_MARK_MOUNT, FAN_CREATE, FAN_OPEN } = await import(${JSON.stringify(index)});
    const out = [];
    const fan = hostFanotifyInit({ flags: FAN_REPORT_DFID_NAME });
    for (const flags of [FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_MARK_ADD | FAN_MARK_MOUNT]) {
      try { fan.mark(flags, flags & FAN_MARK_MOUNT ? FAN_OPEN : FAN_CREATE, '/tmp'); out.push('ok'); } catch (e) { out.push(e.message); }
    }
    fan.close();
    try { createFsListener('/tmp', { onEvent() {} }); out.push('ok'); } catch (e) { out.push(e.message); }
    console.log(JSON.stringify(out));
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: '/', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = JSON.parse(r.stdout) as string[];
  assert.equal(lines.length, 3);
  for (const line of lines) {
    assert.match(line, /^EPERM: operation not permitted, fanotify_mark '\/tmp' \(.*CAP_SYS_ADMIN.*root\)$/);
  }
});
