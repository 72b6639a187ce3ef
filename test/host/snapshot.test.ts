/**
 * The snapshot diff the portable sources share (src/host/snapshot.ts), on
 * hand-made stats: no filesystem, no waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FS_ATTRIB, FS_MODIFY } from '../../src/core/index.js';
import { changeMask, diffScans, EMPTY_LISTING } from '../../src/host/snapshot.js';
import type { DirChange, EntryStat, Listing } from '../../src/host/snapshot.js';

function entry(ino: number, over: Partial<EntryStat> = {}): EntryStat {
  return {
    id: `1:${ino}`,
    dev: 1,
    ino,
    isDir: false,
    isSymlink: false,
    size: 0n,
    mtimeNs: 100n,
    ctimeNs: 100n,
    mode: 0o100644,
    uid: 0,
    gid: 0,
    nlink: 1,
    ...over,
  };
}

const listing = (...pairs: [string, EntryStat][]): Listing => new Map(pairs);

/** Changes as short strings: `delete a`, `move a -> B/b`, `change a 0x2`. */
function show<K extends string>(changes: DirChange<K>[]): string[] {
  return changes.map((c) => {
    if (c.kind === 'move') return `move ${c.name} -> ${c.to}/${c.toName}`;
    if (c.kind === 'change') return `change ${c.name} 0x${c.mask.toString(16)}`;
    return `${c.kind} ${c.name}`;
  });
}

test('a name whose inode moved to another name in the same directory is one rename', () => {
  const f = entry(7);
  const [a] = diffScans([{ dir: 'A', before: listing(['old', f]), after: listing(['new', f]) }]);
  assert.deepEqual(show(a!), ['move old -> A/new']);
});

test('a rename over an existing name reports no delete for the replaced entry', () => {
  const f = entry(7);
  const g = entry(8);
  const [a] = diffScans([{ dir: 'A', before: listing(['f', f], ['g', g]), after: listing(['g', f]) }]);
  assert.deepEqual(show(a!), ['move f -> A/g']);
});

test('two names exchanging inodes are two renames', () => {
  const x = entry(7);
  const y = entry(8);
  const [a] = diffScans([{ dir: 'A', before: listing(['x', x], ['y', y]), after: listing(['x', y], ['y', x]) }]);
  assert.deepEqual(show(a!), ['move x -> A/y', 'move y -> A/x']);
});

test('renames pair across the directories of one batch and are listed with the old directory', () => {
  const d = entry(9, { isDir: true, mode: 0o40755 });
  const [a, b] = diffScans([
    { dir: 'A', before: listing(['d', d]), after: EMPTY_LISTING },
    { dir: 'B', before: EMPTY_LISTING, after: listing(['e', d]) },
  ]);
  assert.deepEqual(show(a!), ['move d -> B/e']);
  assert.deepEqual(show(b!), []);
});

test('unpaired names are deletes and creates; a file and a directory never pair', () => {
  const f = entry(7);
  const [a] = diffScans([
    { dir: 'A', before: listing(['gone', f], ['kept', entry(3)]), after: listing(['born', entry(7, { isDir: true })], ['kept', entry(3)]) },
  ]);
  assert.deepEqual(show(a!), ['delete gone', 'create born']);
});

test('within one directory: deletes, renames, creates, then changes, names sorted', () => {
  const before = listing(['z', entry(1)], ['m', entry(2)], ['b', entry(3)], ['w', entry(4)]);
  const after = listing(['c', entry(5)], ['a', entry(6)], ['n', entry(2)], ['w', entry(4, { size: 9n })]);
  const [a] = diffScans([{ dir: 'A', before, after }]);
  assert.deepEqual(show(a!), ['delete b', 'delete z', 'move m -> A/n', 'create a', 'create c', 'change w 0x2']);
});

test('a write (size, or mtime moved to the ctime stamp) is FS_MODIFY', () => {
  const before = entry(1);
  assert.equal(changeMask(before, entry(1, { size: 5n, mtimeNs: 200n, ctimeNs: 200n }), 'parent'), FS_MODIFY);
  assert.equal(changeMask(before, entry(1, { mtimeNs: 200n, ctimeNs: 200n }), 'parent'), FS_MODIFY);
});

test('chmod, chown and explicit utimes are FS_ATTRIB; a bare ctime change is FS_ATTRIB unless told not to count', () => {
  const before = entry(1);
  assert.equal(changeMask(before, entry(1, { mode: 0o100600, ctimeNs: 200n }), 'parent'), FS_ATTRIB);
  assert.equal(changeMask(before, entry(1, { uid: 1000, ctimeNs: 200n }), 'parent'), FS_ATTRIB);
  assert.equal(changeMask(before, entry(1, { mtimeNs: 50n, ctimeNs: 200n }), 'parent'), FS_ATTRIB);
  assert.equal(changeMask(before, entry(1, { ctimeNs: 200n }), 'parent'), FS_ATTRIB);
  assert.equal(changeMask(before, entry(1, { ctimeNs: 200n }), 'self', false), 0);
  assert.equal(changeMask(before, entry(1, { size: 5n, mtimeNs: 200n, ctimeNs: 300n, mode: 0o100600 }), 'parent'), FS_MODIFY | FS_ATTRIB);
});

test('a link-count change is told to the object itself, not to its parent, and never for a directory', () => {
  const before = entry(1);
  const linked = entry(1, { nlink: 2, ctimeNs: 200n });
  assert.equal(changeMask(before, linked, 'parent'), 0);
  assert.equal(changeMask(before, linked, 'self'), FS_ATTRIB);
  const dir = entry(2, { isDir: true, nlink: 2 });
  assert.equal(changeMask(dir, entry(2, { isDir: true, nlink: 3, ctimeNs: 200n }), 'self'), 0);
});

test('a directory whose entries changed has no event of its own', () => {
  const dir = entry(2, { isDir: true, size: 4096n });
  assert.equal(changeMask(dir, entry(2, { isDir: true, size: 8192n, mtimeNs: 200n, ctimeNs: 200n }), 'self'), 0);
  assert.equal(changeMask(dir, entry(2, { isDir: true, mode: 0o40700, ctimeNs: 200n }), 'self'), FS_ATTRIB);
});
