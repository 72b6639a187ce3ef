/**
 * Fixtures for the core unit tests: the smallest objects that satisfy the
 * core's object interfaces (a superblock, a mount, inodes, dentries), and
 * groups whose ops record every call into a shared log so a test can assert
 * who was asked, in which order, with which mask and name.
 */
import type {
  Connector,
  EventData,
  FsDentry,
  FsFile,
  FsInode,
  FsMount,
  FsPath,
  FsSuperBlock,
  GroupOps,
  HandleResult,
  IterInfo,
  MarkableObject,
} from '../../src/core/index.js';
import { attachMark, FMODE_READ, Group, Mark, PRIO_NORMAL } from '../../src/core/index.js';

export class TestSb implements FsSuperBlock {
  readonly objectType = 'sb' as const;
  connector: Connector | null = null;
}

export class TestMount implements FsMount {
  readonly objectType = 'mount' as const;
  connector: Connector | null = null;
  constructor(readonly sb: TestSb) {}
}

let nextIno = 1;

export class TestInode implements FsInode {
  readonly objectType = 'inode' as const;
  connector: Connector | null = null;
  readonly ino = nextIno++;
  constructor(
    readonly sb: TestSb,
    private readonly dir: boolean,
  ) {}
  isDir(): boolean {
    return this.dir;
  }
}

export class TestDentry implements FsDentry {
  unlinked = false;
  constructor(
    readonly inode: TestInode,
    readonly parent: TestDentry | null,
    readonly name: string,
  ) {}
  isUnlinked(): boolean {
    return this.unlinked;
  }
}

/** A superblock mounted once, with `/` → `d/` → `d/a` (file) and `d/sub/` (directory). */
export function world() {
  const sb = new TestSb();
  const mount = new TestMount(sb);
  const root = new TestDentry(new TestInode(sb, true), null, '/');
  const d = new TestDentry(new TestInode(sb, true), root, 'd');
  const a = new TestDentry(new TestInode(sb, false), d, 'a');
  const b = new TestDentry(new TestInode(sb, false), d, 'b');
  const sub = new TestDentry(new TestInode(sb, true), d, 'sub');
  const path = (dentry: TestDentry): FsPath => ({ mount, dentry });
  const file = (dentry: TestDentry, fmode = FMODE_READ): FsFile => ({ path: path(dentry), fmode });
  const pathData = (dentry: TestDentry): EventData => ({ type: 'path', path: path(dentry), file: null });
  return { sb, mount, root, d, a, b, sub, path, file, pathData };
}

/** One call a recording group received. */
export interface Call {
  group: string;
  /** The mark the per-mark path handed over (per-mark groups only). */
  mark: string | null;
  mask: number;
  name: string | null;
  dir: FsInode | null;
  cookie: number;
  /** Which lists contributed a mark (whole-group handler only). */
  iter: string[];
}

export type Answer = (mask: number) => HandleResult;

/**
 * A group whose ops log into `log`. `perMark` selects the generic per-mark
 * path (inotify/dnotify style); otherwise the whole-group handler
 * (fanotify style) is used and `answer` gives its result.
 */
export function recordingGroup(
  label: string,
  log: Call[],
  opts: { priority?: number; perMark?: boolean; answer?: Answer; maxEvents?: number } = {},
) {
  const freed: string[] = [];
  const ops: GroupOps = {
    freeingMark(mark) {
      freed.push(String(mark.priv));
    },
  };
  if (opts.perMark) {
    ops.handleInodeEvent = (mark, mask, _inode, dir, name, cookie) => {
      log.push({ group: label, mark: String(mark.priv), mask, name, dir, cookie, iter: [] });
      return 0;
    };
  } else {
    ops.handleEvent = (_group, mask, _data, dir, name, cookie, iter: IterInfo) => {
      const types = (Object.keys(iter) as (keyof IterInfo)[]).filter((k) => iter[k] !== null);
      log.push({ group: label, mark: null, mask, name, dir, cookie, iter: types });
      return opts.answer ? opts.answer(mask) : 0;
    };
  }
  const group = new Group<string>(ops, {
    priority: opts.priority ?? PRIO_NORMAL,
    maxEvents: opts.maxEvents ?? 16,
    overflowEvent: 'overflow',
  });
  return { group, freed, label };
}

/** Create and attach a mark; `priv` names it in the log. */
export function addMark(
  group: Group,
  object: MarkableObject,
  mask: number,
  opts: { ignore?: number; flags?: number; name?: string } = {},
): Mark<string> {
  const mark = new Mark<string>(group, opts.name ?? 'mark');
  mark.mask = mask >>> 0;
  mark.ignoreMask = (opts.ignore ?? 0) >>> 0;
  mark.flags = opts.flags ?? 0;
  attachMark(mark, object);
  return mark;
}

/** The group labels of a log, in order. */
export function groupsOf(log: readonly Call[]): string[] {
  return log.map((c) => c.group);
}
