/**
 * fanotify permission events on the real kernel through HostFanotify: denied
 * opens fail with EPERM (for this very thread and for other processes), a
 * listener that goes away releases every blocked operation, a timeout
 * answers while the main thread is itself blocked. Permission groups need
 * root (CAP_SYS_ADMIN): skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSystemError } from '../../src/errors.js';
import {
  FAN_ALLOW,
  FAN_CLASS_CONTENT,
  FAN_DENY,
  FAN_MARK_ADD,
  FAN_MODIFY,
  FAN_OPEN_PERM,
  hostFanotifyInit,
  linuxSyscalls,
} from '../../src/host/linux/index.js';
import { isRoot, openFdCount, tempDir, waitUntil } from './helpers.js';

const skip = !isRoot && 'permission events need root (CAP_SYS_ADMIN)';
/** Node child processes take a while to start on a loaded machine. */
const CHILD_DEADLINE_MS = 20_000;

/** A node process that opens `file` for reading and prints 'ok' or the error code. */
function opener(file: string): { child: ChildProcess; done: Promise<string> } {
  const child = spawn(
    process.execPath,
    ['-e', `try { require('fs').closeSync(require('fs').openSync(${JSON.stringify(file)}, 'r')); console.log('ok') } catch (e) { console.log(e.code) }`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<string>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
  return { child, done };
}

function gatedFiles(names: string[]): { dir: string; files: string[]; cleanup: () => void } {
  const d = tempDir();
  const dir = realpathSync(d.path);
  const files = names.map((n) => join(dir, n));
  for (const f of files) writeFileSync(f, 'x');
  return { dir, files, cleanup: d.cleanup };
}

test('a denied open fails with EPERM on the host: the main thread opens, the policy answers from the reader thread', { skip }, async () => {
  const g = gatedFiles(['secret', 'public']);
  const fan = hostFanotifyInit({
    flags: FAN_CLASS_CONTENT,
    permissionPolicy: { root: g.dir, default: 'allow', rules: [{ path: 'secret', response: 'deny' }] },
  });
  try {
    for (const f of g.files) fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, f);
    assert.ok(fan.reading, 'the first permission mark started the reader');
    // Synchronous, on this thread: an answer from this thread could never come.
    assert.throws(() => openSync(g.files[0]!, 'r'), (e: NodeJS.ErrnoException) => e.code === 'EPERM');
    closeSync(openSync(g.files[1]!, 'r'));
    await fan.flush();
    const events = fan.read();
    try {
      assert.deepEqual(
        events.map((e) => [e.mask, e.response, e.fdPath, e.pid]),
        [
          [FAN_OPEN_PERM, FAN_DENY, 'secret', process.pid],
          [FAN_OPEN_PERM, FAN_ALLOW, 'public', process.pid],
        ],
      );
      assert.throws(() => fan.respond(events[0]!, 'allow'), (e: unknown) => isSystemError(e, 'ENOENT'), 'answered already');
    } finally {
      for (const e of events) closeSync(e.fd);
    }
  } finally {
    fan.close();
    await fan.whenClosed();
    g.cleanup();
  }
});

test('a denied open fails with EPERM in another process when the listener answers from the main thread', { skip }, async () => {
  const g = gatedFiles(['f']);
  const fan = hostFanotifyInit({ flags: FAN_CLASS_CONTENT });
  try {
    fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, g.files[0]!);
    const { child, done } = opener(g.files[0]!);
    const [ev] = await fan.readAsync(1);
    assert.ok(ev);
    try {
      assert.equal(ev.mask, FAN_OPEN_PERM);
      assert.equal(ev.pid, child.pid);
      assert.equal(ev.response, undefined, 'nobody answered yet');
      assert.equal(linuxSyscalls().readlink(`/proc/self/fd/${ev.fd}`), g.files[0]);
      fan.respond(ev, 'deny');
      assert.throws(() => fan.respond(ev, 'deny'), (e: unknown) => isSystemError(e, 'ENOENT') && e.syscall === 'write');
    } finally {
      closeSync(ev.fd);
    }
    assert.equal(await done, 'EPERM');
  } finally {
    fan.close();
    await fan.whenClosed();
    g.cleanup();
  }
});

