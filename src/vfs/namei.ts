/**
 * Path resolution (fs/namei.c in miniature): components, `.` and `..`,
 * mount crossings, symlinks (ELOOP after 40), trailing slashes, and the
 * permission to search every directory on the way.
 *
 * Two entry points: `lookup()` resolves a whole path to an existing object;
 * `lookupParent()` resolves all but the last component, for operations that
 * create, remove or rename an entry.
 */
import { sysError } from '../errors.js';
import { MAXSYMLINKS, MAY_EXEC, NAME_MAX, PATH_MAX } from './constants.js';
import type { Machine } from './machine.js';
import type { Dentry } from './objects.js';
import { VPath } from './objects.js';
import type { Cred } from './permission.js';
import { mayAccess } from './permission.js';

export interface NameiContext {
  readonly machine: Machine;
  readonly cred: Cred;
  readonly root: VPath;
  readonly cwd: VPath;
}

export type LastType = 'norm' | 'dot' | 'dotdot' | 'root';

export interface ParentResult {
  /** The directory that holds (or would hold) the last component. */
  readonly dir: VPath;
  readonly name: string;
  readonly last: LastType;
  /** The path ended with '/'. */
  readonly trailing: boolean;
}

/** Thrown errors name the syscall and the path the user passed. */
export class Namei {
  constructor(
    private readonly ctx: NameiContext,
    private readonly syscall: string,
    private readonly userPath: string,
  ) {}

  fail(code: Parameters<typeof sysError>[0]): never {
    throw sysError(code, this.syscall, this.userPath);
  }

  /** Resolve all but the last component of `path`, relative to `start`. */
  parent(path: string, start: VPath | null = null, depth = 0): ParentResult {
    if (path === '') this.fail('ENOENT');
    if (Buffer.byteLength(path) >= PATH_MAX) this.fail('ENAMETOOLONG');
    let cur = path.startsWith('/') ? this.ctx.root : (start ?? this.ctx.cwd);
    const trailing = path.endsWith('/');
    const comps = path.split('/').filter((c) => c !== '');
    if (comps.length === 0) return { dir: cur, name: '/', last: 'root', trailing };
    for (let i = 0; i < comps.length - 1; i++) cur = this.step(cur, comps[i]!, true, depth);
    const name = comps[comps.length - 1]!;
    if (Buffer.byteLength(name) > NAME_MAX) this.fail('ENAMETOOLONG');
    const last: LastType = name === '.' ? 'dot' : name === '..' ? 'dotdot' : 'norm';
    return { dir: cur, name, last, trailing };
  }

  /** Resolve `path` to an existing object; `follow` decides for a final symlink. */
  path(path: string, follow: boolean, start: VPath | null = null, depth = 0): VPath {
    const p = this.parent(path, start, depth);
    return this.finish(p, follow || p.trailing, depth);
  }

  /** Resolve the last component of a parent result. */
  finish(p: ParentResult, follow: boolean, depth = 0): VPath {
    if (p.last === 'root') return p.dir;
    const found = this.step(p.dir, p.name, follow, depth);
    if (p.trailing && !found.dentry.inode.isDir()) this.fail('ENOTDIR');
    return found;
  }

  /** The child named `name` in `dir` without following it, or null. Checks search permission. */
  child(dir: VPath, name: string): VPath | null {
    this.searchable(dir);
    const d = dir.dentry.inode.entries.get(name);
    return d ? this.crossMounts(new VPath(dir.mount, d)) : null;
  }

  private searchable(dir: VPath): void {
    const inode = dir.dentry.inode;
    if (!inode.isDir()) this.fail('ENOTDIR');
    if (!mayAccess(inode, MAY_EXEC, this.ctx.cred)) this.fail('EACCES');
  }

  /** Walk one component from `cur`. */
  step(cur: VPath, name: string, follow: boolean, depth: number): VPath {
    this.searchable(cur);
    if (Buffer.byteLength(name) > NAME_MAX) this.fail('ENAMETOOLONG');
    if (name === '.') return cur;
    if (name === '..') return this.dotdot(cur);
    if (cur.dentry.inode.dead) this.fail('ENOENT');
    const d = cur.dentry.inode.entries.get(name);
    if (!d) this.fail('ENOENT');
    const next = this.crossMounts(new VPath(cur.mount, d));
    if (follow && next.dentry.inode.isSymlink()) return this.followLink(cur, next.dentry, depth);
    return next;
  }

  /** Resolve a symlink found in directory `dir`. */
  followLink(dir: VPath, link: Dentry, depth: number): VPath {
    if (depth + 1 > MAXSYMLINKS) this.fail('ELOOP');
    const target = link.inode.target;
    if (target === '') this.fail('ENOENT');
    return this.path(target, true, dir, depth + 1);
  }

  /** Resolve the parent of a symlink's target (for O_CREAT through a dangling link). */
  linkParent(dir: VPath, link: Dentry, depth: number): ParentResult {
    if (depth + 1 > MAXSYMLINKS) this.fail('ELOOP');
    const target = link.inode.target;
    if (target === '') this.fail('ENOENT');
    return this.parent(target, dir, depth + 1);
  }

  dotdot(cur: VPath): VPath {
    for (;;) {
      if (cur.mount === this.ctx.root.mount && cur.dentry === this.ctx.root.dentry) return cur;
      if (cur.dentry === cur.mount.root) {
        const parent = cur.mount.parent;
        const mp = cur.mount.mountpoint;
        if (!parent || !mp) return cur;
        cur = new VPath(parent, mp);
        continue;
      }
      return new VPath(cur.mount, cur.dentry.parent ?? cur.dentry);
    }
  }

  /** Step down into whatever is mounted on this dentry (the topmost mount). */
  crossMounts(p: VPath): VPath {
    for (;;) {
      const d = p.dentry;
      if (d.mounts.length === 0) return p;
      let top = null;
      for (const m of d.mounts) if (m.parent === p.mount) top = m;
      if (!top) return p;
      p = new VPath(top, top.root);
    }
  }
}

/**
 * d_path(): the absolute path of (mount, dentry) as seen from `root`,
 * crossing mount points upwards; " (deleted)" is appended once the dentry
 * was removed from its directory (readlink of /proc/self/fd/N).
 */
export function dPath(p: VPath, root: VPath): string {
  const parts: string[] = [];
  let mnt = p.mount;
  let d: Dentry | null = p.dentry;
  while (d !== null) {
    if (mnt === root.mount && d === root.dentry) break;
    if (d === mnt.root) {
      if (!mnt.parent || !mnt.mountpoint) break;
      d = mnt.mountpoint;
      mnt = mnt.parent;
      continue;
    }
    parts.unshift(d.name);
    d = d.parent;
  }
  return '/' + parts.join('/') + (p.dentry.isUnlinked() ? ' (deleted)' : '');
}
