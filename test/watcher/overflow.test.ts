/**
 * Overflow recovery on the in-memory filesystem, where an overflow can be
 * forced exactly: a small queue (maxQueuedEvents) and more events than fit
 * before the Watcher reads. The rescan must report exactly what changed
 * since the events were last complete, then `resync`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { line, vfsTree, vfsWatch, writeFile } from './helpers.js';

const TREE = ['keep/', 'keep/a', 'keep/b', 'gone', 'chg', 'attr', 'dir/', 'dir/sub/', 'dir/sub/x'];

test('an overflow is followed by exactly the changes, then resync', async () => {
  const { vfs, w, take } = await vfsWatch(TREE, { maxQueuedEvents: 8 });
  for (let i = 0; i < 10; i++) writeFile(vfs, `/w/new${i}`);
  writeFile(vfs, '/w/chg', 'more');
  vfs.chmod('/w/attr', 0o600);
  vfs.unlink('/w/gone');
  vfs.mkdir('/w/newdir');
  writeFile(vfs, '/w/newdir/inner');
  vfs.unlink('/w/dir/sub/x');
  vfs.rmdir('/w/dir/sub');
  vfs.rmdir('/w/dir');
  vfs.rename('/w/keep/a', '/w/keep/a2');
  const events = take();
  assert.deepEqual(events.at(-1), { type: 'resync', path: '/w', isDirectory: true });
  const expected = [
    ...Array.from({ length: 10 }, (_, i) => `create new${i}`),
    'modify chg',
    'attrib attr',
    'delete gone',
    'create/ newdir',
    'create newdir/inner',
    'delete/ dir',
    'delete keep/a',
    'create keep/a2',
  ];
  assert.deepEqual(events.slice(0, -1).map((e) => line(e, '/w')).sort(), expected.sort());
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});

test('after a resync, events are complete again and a second overflow reports only its own changes', async () => {
  const { vfs, w, take, lines } = await vfsWatch(TREE, { maxQueuedEvents: 8 });
  for (let i = 0; i < 10; i++) writeFile(vfs, `/w/first${i}`);
  take();
  writeFile(vfs, '/w/keep/b', 'x');
  assert.deepEqual(lines(), ['modify keep/b', 'write-complete keep/b']);
  for (let i = 0; i < 10; i++) vfs.unlink(`/w/first${i}`);
  writeFile(vfs, '/w/chg', 'again');
  const second = take().map((e) => line(e, '/w'));
  assert.equal(second.at(-1), 'resync/ .');
  assert.deepEqual(second.slice(0, -1).sort(), [...Array.from({ length: 10 }, (_, i) => `delete first${i}`), 'modify chg'].sort());
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});

test('new directories and their contents created during an overflow are watched afterwards', async () => {
  const { vfs, w, take, lines } = await vfsWatch([], { maxQueuedEvents: 4 });
  for (let i = 0; i < 5; i++) {
    vfs.mkdir(`/w/d${i}`);
    writeFile(vfs, `/w/d${i}/f`);
  }
  take();
  assert.equal(w.coverage().watchedDirs, 6);
  writeFile(vfs, '/w/d3/g', '');
  assert.deepEqual(lines(), ['create d3/g', 'write-complete d3/g']);
  await w.close();
});

test('a directory replaced by another during an overflow is diffed, not assumed', async () => {
  const { vfs, w, take, lines } = await vfsWatch(['d/', 'd/old'], { maxQueuedEvents: 2 });
  vfs.unlink('/w/d/old');
  vfs.rmdir('/w/d');
  vfs.mkdir('/w/d');
  writeFile(vfs, '/w/d/new', '');
  const got = take().map((e) => line(e, '/w'));
  assert.deepEqual(got.slice(0, -1).sort(), ['create d/new', 'delete d/old']);
  writeFile(vfs, '/w/d/later', '');
  assert.deepEqual(lines(), ['create d/later', 'write-complete d/later']);
  await w.close();
});

test('rescan() on demand reports nothing when nothing was missed', async () => {
  const { w, take } = await vfsWatch(TREE);
  w.rescan();
  assert.deepEqual(take(), [{ type: 'resync', path: '/w', isDirectory: true }]);
  await w.close();
});