test('a listener that goes away releases every waiting operation, read or not', { skip, timeout: 60_000 }, async () => {
  const g = gatedFiles(['a', 'b', 'c', 'd']);
  const fan = hostFanotifyInit({ flags: FAN_CLASS_CONTENT });
  const fdsBefore = openFdCount();
  let openers: { child: ChildProcess; done: Promise<string> }[] = [];
  try {
    for (const f of g.files) fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, f);
    openers = g.files.map((f) => opener(f));
    // Every opener is blocked once its event has reached us (24 bytes each in descriptor mode).
    await waitUntil(() => fan.queuedBytes >= 4 * 24, 'four permission events', CHILD_DEADLINE_MS);
    const read = fan.read(2); // two read (their descriptors are ours), two still buffered; none answered
    assert.equal(read.length, 2);
    for (const e of read) closeSync(e.fd);
    fan.close();
    const results = await Promise.all(openers.map((o) => o.done));
    assert.deepEqual(results, ['ok', 'ok', 'ok', 'ok'], 'closing the group answered FAN_ALLOW to all of them');
    await fan.whenClosed();
    assert.equal(openFdCount(), fdsBefore - 1, 'the group fd and every event descriptor are closed');
  } finally {
    for (const o of openers) o.child.kill();
    if (!fan.closed) fan.close();
    g.cleanup();
  }
});

test('permissionTimeout answers in the reader thread while the main thread is blocked on the gated file', { skip }, async () => {
  const g = gatedFiles(['slow']);
  const fan = hostFanotifyInit({ flags: FAN_CLASS_CONTENT, permissionTimeout: { ms: 300, response: 'deny' } });
  try {
    fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, g.files[0]!);
    const started = Date.now();
    assert.throws(() => openSync(g.files[0]!, 'r'), (e: NodeJS.ErrnoException) => e.code === 'EPERM');
    assert.ok(Date.now() - started >= 250, `blocked until the timeout (${Date.now() - started} ms)`);
    await fan.flush();
    const [ev] = fan.read();
    assert.ok(ev);
    closeSync(ev.fd);
    assert.equal(ev.response, FAN_DENY, 'the event says who answered');
  } finally {
    fan.close();
    await fan.whenClosed();
    g.cleanup();
  }
});

test('onPermission decides on the main thread for other processes; the event is consumed', { skip }, async () => {
  const g = gatedFiles(['yes', 'no']);
  const seen: string[] = [];
  const fan = hostFanotifyInit({
    flags: FAN_CLASS_CONTENT,
    onPermission: (ev) => {
      const path = linuxSyscalls().readlink(`/proc/self/fd/${ev.fd}`);
      seen.push(path);
      return path.endsWith('/no') ? 'deny' : 'allow';
    },
  });
  try {
    for (const f of g.files) fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, f);
    const results = await Promise.all(g.files.map((f) => opener(f).done));
    assert.deepEqual(results, ['ok', 'EPERM']);
    assert.deepEqual(seen.sort(), [...g.files].sort());
    await fan.flush();
    assert.throws(() => fan.read(), (e: unknown) => isSystemError(e, 'EAGAIN'), 'decided events are not queued');
  } finally {
    fan.close();
    await fan.whenClosed();
    g.cleanup();
  }
});

test('a permission mark that fails leaves the group as it was: nothing is read early', { skip }, async () => {
  const g = gatedFiles(['f']);
  const fan = hostFanotifyInit({ flags: FAN_CLASS_CONTENT });
  try {
    assert.throws(() => fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, join(g.dir, 'missing')), (e: unknown) => isSystemError(e, 'ENOENT'));
    assert.equal(fan.reading, false);
    fan.mark(FAN_MARK_ADD, FAN_MODIFY, g.files[0]!);
    writeFileSync(g.files[0]!, 'a');
    writeFileSync(g.files[0]!, 'b');
    await fan.flush();
    const events = fan.read();
    for (const e of events) closeSync(e.fd);
    assert.deepEqual(events.map((e) => e.mask), [FAN_MODIFY], 'the two writes merged in the kernel queue');
    fan.mark(FAN_MARK_ADD, FAN_OPEN_PERM, g.files[0]!);
    assert.equal(fan.reading, true, 'a permission mark that succeeds starts the reading');
  } finally {
    fan.close();
    await fan.whenClosed();
    g.cleanup();
  }
});
