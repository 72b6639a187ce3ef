/**
 * The Watcher's model of the tree: what it believes exists, kept as small
 * as it can be while still answering the two questions it is asked — "is
 * this name new?" (to dedupe a listing against events) and "what changed?"
 * (to diff a rescan after an overflow, or a poll).
 *
 * - A directory is a DirNode: name, parent, absolute path, kernel wd and a
 *   Map of its entries. Paths are stored per directory only (a rename
 *   rewrites the paths of the directories below it, never of files).
 * - A file in a watched directory is its kind, a small integer: no stat at
 *   startup. An overflow rescan finds modified files by their times against
 *   the moment events were last known complete (see TreeSync.syncTime).
 * - A file in a polled directory (no watch: the watch limit) is a FileSnap,
 *   what polling compares: ino, size, mtime, ctime.
 *
 * Invariant: a DirNode is "attached" while its parent's Map holds it under
 * its name, up to the root. Detached nodes own no watch (dropSubtree).
 */
import { KIND_DIR, type EntryKind, type EntryStat } from './fs-adapter.js';

/** A leaf of a polled directory: the stat polling compares against. */
export class FileSnap {
  constructor(
    public kind: EntryKind,
    public ino: number,
    public size: number,
    public mtimeMs: number,
    public ctimeMs: number,
  ) {}

  static of(st: EntryStat): FileSnap {
    return new FileSnap(st.kind, st.ino, st.size, st.mtimeMs, st.ctimeMs);
  }
}

/** An entry of a directory: a subdirectory, a leaf's kind, or a polled leaf's snapshot. */
export type Entry = DirNode | number | FileSnap;

/** No watch: polled with the rest of its subtree. */
export const DIR_POLLED = 1;
/** Same inode as a directory already watched (bind mount, followed symlink loop): not descended. */
export const DIR_ALIAS = 2;
/** Its contents are ignored (rule `dir/**`, or a non-recursive Watcher): no watch, never listed. */
export const DIR_CONTENTS_IGNORED = 4;
/** Reached through a followed symbolic link. */
export const DIR_SYMLINK = 8;
/** Could be neither watched nor listed (EACCES): contents unknown. */
export const DIR_UNREADABLE = 16;
/** Moved away (MOVED_FROM) and not yet known to have landed in the tree: its events are dropped. */
export const DIR_DETACHED = 32;
/** fanotify mode: not listed yet by the background scan (events below it are passed on, the model is not touched). */
export const DIR_UNLISTED = 64;
/**
 * fanotify mode: listed silently by the background scan while events were
 * already flowing, so a listed name may still have its CREATE (or a gone
 * name its DELETE) in the queue: those are passed on, not deduped.
 */
export const DIR_QUIET = 128;

export class DirNode {
  /** The kernel wd of its watch, or -1. */
  wd = -1;
  flags = 0;
  /** Inode number, when known (polled directories). */
  ino = 0;
  readonly children = new Map<string, Entry>();

  constructor(
    public name: string,
    public parent: DirNode | null,
    public path: string,
  ) {}
}

export function childPath(dir: DirNode, name: string): string {
  return dir.path === '/' ? '/' + name : dir.path + '/' + name;
}

export function isDirEntry(e: Entry): e is DirNode {
  return e instanceof DirNode;
}

/** The kind of an entry, for comparisons with a listing. */
export function entryKind(e: Entry): EntryKind {
  if (e instanceof DirNode) return KIND_DIR;
  if (e instanceof FileSnap) return e.kind;
  return e as EntryKind;
}

/** Is `node` still reachable from `root` through its parents' Maps? */
export function isAttached(node: DirNode, root: DirNode): boolean {
  for (let n = node; n !== root; ) {
    const parent = n.parent;
    if (parent === null || parent.children.get(n.name) !== n) return false;
    n = parent;
  }
  return true;
}

/** Rewrite the paths of `node` and the directories below it after a rename (and mark them attached). */
export function repath(node: DirNode): void {
  const stack = [node];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    d.flags &= ~DIR_DETACHED;
    if (d.parent !== null) d.path = childPath(d.parent, d.name);
    for (const e of d.children.values()) if (e instanceof DirNode) stack.push(e);
  }
}

/** Mark `node` and the directories below it detached (in flight between MOVED_FROM and MOVED_TO). */
export function markDetached(node: DirNode): void {
  const stack = [node];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    d.flags |= DIR_DETACHED;
    for (const e of d.children.values()) if (e instanceof DirNode) stack.push(e);
  }
}

/** Every directory of the subtree, `node` first. */
export function* subtreeDirs(node: DirNode): Generator<DirNode> {
  const stack = [node];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    yield d;
    for (const e of d.children.values()) if (e instanceof DirNode) stack.push(e);
  }
}
