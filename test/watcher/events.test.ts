/**
 * The Watcher's normalized events on the in-memory filesystem: every kind,
 * rename pairing in all its forms, and what the model believes afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeTree, vfsTree, vfsWatch, writeFile } from './helpers.js';

test('reports create, modify, write-complete, attrib and delete with absolute paths', async () => {
  const { vfs, w, take } = await vfsWatch(['d/']);
  writeFile(vfs, '/w/d/f', 'hello');
  vfs.chmod('/w/d/f', 0o600);
  vfs.unlink('/w/d/f');
  vfs.mkdir('/w/e');
  vfs.rmdir('/w/e');
  assert.deepEqual(take(), [
    { type: 'create', path: '/w/d/f', isDirectory: false },
    { type: 'modify', path: '/w/d/f', isDirectory: false },
    { type: 'write-complete', path: '/w/d/f', isDirectory: false },
    { type: 'attrib', path: '/w/d/f', isDirectory: false },
    { type: 'delete', path: '/w/d/f', isDirectory: false },
    { type: 'create', path: '/w/e', isDirectory: true },
    { type: 'delete', path: '/w/e', isDirectory: true },
  ]);
  await w.close();
});

test('reports an attrib of the root itself, and of a subdirectory once', async () => {
  const { vfs, w, lines } = await vfsWatch(['d/']);
  vfs.chmod('/w', 0o700);
  vfs.chmod('/w/d', 0o700);
  assert.deepEqual(lines(), ['attrib/ .', 'attrib/ d']);
  await w.close();
});

test('pairs a rename within a directory', async () => {
  const { vfs, w, lines } = await vfsWatch(['a']);
  vfs.rename('/w/a', '/w/b');
  assert.deepEqual(lines(), ['rename b <- a']);
  assert.deepEqual(w.paths(), ['/w/b']);
  await w.close();
});

test('pairs a rename across directories', async () => {
  const { vfs, w, lines } = await vfsWatch(['x/', 'y/', 'x/f']);
  vfs.rename('/w/x/f', '/w/y/g');
  assert.deepEqual(lines(), ['rename y/g <- x/f']);
  await w.close();
});

test('a move into the tree is a create, and a moved-in directory brings its contents as creates', async () => {
  const { vfs, w, lines } = await vfsWatch([]);
  vfs.mkdir('/out');
  writeFile(vfs, '/out/f');
  vfs.mkdir('/out/dir');
  makeTree(vfs, '/out/dir', ['sub/', 'sub/g', 'h']);
  vfs.rename('/out/f', '/w/f');
  vfs.rename('/out/dir', '/w/dir');
  assert.deepEqual(lines().sort(), ['create f', 'create/ dir', 'create dir/h', 'create/ dir/sub', 'create dir/sub/g'].sort());
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});

test('a move out of the tree is a delete, and a moved-out directory is no longer watched', async () => {
  const { vfs, w, lines } = await vfsWatch(['f', 'dir/', 'dir/sub/', 'dir/sub/g']);
  const before = w.coverage().watchedDirs;
  vfs.mkdir('/out');
  vfs.rename('/w/f', '/out/f');
  vfs.rename('/w/dir', '/out/dir');
  assert.deepEqual(lines(), ['delete f', 'delete/ dir']);
  assert.equal(w.coverage().watchedDirs, before - 2);
  writeFile(vfs, '/out/dir/sub/late');
  assert.deepEqual(lines(), []);
  assert.deepEqual(w.paths(), []);
  await w.close();
});

test('a renamed directory keeps its watches and later events carry the new paths', async () => {
  const { vfs, w, lines } = await vfsWatch(['a/', 'a/b/', 'a/b/f']);
  vfs.rename('/w/a', '/w/z');
  writeFile(vfs, '/w/z/b/f', 'more');
  writeFile(vfs, '/w/z/b/new');
  assert.deepEqual(lines(), [
    'rename/ z <- a',
    'modify z/b/f',
    'write-complete z/b/f',
    'create z/b/new',
    'modify z/b/new',
    'write-complete z/b/new',
  ]);
  assert.deepEqual(w.paths().sort(), ['/w/z', '/w/z/b', '/w/z/b/f', '/w/z/b/new']);
  await w.close();
});

test('a rename over an existing file is one rename, and the model keeps one entry', async () => {
  const { vfs, w, lines } = await vfsWatch(['a', 'b']);
  vfs.rename('/w/a', '/w/b');
  assert.deepEqual(lines(), ['rename b <- a']);
  assert.deepEqual(w.paths(), ['/w/b']);
  await w.close();
});

test('a rename to and from an ignored name is a delete and a create', async () => {
  const { vfs, w, lines } = await vfsWatch(['a.txt', 'b.tmp'], { ignore: '*.tmp' });
  vfs.rename('/w/a.txt', '/w/a.tmp');
  vfs.rename('/w/b.tmp', '/w/b.txt');
  assert.deepEqual(lines(), ['delete a.txt', 'create b.txt']);
  await w.close();
});

test('deleting a tree reports every entry, and the watches go', async () => {
  const { vfs, w, lines } = await vfsWatch(['a/', 'a/b/', 'a/b/f']);
  vfs.unlink('/w/a/b/f');
  vfs.rmdir('/w/a/b');
  vfs.rmdir('/w/a');
  assert.deepEqual(lines(), ['delete a/b/f', 'delete/ a/b', 'delete/ a']);
  assert.equal(w.coverage().watchedDirs, 1);
  await w.close();
});

test('the root deleted is reported, and the Watcher then watches nothing', async () => {
  const { vfs, w, lines } = await vfsWatch(['f']);
  vfs.unlink('/w/f');
  vfs.rmdir('/w');
  assert.deepEqual(lines(), ['delete f', 'delete/ .']);
  assert.deepEqual(w.coverage().eventDriven, []);
  await w.close();
});

test('a non-recursive Watcher reports the root entries only and spends one watch', async () => {
  const { vfs, w, lines } = await vfsWatch(['d/', 'd/f'], { recursive: false });
  writeFile(vfs, '/w/d/g');
  writeFile(vfs, '/w/top', '');
  vfs.mkdir('/w/e');
  writeFile(vfs, '/w/e/inner', '');
  assert.deepEqual(lines(), ['create top', 'write-complete top', 'create/ e']);
  assert.equal(w.coverage().watchedDirs, 1);
  await w.close();
});

test('the model matches the disk after a mixed sequence', async () => {
  const { vfs, w, take } = await vfsWatch(['a/', 'a/1', 'b/', 'b/c/', 'b/c/2']);
  vfs.mkdir('/w/n');
  writeFile(vfs, '/w/n/3');
  vfs.rename('/w/b/c', '/w/n/c');
  vfs.unlink('/w/a/1');
  vfs.rename('/w/a', '/w/n/c/a');
  writeFile(vfs, '/w/n/c/a/4');
  take();
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  await w.close();
});
