/**
 * The Watcher's options and surfaces on the in-memory filesystem: ignore
 * rules (no watch spent), atomic-save folding, batching, async iteration
 * with its bounded buffer, raw events, symlinks, lifetime and errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IN_CREATE, IN_DELETE, IN_ISDIR, IN_MODIFY, isSystemError, watch, type WatchEvent } from '../../src/index.js';
import { createVfs } from '../../src/vfs/index.js';
import { line, makeTree, vfsWatch, waitFor, writeFile } from './helpers.js';

test('ignored directories cost no watch, and ignored names raise no event', async () => {
  const tree = ['src/', 'src/a.ts', 'node_modules/', 'node_modules/x/', 'node_modules/x/y/', 'pkg/', 'pkg/node_modules/', 'pkg/node_modules/z/'];
  const { vfs, w, lines } = await vfsWatch(tree, { ignore: ['**/node_modules', '*.log'] });
  assert.equal(w.coverage().watchedDirs, 3, 'root, src, pkg');
  assert.equal(vfs.limits.count(0, 'inotify.watches'), 3);
  writeFile(vfs, '/w/src/debug.log', '');
  writeFile(vfs, '/w/node_modules/x/f', '');
  writeFile(vfs, '/w/src/b.ts', '');
  vfs.mkdir('/w/src/node_modules');
  assert.deepEqual(lines(), ['create src/b.ts', 'write-complete src/b.ts']);
  assert.equal(w.coverage().watchedDirs, 3);
  assert.ok(!w.paths().some((p) => p.includes('node_modules') || p.endsWith('.log')));
  await w.close();
});

test('dir/** keeps the directory but spends no watch on it; a trailing slash matches directories only', async () => {
  const { vfs, w, lines } = await vfsWatch(['build/', 'build/out/', 'cache/', 'cache.d'], { ignore: ['build/**', 'cache/'] });
  assert.equal(w.coverage().watchedDirs, 1);
  assert.deepEqual(w.paths().sort(), ['/w/build', '/w/cache.d']);
  writeFile(vfs, '/w/build/out/x', '');
  vfs.rmdir('/w/cache');
  vfs.mkdir('/w/cache');
  writeFile(vfs, '/w/cache.d', 'x');
  assert.deepEqual(lines(), ['modify cache.d', 'write-complete cache.d']);
  await w.close();
});

test('an ignore predicate sees absolute paths and whether they are directories', async () => {
  const seen: string[] = [];
  const { vfs, w, lines } = await vfsWatch(['keep/', 'skip/'], {
    ignore: (path, isDir) => {
      seen.push(`${path}${isDir ? '/' : ''}`);
      return path.endsWith('/skip');
    },
  });
  assert.ok(seen.includes('/w/skip/'));
  assert.equal(w.coverage().watchedDirs, 2);
  writeFile(vfs, '/w/keep/f', '');
  assert.deepEqual(lines(), ['create keep/f', 'write-complete keep/f']);
  await w.close();
});

test('atomic saves fold into one modify of the target (or one create of a new one)', async () => {
  const { vfs, w, lines } = await vfsWatch(['doc.txt', 'other'], { atomic: true });
  writeFile(vfs, '/w/.doc.txt.swp', 'new contents');
  vfs.rename('/w/.doc.txt.swp', '/w/doc.txt');
  assert.deepEqual(lines(), ['modify doc.txt']);
  writeFile(vfs, '/w/new.tmp', 'x');
  vfs.rename('/w/new.tmp', '/w/new.txt');
  assert.deepEqual(lines(), ['create new.txt']);
  vfs.rename('/w/other', '/w/moved');
  assert.deepEqual(lines(), ['rename moved <- other'], 'a plain rename stays a rename');
  await w.close();
});

test('without atomic, an atomic save is reported as it happened', async () => {
  const { vfs, w, lines } = await vfsWatch(['doc.txt']);
  writeFile(vfs, '/w/tmp', 'x');
  vfs.rename('/w/tmp', '/w/doc.txt');
  assert.deepEqual(lines(), ['create tmp', 'modify tmp', 'write-complete tmp', 'rename doc.txt <- tmp']);
  await w.close();
});

