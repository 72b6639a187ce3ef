/**
 * Host sources: the real filesystem as an event source for the core.
 *
 * A host source is a core `Source` (front-ends resolve paths through it) that
 * also owns whatever feeds events in — the kernel's inotify on Linux, or a
 * portable fallback — and turns them into core dispatch on host objects keyed
 * by (device, inode). One folder per platform; `registry.ts` picks one.
 */
import type { Connector, FsDentry, FsInode, FsMount, FsSuperBlock, Group, MaskObserver, Source } from '../core/index.js';
import { destroyObjectMarks, type MarkableObject } from '../core/index.js';

export interface HostSourceStats {
  /** Kernel watches (or polled/watched paths) held now. */
  watches: number;
  /** Objects with at least one mark. */
  objects: number;
}

export interface HostSource extends Source {
  /** What this source cannot report, in one sentence each (empty for the kernel source). */
  readonly limitations: readonly string[];
  stats(): HostSourceStats;
  /** Release every kernel resource; marks on its objects are destroyed. */
  close(): Promise<void>;
}

/** One filesystem (device) as the core sees it. Host sb marks are not supported by inotify. */
export class HostSuperBlock implements FsSuperBlock {
  readonly objectType = 'sb' as const;
  connector: Connector | null = null;
  constructor(readonly dev: number) {}
}

/** The one mount object per device (inotify has no mount marks). */
export class HostMount implements FsMount {
  readonly objectType = 'mount' as const;
  connector: Connector | null = null;
  constructor(readonly sb: HostSuperBlock) {}
}

/** The superblock and mount objects of each device a source has seen. */
export class HostDevices {
  private readonly byDev = new Map<number, { sb: HostSuperBlock; mount: HostMount }>();

  get(dev: number): { sb: HostSuperBlock; mount: HostMount } {
    let e = this.byDev.get(dev);
    if (!e) {
      const sb = new HostSuperBlock(dev);
      e = { sb, mount: new HostMount(sb) };
      this.byDev.set(dev, e);
    }
    return e;
  }
}

/** A real inode, keyed by (dev, ino). */
export class HostInode implements FsInode {
  readonly objectType = 'inode' as const;
  connector: Connector | null = null;
  maskObserver: MaskObserver | null = null;
  constructor(
    readonly sb: HostSuperBlock,
    readonly ino: number,
    private readonly dir: boolean,
  ) {}
  isDir(): boolean {
    return this.dir;
  }
}

/** A dentry for a host path (inotify needs no real parent: the kernel already routed the event). */
export class HostDentry implements FsDentry {
  readonly parent = null;
  constructor(
    readonly inode: HostInode,
    readonly name: string,
  ) {}
  isUnlinked(): boolean {
    return false;
  }
}

/** Groups that have marks on any of these objects. */
export function groupsOf(objects: Iterable<MarkableObject>): Set<Group> {
  const groups = new Set<Group>();
  for (const o of objects) for (const m of o.connector?.marks ?? []) groups.add(m.group);
  return groups;
}

/** Tell every group with marks on these objects that the source failed, then destroy the marks. */
export function failObjects(objects: Iterable<MarkableObject>, error: Error): void {
  const list = [...objects];
  for (const g of groupsOf(list)) g.ops.sourceError?.(g, error);
  for (const o of list) destroyObjectMarks(o);
}
