/**
 * Helpers for the in-memory filesystem tests, through the public entry
 * points only: a root process with an inotify instance watching a tree,
 * a snapshot of everything a failed call could have changed, and an
 * assertion that a call fails with one errno and changes nothing.
 */
import assert from 'node:assert/strict';
import { isSystemError } from '../../src/errors.js';
import type { Inotify } from '../../src/inotify/index.js';
import { formatInotifyEvent, IN_ALL_EVENTS, inotifyInit } from '../../src/inotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { createVfs, O_CREAT, O_RDONLY, O_WRONLY } from '../../src/vfs/index.js';

export interface Expected {
  code: string;
  syscall: string;
  /** The path named in the error; `undefined` for calls on a descriptor. */
  path: string | undefined;
}

/** Assert that `fn` throws a SystemError with exactly this code, syscall and path. */
export function assertSysError(fn: () => unknown, expected: Expected): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isSystemError(e), `expected a SystemError, got ${String(e)}`);
    assert.deepEqual({ code: e.code, syscall: e.syscall, path: e.path }, expected);
    assert.ok(e.errno < 0, 'errno is negative, as Node reports it');
    return true;
  });
}

/** Every queued event, formatted; [] when the queue is empty. */
export function drain(ino: Inotify): string[] {
  try {
    return ino.read().map(formatInotifyEvent);
  } catch (e) {
    if (isSystemError(e, 'EAGAIN')) return [];
    throw e;
  }
}

/** Create a regular file with `data` (mode after umask). */
export function writeFile(p: VfsProcess, path: string, data = '', mode = 0o644): void {
  const fd = p.open(path, O_CREAT | O_WRONLY, mode);
  if (data !== '') p.write(fd, data);
  p.close(fd);
}

export function readAll(p: VfsProcess, path: string): string {
  const fd = p.open(path, O_RDONLY);
  try {
    return p.read(fd, 1 << 20).toString();
  } finally {
    p.close(fd);
  }
}

/** All paths under `dir` (the directory itself first), depth first. */
export function walk(p: VfsProcess, dir = '/'): string[] {
  const out = [dir];
  for (const name of p.readdir(dir).sort()) {
    const child = dir === '/' ? `/${name}` : `${dir}/${name}`;
    const st = p.lstat(child);
    if (st.isDirectory()) out.push(...walk(p, child));
    else out.push(child);
  }
  return out;
}

/**
 * What a failed call must leave untouched: every inode reachable from `/`
 * (type, mode, owner, links, size, times, content, symlink target, xattrs)
 * and the descriptors of the processes given.
 */
export function snapshot(root: VfsProcess, procs: VfsProcess[] = []): unknown {
  const tree: Record<string, unknown> = {};
  for (const path of walk(root)) {
    const st = root.lstat(path);
    const entry: Record<string, unknown> = {
      dev: st.dev,
      ino: st.ino,
      mode: st.mode,
      nlink: st.nlink,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      times: [st.atimeNs, st.mtimeNs, st.ctimeNs].map(String),
    };
    if (st.isSymbolicLink()) entry.target = root.readlink(path);
    else {
      entry.xattrs = root
        .listxattr(path, false)
        .sort()
        .map((n) => [n, root.getxattr(path, n, false).toString('hex')]);
      if (st.isFile()) entry.data = readAll(root, path);
    }
    tree[path] = entry;
  }
  const fds = [root, ...procs].map((p) => [...p.fds.keys()]);
  return { tree, fds };
}

/**
 * A root process and an inotify instance watching every directory and
 * file of the tree `build` creates (symlinks excluded: a watch would follow
 * them), each with IN_ALL_EVENTS.
 */
export function watchedTree(build: (root: VfsProcess) => void) {
  const root = createVfs();
  build(root);
  const ino = inotifyInit({ source: root });
  for (const path of walk(root)) if (!root.lstat(path).isSymbolicLink()) ino.addWatch(path, IN_ALL_EVENTS);
  drain(ino);
  /**
   * Run `fn`, expect exactly this failure, then check that no event was
   * queued and that nothing in the tree or the descriptor tables changed.
   */
  const expectFailure = (fn: () => unknown, expected: Expected, procs: VfsProcess[] = []): void => {
    const before = snapshot(root, procs);
    drain(ino);
    assertSysError(fn, expected);
    assert.deepEqual(drain(ino), [], 'a failed call raises no event');
    assert.deepEqual(snapshot(root, procs), before, 'a failed call changes nothing');
  };
  return { root, ino, expectFailure };
}