test('batching delivers one batch after the settle delay, with atomic saves folded across reads', async () => {
  const { vfs, w, events } = await vfsWatch(['doc'], { batch: { settleMs: 20 }, atomic: true });
  const batches: WatchEvent[][] = [];
  w.on('batch', (b) => batches.push(b));
  writeFile(vfs, '/w/t', 'x');
  await new Promise((resolve) => setImmediate(resolve)); // the Watcher reads once…
  assert.equal(events.length, 0, 'nothing before the settle delay');
  vfs.rename('/w/t', '/w/doc'); // …and again
  await waitFor(() => batches.length > 0, 'the batch');
  assert.deepEqual(batches.map((b) => b.map((e) => line(e, '/w'))), [['modify doc']]);
  assert.deepEqual(events.map((e) => line(e, '/w')), ['modify doc']);
  await w.close();
});

test('without batch, each read is one batch', async () => {
  const { vfs, w } = await vfsWatch([]);
  const batches: number[] = [];
  w.on('batch', (b) => batches.push(b.length));
  writeFile(vfs, '/w/a', '');
  writeFile(vfs, '/w/b', '');
  w.flush();
  assert.deepEqual(batches, [4]);
  await w.close();
});

test('async iteration yields events and ends at close', async () => {
  const { vfs, w } = await vfsWatch([]);
  const got: string[] = [];
  const done = (async () => {
    for await (const e of w) got.push(line(e, '/w'));
  })();
  writeFile(vfs, '/w/f', '');
  w.flush();
  await waitFor(() => got.length === 2, 'two events');
  await w.close();
  await done;
  assert.deepEqual(got, ['create f', 'write-complete f']);
});

test('an iterator that falls behind gets an overflow marker instead of an unbounded buffer', async () => {
  const { vfs, w } = await vfsWatch([], { bufferSize: 4 });
  const it = w[Symbol.asyncIterator]();
  for (let i = 0; i < 5; i++) writeFile(vfs, `/w/f${i}`, '');
  w.flush();
  const got: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await it.next();
    got.push(line(r.value as WatchEvent, '/w'));
  }
  assert.deepEqual(got, ['create f0', 'write-complete f0', 'create f1', 'write-complete f1', 'overflow/ .']);
  writeFile(vfs, '/w/after', '');
  w.flush();
  assert.equal(line((await it.next()).value as WatchEvent, '/w'), 'create after');
  await it.return?.();
  await w.close();
});

test('raw listeners get the kernel events, and synthetic CREATEs for what a listing found', async () => {
  const { vfs, w } = await vfsWatch([], { rawMask: IN_MODIFY });
  const raw: string[] = [];
  w.on('raw', (e, dir, synthetic) => raw.push(`${dir} ${e.mask.toString(16)} ${e.name}${synthetic ? ' (listed)' : ''}`));
  vfs.mkdir('/w/d');
  writeFile(vfs, '/w/d/f', '');
  w.flush();
  assert.deepEqual(raw, [`/w ${(IN_CREATE | IN_ISDIR).toString(16)} d`, `/w/d ${IN_CREATE.toString(16)} f (listed)`]);
  await w.close();
});

test('followSymlinks descends into links to directories, once per directory, loop-safe', async () => {
  const vfs = createVfs();
  vfs.mkdir('/w');
  vfs.mkdir('/elsewhere');
  makeTree(vfs, '/elsewhere', ['inner/', 'inner/f']);
  makeTree(vfs, '/w', ['real/', 'real/g']);
  vfs.symlink('/elsewhere', '/w/link');
  vfs.symlink('/w', '/w/real/loop');
  const w = watch('/w', { source: vfs, followSymlinks: true });
  await w.ready;
  assert.deepEqual(w.paths().sort(), ['/w/link', '/w/link/inner', '/w/link/inner/f', '/w/real', '/w/real/g', '/w/real/loop']);
  assert.equal(w.coverage().watchedDirs, 4, 'root, real, link, link/inner; the loop adds none');
  await w.close();
  const plain = watch('/w', { source: vfs });
  await plain.ready;
  assert.deepEqual(plain.paths().sort(), ['/w/link', '/w/real', '/w/real/g', '/w/real/loop']);
  await plain.close();
});

