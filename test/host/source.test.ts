/**
 * The Linux host source: one kernel watch per object however many groups,
 * a kernel mask that follows the union of marks, kernel errors surfacing as
 * SystemError, kernel overflow and reader crashes reaching every group, and
 * no leaked watch, descriptor or thread. Waits are bounded; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isSystemError } from '../../src/errors.js';
import { LinuxInotifySource } from '../../src/host/index.js';
import { IN_ALL_EVENTS, IN_CREATE, IN_MODIFY, IN_Q_OVERFLOW, inotifyInit } from '../../src/inotify/index.js';
import { isRoot, openFdCount, tempDir, threadCount, waitUntil } from './helpers.js';

const linux = process.platform === 'linux';
const distRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The kernel watches of an inotify fd: (ino, mask) per `inotify wd:` line of its fdinfo. */
function kernelWatches(fd: number): { ino: number; mask: number }[] {
  return readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('inotify wd:'))
    .map((l) => ({ ino: parseInt(/ ino:([0-9a-f]+)/.exec(l)![1]!, 16), mask: parseInt(/ mask:([0-9a-f]+)/.exec(l)![1]!, 16) }));
}

test('two groups watching one directory cost one kernel watch', { skip: !linux }, async () => {
  const dir = tempDir();
  const source = new LinuxInotifySource();
  try {
    const a = inotifyInit({ source });
    const b = inotifyInit({ source });
    a.addWatch(dir.path, IN_ALL_EVENTS);
    b.addWatch(dir.path, IN_ALL_EVENTS);
    assert.equal(kernelWatches(source.kernelFd).length, 1);
    writeFileSync(join(dir.path, 'f'), 'x');
    await source.flush();
    const names = (i: typeof a) => i.read().map((e) => e.name);
    assert.deepEqual(names(a), ['f', 'f', 'f', 'f']);
    assert.deepEqual(names(b), ['f', 'f', 'f', 'f']);
    a.close();
    b.close();
  } finally {
    await source.close();
    dir.cleanup();
  }
});

test('the kernel mask widens and narrows with the union of the marks', { skip: !linux }, async () => {
  const dir = tempDir();
  const source = new LinuxInotifySource();
  try {
    const a = inotifyInit({ source });
    const b = inotifyInit({ source });
    a.addWatch(dir.path, IN_CREATE);
    const fd = source.kernelFd;
    assert.equal(kernelWatches(fd)[0]!.mask & IN_ALL_EVENTS, IN_CREATE);
    b.addWatch(dir.path, IN_MODIFY);
    assert.equal(kernelWatches(fd)[0]!.mask & IN_ALL_EVENTS, IN_CREATE | IN_MODIFY);
    b.close();
    assert.equal(kernelWatches(fd)[0]!.mask & IN_ALL_EVENTS, IN_CREATE);
    a.close();
    assert.equal(source.stats().watches, 0);
  } finally {
    await source.close();
    dir.cleanup();
  }
});

test('100 instances created and closed leak no kernel watch, descriptor or thread', { skip: !linux }, async () => {
  const dir = tempDir();
  const source = new LinuxInotifySource();
  try {
    // Warm up once so lazily created process-wide resources are not counted.
    const warm = inotifyInit({ source });
    warm.addWatch(dir.path, IN_CREATE);
    await source.flush(); // the reader thread is fully up before the baseline is taken
    warm.close();
    const fds = openFdCount();
    const threads = threadCount();
    const dirIno = statSync(dir.path).ino;
    for (let i = 0; i < 100; i++) {
      const ino = inotifyInit({ source });
      ino.addWatch(dir.path, IN_ALL_EVENTS);
      // (flush() keeps one more kernel watch, on its private sync directory.)
      assert.equal(kernelWatches(source.kernelFd).filter((w) => w.ino === dirIno).length, 1);
      ino.close();
    }
    assert.equal(source.stats().watches, 0);
    await waitUntil(
      () => openFdCount() === fds && threadCount() <= threads,
      `descriptors and threads back to the baseline (fds ${fds}, threads ${threads})`,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; now fds ${openFdCount()}, threads ${threadCount()}`);
    });
    // Idle, the kernel instance is released altogether after a grace period.
    await waitUntil(() => source.kernelFd === -1, 'the idle kernel instance to retire');
    await waitUntil(() => openFdCount() < fds, 'the kernel fd and the wake eventfd to close');
  } finally {
    await source.close();
    dir.cleanup();
  }
});

test('closing the last instance lets the process exit', { skip: !linux }, () => {
  const dir = tempDir();
  try {
    const script = `
      import { LinuxInotifySource } from ${JSON.stringify(join(distRoot, 'src/host/index.js'))};
      import { inotifyInit, IN_CREATE } from ${JSON.stringify(join(distRoot, 'src/inotify/index.js'))};
      const source = new LinuxInotifySource();
      const ino = inotifyInit({ source });
      ino.addWatch(${JSON.stringify(dir.path)}, IN_CREATE);
      ino.readAsync().then((e) => { console.log(e[0].name); ino.close(); });
      (await import('node:fs')).writeFileSync(${JSON.stringify(join(dir.path, 'x'))}, '');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8' });
    assert.equal(r.error, undefined, 'the child exited on its own within 10 s');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'x');
  } finally {
    dir.cleanup();
  }
});

