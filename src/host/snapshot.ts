/**
 * Stat snapshots and their diff: what the portable sources (fs.watch,
 * polling) know instead of the kernel's event stream.
 *
 * A snapshot of a directory maps each name to the lstat(2) of its entry; an
 * object's own snapshot is one stat. Diffing two snapshots yields the
 * inotify-shaped changes they imply, by these rules (the kernel's own rules
 * are in fs/notify and SEMANTICS.md; these only approximate them):
 * - identity is (dev, ino), exact (64-bit stats): a name whose entry changed
 *   identity was deleted (or moved away) and created (or moved in) again;
 * - an identity gone under one name and present under another, in one
 *   batch of directory scans (the same directory or another scanned with
 *   it), is a rename: one MOVED_FROM/MOVED_TO pair. An entry replaced by a
 *   rename-over gets no DELETE (the kernel reports none);
 * - content (FS_MODIFY, never for directories): the size changed, or mtime
 *   changed to the ctime stamp (a write sets both to one stamp);
 * - attributes (FS_ATTRIB): mode, uid or gid changed; or mtime was set apart
 *   from ctime (utimes(2) with explicit times); or only ctime moved (xattrs,
 *   a chmod to the same mode). A link-count change is reported to the object
 *   itself only, as the kernel's fsnotify_link_count() is.
 *
 * Changes come out per directory in a fixed order, names sorted: deletes,
 * renames (listed with their old directory), creates, then content and
 * attribute changes. Nothing here dispatches: snapshot-source.ts does.
 */
