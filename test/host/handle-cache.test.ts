/**
 * The handle → path cache over a fake of the four system calls it uses: a
 * table of path → handle standing for the disk. Checks that renames and
 * deletes told by events keep cached paths right (directory renames move
 * deep entries whose parents were never cached; a file rename moves one
 * entry), that only the entries touched lose their verification, and that
 * many renames leave every entry in its place.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HandleCache } from '../../src/host/linux/handle-cache.js';
import type { LinuxSyscalls } from '../../src/host/linux/ffi.js';
import { sysError } from '../../src/errors.js';

const FSID = [1, 2] as const;
const TYPE = 1;

/** A disk of path → handle, and counters of the system calls made against it. */
class FakeDisk {
  readonly paths = new Map<string, number>();
  readonly calls = { nameToHandleAt: 0, openByHandleAt: 0 };
  private readonly open = new Map<number, number>();
  private nextFd = 100;

  handle(id: number): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(id, 0);
    return b;
  }

  /** Move `from` (and everything under it) to `to`, as rename(2) does on the disk. */
  rename(from: string, to: string): void {
    for (const [path, id] of [...this.paths]) {
      if (path === from || path.startsWith(from + '/')) {
        this.paths.delete(path);
        this.paths.set(to + path.slice(from.length), id);
      }
    }
  }

  syscalls(): LinuxSyscalls {
    const fake = {
      nameToHandleAt: (_dirfd: number, path: string) => {
        this.calls.nameToHandleAt++;
        const id = this.paths.get(path);
        if (id === undefined) throw sysError('ENOENT', 'name_to_handle_at', path);
        return { handleType: TYPE, handle: this.handle(id), mountId: 1 };
      },
      openByHandleAt: (_mountFd: number, h: { handle: Buffer }) => {
        this.calls.openByHandleAt++;
        const id = h.handle.readUInt32LE(0);
        if (![...this.paths.values()].includes(id)) throw sysError('ESTALE', 'open_by_handle_at');
        const fd = this.nextFd++;
        this.open.set(fd, id);
        return fd;
      },
      readlink: (path: string) => {
        const id = this.open.get(Number(path.slice('/proc/self/fd/'.length)));
        for (const [p, i] of this.paths) if (i === id) return p;
        throw sysError('ENOENT', 'readlink', path);
      },
      close: (fd: number) => void this.open.delete(fd),
    };
    return fake as unknown as LinuxSyscalls;
  }
}

function setup(): { disk: FakeDisk; cache: HandleCache; resolve: (id: number) => string } {
  const disk = new FakeDisk();
  const cache = new HandleCache(disk.syscalls(), () => 3);
  return { disk, cache, resolve: (id) => cache.resolve(FSID, TYPE, disk.handle(id)) };
}

test('handle cache: a directory rename moves deep entries whose parents were never cached', () => {
  const { disk, cache, resolve } = setup();
  disk.paths.set('/t/a', 1);
  disk.paths.set('/t/a/b', 2);
  disk.paths.set('/t/a/b/c', 3);
  disk.paths.set('/t/a/b/c/f', 4);
  disk.paths.set('/t/ab', 5);
  cache.remember(FSID, TYPE, disk.handle(1), '/t/a');
  cache.remember(FSID, TYPE, disk.handle(4), '/t/a/b/c/f');
  cache.remember(FSID, TYPE, disk.handle(5), '/t/ab');
  disk.rename('/t/a', '/t/z');
  cache.moved('/t/a', '/t/z', true);
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1)), '/t/z');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(4)), '/t/z/b/c/f');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(5)), '/t/ab', 'a sibling sharing the prefix is not under the directory');
  const before = disk.calls.openByHandleAt;
  assert.equal(resolve(4), '/t/z/b/c/f');
  assert.equal(disk.calls.openByHandleAt, before, 'the rewritten path verifies: no open_by_handle_at');
  assert.equal(cache.stats().stale, 0);
});