test('a crash of the kernel reader reaches every affected group', { skip: !linux }, async () => {
  const dir = tempDir();
  const crash = join(dir.path, 'crash-worker.mjs');
  writeFileSync(crash, "throw new Error('injected reader crash');\n");
  const source = new LinuxInotifySource({ reader: { workerUrl: new URL(`file://${crash}`) } });
  try {
    const a = inotifyInit({ source });
    const b = inotifyInit({ source });
    a.addWatch(dir.path, IN_CREATE);
    b.addWatch(dir.path, IN_CREATE);
    await assert.rejects(a.readAsync(), /injected reader crash/);
    await assert.rejects(b.readAsync(), /injected reader crash/);
    assert.equal(source.stats().watches, 0);
  } finally {
    await source.close();
    dir.cleanup();
  }
});

test('a kernel queue overflow becomes an overflow event for every group', { skip: !linux || !isRoot }, async () => {
  const dir = tempDir();
  const sysctl = '/proc/sys/fs/inotify/max_queued_events';
  const saved = readFileSync(sysctl, 'utf8');
  // A worker that starts reading late, so the kernel queue fills first.
  const slow = join(dir.path, 'slow-worker.mjs');
  const real = fileURLToPath(new URL('../../src/host/linux/reader-worker.js', import.meta.url));
  writeFileSync(slow, `await new Promise((r) => setTimeout(r, 300));\nawait import(${JSON.stringify(real)});\n`);
  let source: LinuxInotifySource | null = null;
  try {
    writeFileSync(sysctl, '16');
    source = new LinuxInotifySource({ reader: { workerUrl: new URL(`file://${slow}`) } });
    const a = inotifyInit({ source });
    const b = inotifyInit({ source });
    a.addWatch(dir.path, IN_CREATE);
    b.addWatch(dir.path, IN_CREATE);
    writeFileSync(sysctl, saved);
    for (let i = 0; i < 100; i++) writeFileSync(join(dir.path, `f${i}`), '');
    await source.flush();
    for (const ino of [a, b]) {
      const events = ino.read(1000);
      assert.ok(events.length < 100, 'events were lost in the kernel');
      assert.equal(events.filter((e) => e.mask === IN_Q_OVERFLOW).length, 1);
      assert.equal(events.at(-1)!.mask, IN_Q_OVERFLOW);
    }
  } finally {
    writeFileSync(sysctl, saved);
    await source?.close();
    dir.cleanup();
  }
});

test('kernel refusals surface as SystemError naming the path (EACCES, ENOSPC with how to raise the limit)', { skip: !linux || !isRoot }, () => {
  const dir = tempDir();
  const sysctl = '/proc/sys/fs/inotify/max_user_watches';
  const saved = readFileSync(sysctl, 'utf8');
  try {
    chmodSync(dir.path, 0o755);
    writeFileSync(join(dir.path, 'secret'), 'x', { mode: 0o600 });
    for (let i = 0; i < 4; i++) mkdirSync(join(dir.path, `d${i}`));
    const script = `
      import { LinuxInotifySource } from ${JSON.stringify(join(distRoot, 'src/host/index.js'))};
      import { inotifyInit, IN_CREATE } from ${JSON.stringify(join(distRoot, 'src/inotify/index.js'))};
      const source = new LinuxInotifySource();
      const ino = inotifyInit({ source });
      const out = [];
      try { ino.addWatch(${JSON.stringify(join(dir.path, 'secret'))}, IN_CREATE); } catch (e) { out.push([e.code, e.syscall, e.path, e.message]); }
      for (let i = 0; i < 4; i++) {
        try { ino.addWatch(${JSON.stringify(dir.path)} + '/d' + i, IN_CREATE); out.push(['ok']); } catch (e) { out.push([e.code, e.syscall, e.path, e.message]); }
      }
      console.log(JSON.stringify(out));
      ino.close();
      await source.close();
    `;
    writeFileSync(sysctl, '2');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 10_000, encoding: 'utf8', uid: 65534, gid: 65534 });
    writeFileSync(sysctl, saved);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as string[][];
    assert.equal(out[0]![0], 'EACCES');
    assert.equal(out[0]![2], join(dir.path, 'secret'));
    assert.deepEqual(out.slice(1, 3), [['ok'], ['ok']]);
    const enospc = out[3]!;
    assert.equal(enospc[0], 'ENOSPC');
    assert.equal(enospc[2], join(dir.path, 'd2'));
    assert.match(enospc[3]!, /max_user_watches/);
  } finally {
    writeFileSync(sysctl, saved);
    dir.cleanup();
  }
});

test('errors are SystemErrors with the errno name', { skip: !linux }, async () => {
  const source = new LinuxInotifySource();
  try {
    const ino = inotifyInit({ source });
    assert.throws(
      () => ino.addWatch('/nonexistent/tsnotify', IN_CREATE),
      (e: unknown) => isSystemError(e, 'ENOENT') && e.path === '/nonexistent/tsnotify' && e.syscall === 'inotify_add_watch',
    );
    ino.close();
  } finally {
    await source.close();
  }
});