import { readdirSync, statSync, lstatSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { FS_ATTRIB, FS_MODIFY } from '../core/index.js';
import { ERRNO, SystemError } from '../errors.js';
import type { ErrnoCode } from '../errors.js';

/** What a snapshot keeps of one stat(2). */
export interface EntryStat {
  /** `dev:ino`, exact: what diffs pair renames by. */
  readonly id: string;
  readonly dev: number;
  /** st_ino as a number (exact below 2^53; `id` is always exact). */
  readonly ino: number;
  readonly isDir: boolean;
  readonly isSymlink: boolean;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
}

/** A directory's entries, by name. */
export type Listing = ReadonlyMap<string, EntryStat>;

/** The listing of a directory that is gone. */
export const EMPTY_LISTING: Listing = new Map();

/** Node's fs error as the project's SystemError (errno name kept; a code outside the table becomes EIO). */
export function fsError(e: unknown, syscall: string, path: string, reason?: string): SystemError {
  if (e instanceof SystemError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = err?.code;
  if (typeof code === 'string' && code in ERRNO) return new SystemError(code as ErrnoCode, { syscall, path, reason });
  const what = err instanceof Error ? err.message : String(e);
  return new SystemError('EIO', { syscall, path, reason: reason === undefined ? what : `${reason}: ${what}` });
}

/** The path names nothing (any more): not an error for a diff. */
function isNoEntry(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function toEntry(st: BigIntStats): EntryStat {
  return {
    id: `${st.dev}:${st.ino}`,
    dev: Number(st.dev),
    ino: Number(st.ino),
    isDir: st.isDirectory(),
    isSymlink: st.isSymbolicLink(),
    size: st.size,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    nlink: Number(st.nlink),
  };
}

/**
 * stat(2) (`follow`) or lstat(2) of `path`; null when the path names nothing
 * (ENOENT, ENOTDIR). Throws a SystemError for anything else (EACCES, ELOOP, …).
 */
export function statEntry(path: string, follow: boolean): EntryStat | null {
  try {
    return statStrict(path, follow);
  } catch (e) {
    if (isNoEntry(e)) return null;
    throw fsError(e, follow ? 'stat' : 'lstat', path);
  }
}

/** stat(2) or lstat(2) of `path`, every failure thrown as Node threw it (lookups need ENOTDIR as such). */
export function statStrict(path: string, follow: boolean): EntryStat {
  return toEntry(follow ? statSync(path, { bigint: true }) : lstatSync(path, { bigint: true }));
}

/**
 * The entries of directory `dir`, each lstat()ed; null when the directory is
 * gone. An entry removed between readdir and lstat is left out (it is gone).
 * Throws a SystemError for anything else (EACCES, EMFILE, …).
 */
export function readListing(dir: string): Map<string, EntryStat> | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if (isNoEntry(e)) return null;
    throw fsError(e, 'scandir', dir);
  }
  const listing = new Map<string, EntryStat>();
  for (const name of names) {
    const entry = statEntry(join(dir, name), false);
    if (entry) listing.set(name, entry);
  }
  return listing;
}

/** The name under which `listing` holds identity `id`, if any. */
export function findName(listing: Listing, id: string): string | undefined {
  for (const [name, entry] of listing) if (entry.id === id) return name;
  return undefined;
}

/**
 * FS_MODIFY and/or FS_ATTRIB implied by one object's stat moving from
 * `before` to `after` (same identity). `seenFrom` is who asks: a watching
 * parent is not told of link-count changes; the object itself is.
 * `ctimeCounts` false ignores a bare ctime change (a rename touches ctime).
 */
export function changeMask(before: EntryStat, after: EntryStat, seenFrom: 'parent' | 'self', ctimeCounts = true): number {
  const mtimeMoved = after.mtimeNs !== before.mtimeNs;
  const written = after.size !== before.size || (mtimeMoved && after.mtimeNs === after.ctimeNs);
  const touched = mtimeMoved && after.mtimeNs !== after.ctimeNs;
  const owner = after.mode !== before.mode || after.uid !== before.uid || after.gid !== before.gid;
  const links = after.nlink !== before.nlink;
  let mask = 0;
  if (written && !after.isDir) mask |= FS_MODIFY;
  if (owner || touched) mask |= FS_ATTRIB;
  else if (links) {
    // A directory's link count follows its subdirectories: nothing to report.
    if (seenFrom === 'self' && !after.isDir) mask |= FS_ATTRIB;
  } else if (ctimeCounts && !written && after.ctimeNs !== before.ctimeNs) mask |= FS_ATTRIB;
  return mask;
}

/** One directory's snapshots in a batch: `after` is EMPTY_LISTING when the directory is gone. */
export interface DirScan<K> {
  readonly dir: K;
  readonly before: Listing;
  readonly after: Listing;
}

/** One change a diff implies, listed under the directory it happened in (a rename: the old one). */
export type DirChange<K> =
  | { readonly kind: 'delete' | 'create'; readonly name: string; readonly entry: EntryStat }
  | { readonly kind: 'move'; readonly name: string; readonly entry: EntryStat; readonly to: K; readonly toName: string }
  | { readonly kind: 'change'; readonly name: string; readonly entry: EntryStat; readonly mask: number };

interface Side<K> {
  readonly scan: DirScan<K>;
  readonly index: number;
  readonly name: string;
  readonly entry: EntryStat;
  pairedWith: Side<K> | null;
}

/**
 * Diff a batch of directory scans: `result[i]` lists the changes of
 * `scans[i]` in the fixed order (module comment). Renames pair across every
 * scan of the batch; an identity pairs at most once, first come first paired.
 */
export function diffScans<K>(scans: readonly DirScan<K>[]): DirChange<K>[][] {
  const gone: Side<K>[][] = scans.map(() => []);
  const appeared = new Map<string, Side<K>[]>();
  const changed: DirChange<K>[][] = scans.map(() => []);
  scans.forEach((scan, index) => {
    for (const name of sortedNames(scan.before)) {
      const b = scan.before.get(name)!;
      const a = scan.after.get(name);
      if (a === undefined || a.id !== b.id) gone[index]!.push({ scan, index, name, entry: b, pairedWith: null });
      else {
        const mask = changeMask(b, a, 'parent');
        if (mask !== 0) changed[index]!.push({ kind: 'change', name, entry: a, mask });
      }
    }
    for (const name of sortedNames(scan.after)) {
      const a = scan.after.get(name)!;
      const b = scan.before.get(name);
      if (b !== undefined && b.id === a.id) continue;
      const side: Side<K> = { scan, index, name, entry: a, pairedWith: null };
      const list = appeared.get(a.id);
      if (list) list.push(side);
      else appeared.set(a.id, [side]);
    }
  });
  for (const sides of gone) {
    for (const g of sides) {
      const to = appeared.get(g.entry.id)?.find((s) => s.pairedWith === null && s.entry.isDir === g.entry.isDir);
      if (!to) continue;
      g.pairedWith = to;
      to.pairedWith = g;
    }
  }
  const movedIn = new Set<string>();
  for (const list of appeared.values()) for (const s of list) if (s.pairedWith) movedIn.add(`${s.index}/${s.name}`);
  const created: Side<K>[][] = scans.map(() => []);
  for (const list of appeared.values()) for (const s of list) if (!s.pairedWith) created[s.index]!.push(s);
  return scans.map((_, i) => {
    const out: DirChange<K>[] = [];
    // An entry overwritten by a rename gets no DELETE: the kernel reports MOVED_FROM/MOVED_TO only.
    for (const g of gone[i]!) if (!g.pairedWith && !movedIn.has(`${i}/${g.name}`)) out.push({ kind: 'delete', name: g.name, entry: g.entry });
    for (const g of gone[i]!) {
      const to = g.pairedWith;
      if (to) out.push({ kind: 'move', name: g.name, entry: to.entry, to: to.scan.dir, toName: to.name });
    }
    for (const c of created[i]!.sort((x, y) => compareNames(x.name, y.name))) out.push({ kind: 'create', name: c.name, entry: c.entry });
    out.push(...changed[i]!);
    return out;
  });
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortedNames(listing: Listing): string[] {
  return [...listing.keys()].sort(compareNames);
}
