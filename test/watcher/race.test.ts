/**
 * The new-directory race on the in-memory filesystem: whatever is created in
 * a directory before the Watcher handles its CREATE is found by listing it,
 * and what is both listed and announced by an event is reported once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVfs } from '../../src/vfs/index.js';
import { vfsFs, watch, type WatchEvent } from '../../src/watcher/index.js';
import { line, vfsTree, vfsWatch, writeFile } from './helpers.js';

test('files created at once inside each of 500 new directories are all reported, once each', async () => {
  const { vfs, w, take } = await vfsWatch([]);
  const expected: string[] = [];
  for (let i = 0; i < 500; i++) {
    const d = `/w/d${i}`;
    vfs.mkdir(d);
    expected.push(`create/ d${i}`);
    for (let j = 0; j < 3; j++) {
      writeFile(vfs, `${d}/f${j}`, '');
      expected.push(`create d${i}/f${j}`);
    }
  }
  const got = take()
    .filter((e) => e.type === 'create')
    .map((e) => line(e, '/w'));
  assert.deepEqual([...got].sort(), [...expected].sort());
  assert.equal(new Set(got).size, got.length, 'no entry reported twice');
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});

test('mkdir -p of 1,000 nested directories and a file at the bottom lose nothing', async () => {
  const { vfs, w, take } = await vfsWatch([]);
  let path = '/w';
  for (let i = 0; i < 1000; i++) {
    path += `/x`;
    vfs.mkdir(path);
  }
  writeFile(vfs, path + '/f', '');
  const creates = take().filter((e) => e.type === 'create');
  assert.equal(creates.length, 1001);
  assert.equal(creates.at(-1)?.path, path + '/f');
  assert.equal(w.coverage().watchedDirs, 1001);
  await w.close();
});

test('an entry both listed and announced by an event is reported once', async () => {
  // A filesystem adapter that creates a file in each new directory just
  // before listing it: the watch exists already, so the file is both in the
  // listing and in the queue.
  const vfs = createVfs();
  vfs.mkdir('/w');
  const base = vfsFs(vfs);
  let racing = false;
  const fs = {
    ...base,
    list(path: string, entry: Parameters<typeof base.list>[1]) {
      if (racing && path !== '/w') writeFile(vfs, path + '/raced', '');
      base.list(path, entry);
    },
  };
  const w = watch('/w', { source: vfs, fs });
  const events: WatchEvent[] = [];
  w.on('event', (e) => events.push(e));
  await w.ready;
  racing = true;
  vfs.mkdir('/w/d');
  w.flush(); // CREATE d: watch d, list d (raced is created then): create d, create d/raced
  w.flush(); // the raced file's own CREATE, MODIFY? no: empty write; CLOSE_WRITE
  assert.deepEqual(
    events.map((e) => line(e, '/w')),
    ['create/ d', 'create d/raced', 'write-complete d/raced'],
  );
  await w.close();
});

test('a directory renamed before its CREATE was handled is watched under its new name', async () => {
  const { vfs, w, take } = await vfsWatch([]);
  vfs.mkdir('/w/a');
  writeFile(vfs, '/w/a/f', '');
  vfs.rename('/w/a', '/w/b');
  writeFile(vfs, '/w/b/g', '');
  const lines = take().map((e) => line(e, '/w'));
  assert.deepEqual(lines.slice(0, 2), ['create/ a', 'rename/ b <- a']);
  assert.deepEqual(lines.slice(2).filter((l) => l.startsWith('create')).sort(), ['create b/f', 'create b/g']);
  writeFile(vfs, '/w/b/h', '');
  assert.deepEqual(take().map((e) => line(e, '/w')), ['create b/h', 'write-complete b/h']);
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});

test('a directory deleted and recreated before its CREATE was handled ends up right', async () => {
  const { vfs, w, take } = await vfsWatch([]);
  vfs.mkdir('/w/a');
  writeFile(vfs, '/w/a/old', '');
  vfs.unlink('/w/a/old');
  vfs.rmdir('/w/a');
  vfs.mkdir('/w/a');
  writeFile(vfs, '/w/a/new', '');
  take();
  assert.deepEqual(w.paths().sort(), ['/w/a', '/w/a/new']);
  writeFile(vfs, '/w/a/later', '');
  assert.ok(take().some((e) => e.type === 'create' && e.path === '/w/a/later'));
  await w.close();
});
