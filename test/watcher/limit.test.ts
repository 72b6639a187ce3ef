/**
 * The watch limit on the in-memory filesystem: with fewer watches than
 * directories the Watcher keeps working, polls what it could not watch,
 * says so in coverage(), loses no change, and heals when the limit rises.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { line, vfsTree, vfsWatch, writeFile } from './helpers.js';

const TREE = ['a/', 'a/f', 'b/', 'b/g', 'b/c/', 'b/c/h', 'd/', 'd/e/', 'd/e/i'];

async function limitedWatch(limit: number) {
  // The limit is per user on the machine, so it is set before the Watcher starts.
  const setup = await vfsWatch(TREE, {}, '/w');
  await setup.w.close();
  setup.vfs.limits.set('fs.inotify.max_user_watches', limit);
  const { watch } = await import('../../src/index.js');
  const w = watch('/w', { source: setup.vfs, pollIntervalMs: 60_000 });
  const events: string[] = [];
  w.on('event', (e) => events.push(line(e, '/w')));
  await w.ready;
  return { vfs: setup.vfs, w, events };
}

test('with too few watches the Watcher polls the rest and reports its coverage', async () => {
  const { w } = await limitedWatch(3);
  const c = w.coverage();
  assert.equal(c.complete, false);
  assert.equal(c.watchedDirs, 3);
  assert.equal(c.polledDirs, 3);
  assert.deepEqual(c.eventDriven, ['/w']);
  assert.ok(c.polled.length > 0);
  for (const p of c.polled) assert.ok(p.startsWith('/w/'), p);
  await w.close();
});

test('changes in polled subtrees are reported by the next poll, and none is lost', async () => {
  const { vfs, w, events } = await limitedWatch(2);
  const polled = w.coverage().polled;
  assert.ok(polled.length > 0);
  // Change every directory, watched or not.
  for (const dir of ['a', 'b', 'b/c', 'd', 'd/e']) writeFile(vfs, `/w/${dir}/new`);
  writeFile(vfs, '/w/b/c/h', 'grown');
  vfs.chmod('/w/d/e/i', 0o600);
  vfs.unlink('/w/a/f');
  vfs.mkdir('/w/d/e/deeper');
  writeFile(vfs, '/w/d/e/deeper/j');
  w.poll();
  const creates = events.filter((l) => l.startsWith('create')).sort();
  assert.deepEqual(creates, ['create a/new', 'create b/c/new', 'create b/new', 'create d/e/deeper/j', 'create d/e/new', 'create d/new', 'create/ d/e/deeper'].sort());
  assert.ok(events.includes('modify b/c/h'), events.join('\n'));
  assert.ok(events.includes('attrib d/e/i'), events.join('\n'));
  assert.ok(events.includes('delete a/f'), events.join('\n'));
  assert.deepEqual(w.paths().sort(), vfsTree(vfs, '/w'));
  events.length = 0;
  w.poll();
  assert.deepEqual(events, [], 'a second poll with no change reports nothing');
  await w.close();
});

test('a rename inside a polled subtree is a delete and a create', async () => {
  const { vfs, w, events } = await limitedWatch(1);
  vfs.rename('/w/b/c/h', '/w/b/c/h2');
  w.poll();
  assert.deepEqual(events.sort(), ['create b/c/h2', 'delete b/c/h']);
  await w.close();
});

test('when the limit is raised the polled subtrees are watched again', async () => {
  const { vfs, w, events } = await limitedWatch(2);
  assert.equal(w.coverage().complete, false);
  vfs.limits.set('fs.inotify.max_user_watches', 1000);
  writeFile(vfs, '/w/d/e/before');
  w.poll();
  assert.ok(events.includes('create d/e/before'));
  const c = w.coverage();
  assert.equal(c.complete, true, JSON.stringify(c));
  assert.equal(c.watchedDirs, 6);
  events.length = 0;
  writeFile(vfs, '/w/d/e/after', '');
  w.flush();
  assert.deepEqual(events, ['create d/e/after', 'write-complete d/e/after'], 'event-driven again: no poll needed');
  await w.close();
});

test('a new directory created when no watch is left is polled, its contents reported', async () => {
  const { vfs, w, events } = await limitedWatch(6);
  assert.equal(w.coverage().complete, true);
  vfs.mkdir('/w/n');
  writeFile(vfs, '/w/n/f', '');
  w.flush();
  assert.deepEqual(events, ['create/ n', 'create n/f']);
  assert.deepEqual(w.coverage().polled, ['/w/n']);
  events.length = 0;
  writeFile(vfs, '/w/n/g', '');
  w.poll();
  assert.deepEqual(events, ['create n/g']);
  await w.close();
});

test('coverage changes are announced on the coverage channel', async () => {
  const { vfs, w } = await limitedWatch(6);
  const seen: boolean[] = [];
  w.on('coverage', (c) => seen.push(c.complete));
  vfs.mkdir('/w/n');
  w.flush();
  assert.deepEqual(seen, [false]);
  await w.close();
});