test('ready rejects when the root is missing or not a directory', async () => {
  const vfs = createVfs();
  writeFile(vfs, '/file', '');
  await assert.rejects(watch('/missing', { source: vfs }).ready, (e) => isSystemError(e, 'ENOENT'));
  await assert.rejects(watch('/file', { source: vfs }).ready, (e) => isSystemError(e, 'ENOTDIR'));
});

test("the fanotify mode needs the host's kernel and refuses what a filesystem mark cannot do", () => {
  assert.throws(
    () => watch('/', { mode: 'fanotify', source: createVfs() }),
    (e) => isSystemError(e, 'EINVAL') && /host's kernel/.test(e.message) && /'vfs' source/.test(e.message),
  );
  assert.throws(() => watch('/tmp', { mode: 'fanotify', followSymlinks: true }), (e) => isSystemError(e, 'EINVAL') && /symbolic links/.test(e.message));
  assert.throws(() => watch('/tmp', { mode: 'fanotify', rawMask: 0x20 }), (e) => isSystemError(e, 'EINVAL') && /rawMask/.test(e.message));
  assert.throws(() => watch('/tmp', { mode: 'dnotify' as 'inotify' }), (e) => isSystemError(e, 'EINVAL') && /unknown mode 'dnotify'/.test(e.message));
});

test('bad options fail with EINVAL', () => {
  const vfs = createVfs();
  assert.throws(() => watch('/', { source: vfs, pollIntervalMs: 0 }), (e) => isSystemError(e, 'EINVAL'));
  assert.throws(() => watch('/', { source: vfs, bufferSize: 1.5 }), (e) => isSystemError(e, 'EINVAL'));
});

test('an AbortSignal closes the Watcher; aborted before ready, ready rejects with its reason', async () => {
  const { w } = await vfsWatch([]);
  const ac = new AbortController();
  const vfs = createVfs();
  const w2 = watch('/', { source: vfs, signal: ac.signal });
  ac.abort(new Error('stop'));
  await assert.rejects(w2.ready, /stop/);
  assert.equal(w2.closed, true);
  const ac3 = new AbortController();
  const w3 = watch('/', { source: vfs, signal: ac3.signal });
  await w3.ready;
  ac3.abort();
  assert.equal(w3.closed, true);
  await w.close();
});

test('close() removes every watch and stops events', async () => {
  const { vfs, w, lines } = await vfsWatch(['a/', 'a/b/']);
  assert.equal(vfs.limits.count(0, 'inotify.watches'), 3);
  await w.close();
  assert.equal(vfs.limits.count(0, 'inotify.watches'), 0);
  writeFile(vfs, '/w/a/f', '');
  assert.deepEqual(lines(), []);
});

test('a listener that throws does not stop delivery; the error goes to error listeners', async () => {
  const { vfs, w, events } = await vfsWatch([]);
  const errors: Error[] = [];
  w.on('error', (e) => errors.push(e));
  w.on('event', () => {
    throw new Error('boom');
  });
  writeFile(vfs, '/w/f', '');
  w.flush();
  assert.equal(events.length, 2);
  assert.equal(errors.length, 2);
  await w.close();
});

test('after an overflow, raw listeners get the rescan\'s findings as synthetic events', async () => {
  const { vfs, w } = await vfsWatch(['old', 'chg'], { maxQueuedEvents: 2 });
  const raw: string[] = [];
  w.on('raw', (e, dir, synthetic) => {
    if (synthetic) raw.push(`${dir} ${e.mask.toString(16)} ${e.name}`);
  });
  writeFile(vfs, '/w/new', '');
  writeFile(vfs, '/w/chg', 'x');
  vfs.unlink('/w/old');
  w.flush();
  assert.deepEqual(raw.sort(), [`/w ${IN_CREATE.toString(16)} new`, `/w ${IN_DELETE.toString(16)} old`, `/w ${IN_MODIFY.toString(16)} chg`].sort());
  await w.close();
});
