/**
 * Atomic-save folding: editors and build tools save by writing a temporary
 * file and renaming it over the target. Within one batch, the temporary's
 * create (and its modify / write-complete / attrib) plus the rename become
 * a single `modify` of the target — or a single `create` when the target
 * did not exist before.
 */
import type { WatchEvent } from './types.js';

/**
 * Fold the atomic saves in `events` (oldest first). `replacing` holds the
 * renames that replaced an existing entry. Returns `events` itself when
 * nothing folds, else a new array.
 */
export function foldAtomicSaves(events: WatchEvent[], replacing: ReadonlySet<WatchEvent>): WatchEvent[] {
  let keep: (WatchEvent | null)[] | null = null;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (e.type !== 'rename' || e.isDirectory || e.oldPath === undefined) continue;
    const temp = e.oldPath;
    let created = -1;
    for (let j = i - 1; j >= 0; j--) {
      const p = (keep ?? events)[j];
      if (p === null || p === undefined || p.path !== temp) continue;
      if (p.type === 'create') created = j;
      if (p.type === 'create' || p.type === 'rename' || p.type === 'delete') break;
    }
    if (created < 0) continue;
    keep ??= events.slice();
    for (let j = created; j < i; j++) if (keep[j]?.path === temp) keep[j] = null;
    keep[i] = { type: replacing.has(e) ? 'modify' : 'create', path: e.path, isDirectory: false };
  }
  if (keep === null) return events;
  return keep.filter((e): e is WatchEvent => e !== null);
}