test('handle cache: a file rename moves only the entry at that path', () => {
  const { disk, cache } = setup();
  disk.paths.set('/t/f', 1);
  disk.paths.set('/t/f/x', 2); // cannot exist on a disk, but shows the prefix is not scanned for a file
  cache.remember(FSID, TYPE, disk.handle(1), '/t/f');
  cache.remember(FSID, TYPE, disk.handle(2), '/t/f/x');
  cache.moved('/t/f', '/t/g', false);
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1)), '/t/g');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(2)), '/t/f/x');
});

test('handle cache: a rename there and back within one batch is checked again, not trusted', () => {
  const { disk, cache, resolve } = setup();
  disk.paths.set('/t/d', 1);
  disk.paths.set('/t/d/f', 2);
  cache.remember(FSID, TYPE, disk.handle(2), '/t/d/f');
  cache.newBatch();
  assert.equal(resolve(2), '/t/d/f');
  const checks = disk.calls.nameToHandleAt;
  assert.equal(resolve(2), '/t/d/f');
  assert.equal(disk.calls.nameToHandleAt, checks, 'verified once per batch');
  cache.moved('/t/d', '/t/e', true);
  assert.equal(resolve(2), '/t/d/f', 'the hint /t/e/f fails its check and the disk answers');
  assert.equal(cache.stats().stale, 1);
});

test('handle cache: a rename or delete keeps the verification of untouched entries', () => {
  const { disk, cache, resolve } = setup();
  disk.paths.set('/t/keep', 1);
  disk.paths.set('/t/d', 2);
  disk.paths.set('/t/f', 3);
  for (const [p, id] of disk.paths) cache.remember(FSID, TYPE, disk.handle(id), p);
  cache.newBatch();
  resolve(1);
  const checks = disk.calls.nameToHandleAt;
  disk.rename('/t/d', '/t/e');
  cache.moved('/t/d', '/t/e', true);
  disk.paths.delete('/t/f');
  cache.removed('/t/f', false);
  assert.equal(resolve(1), '/t/keep');
  assert.equal(disk.calls.nameToHandleAt, checks, 'no new check for /t/keep');
});

test('handle cache: a deleted directory keeps its last path; a moved-away one is not buried by removed(…, false)', () => {
  const { disk, cache, resolve } = setup();
  disk.paths.set('/t/gone', 1);
  disk.paths.set('/t/moved', 2);
  cache.remember(FSID, TYPE, disk.handle(1), '/t/gone');
  cache.remember(FSID, TYPE, disk.handle(2), '/t/moved');
  disk.paths.delete('/t/gone');
  cache.removed('/t/gone', true);
  assert.equal(resolve(1), '/t/gone', 'late events of a deleted directory keep its path');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1)), null);
  disk.rename('/t/moved', '/u/moved');
  cache.removed('/t/moved', false);
  assert.equal(resolve(2), '/u/moved', 'the disk names where it went');
});

test('handle cache: thousands of file and directory renames leave every entry where they put it', () => {
  // 20,000 files in 20 directories, then 2,000 file renames and 20 directory renames.
  const { disk, cache } = setup();
  let id = 1;
  for (let d = 0; d < 20; d++) {
    cache.remember(FSID, TYPE, disk.handle(id++), `/t/d${d}`);
    for (let f = 0; f < 1000; f++) cache.remember(FSID, TYPE, disk.handle(id++), `/t/d${d}/f${f}`);
  }
  for (let r = 0; r < 2000; r++) cache.moved(`/t/d${r % 20}/f${r}`, `/t/d${r % 20}/g${r}`, false);
  for (let d = 0; d < 20; d++) cache.moved(`/t/d${d}`, `/t/e${d}`, true);
  // Every entry ended where the renames put it.
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1)), '/t/e0');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(2)), '/t/e0/g0');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(3)), '/t/e0/f1');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1003)), '/t/e1/f0');
  assert.equal(cache.peek(FSID, TYPE, disk.handle(1004)), '/t/e1/g1');
  assert.equal(cache.stats().entries, 20020);
});
