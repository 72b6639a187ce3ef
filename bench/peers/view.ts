/**
 * What a consumer of a typed event stream believes exists: the pre-tree
 * listing with the stream's creates, deletes and renames applied. Removing
 * or renaming a directory takes its subtree along, as a consumer keeping a
 * tree would. Events that do not say what happened (modify, write-complete,
 * attrib, fs.watch's rename/change) leave the view alone.
 */
export class ReplayView {
  private readonly present = new Set<string>();
  private readonly children = new Map<string, Set<string>>();

  constructor(initial: Iterable<string>) {
    for (const path of initial) this.add(path);
  }

  apply(type: string, path: string, oldPath: string | undefined): void {
    switch (type) {
      case 'create':
      case 'moved-to':
        this.add(path);
        break;
      case 'delete':
      case 'moved-from':
        this.remove(path);
        break;
      case 'rename':
        if (oldPath === undefined) this.add(path);
        else this.move(oldPath, path);
        break;
    }
  }

  paths(): Set<string> {
    return this.present;
  }

  private add(path: string): void {
    this.present.add(path);
    const parent = parentOf(path);
    let siblings = this.children.get(parent);
    if (!siblings) this.children.set(parent, (siblings = new Set()));
    siblings.add(path);
  }

  private remove(path: string): void {
    this.children.get(parentOf(path))?.delete(path);
    for (const gone of this.subtree(path)) {
      this.present.delete(gone);
      this.children.delete(gone);
    }
  }

  private move(from: string, to: string): void {
    const moved = this.subtree(from).filter((path) => this.present.has(path));
    this.remove(from);
    this.add(to);
    for (const path of moved) if (path !== from) this.add(to + path.slice(from.length));
  }

  /** PATH and everything recorded below it, parents first. */
  private subtree(path: string): string[] {
    const out = [path];
    for (let i = 0; i < out.length; i++) {
      for (const child of this.children.get(out[i] ?? '') ?? []) out.push(child);
    }
    return out;
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

export interface ViewDiff {
  /** On disk but not in the view. */
  missing: number;
  /** In the view but not on disk. */
  extra: number;
}

export function compareView(view: ReadonlySet<string>, disk: readonly string[]): ViewDiff {
  let missing = 0;
  for (const path of disk) if (!view.has(path)) missing += 1;
  const onDisk = new Set(disk);
  let extra = 0;
  for (const path of view) if (!onDisk.has(path)) extra += 1;
  return { missing, extra };
}
