/**
 * A tiny fake filesystem for the inotify unit tests, standing in for the VFS:
 * plain objects implementing the core's object interfaces, a Source whose
 * lookup resolves absolute paths from a Map, and operations that call the
 * core hooks at the points a filesystem would. It models just enough
 * (hard links, symlinks, open files that outlive an unlink, one mount) for
 * the front-end's rules to be exercised; the VFS's own tests own the rest.
 */
import type {
  Connector,
  FsDentry,
  FsFile,
  FsInode,
  FsMount,
  FsPath,
  FsSuperBlock,
  LookupOptions,
  Source,
} from '../../src/core/index.js';
import {
  ATTR_MODE,
  FMODE_READ,
  FMODE_WRITE,
  Limits,
  notifyAccess,
  notifyChange,
  notifyClose,
  notifyCreate,
  notifyDelete,
  notifyInodeRemove,
  notifyLink,
  notifyLinkCount,
  notifyMkdir,
  notifyModify,
  notifyMove,
  notifyOpen,
  notifyUnmountInodes,
} from '../../src/core/index.js';
import { sysError } from '../../src/errors.js';
import type { InotifyEvent } from '../../src/inotify/index.js';
import { formatInotifyEvent } from '../../src/inotify/index.js';

export class FakeSb implements FsSuperBlock {
  readonly objectType = 'sb' as const;
  connector: Connector | null = null;
  readonly dev = 0x803;
  nextIno = 2;
  readonly inodes: FakeInode[] = [];
}

export class FakeInode implements FsInode {
  readonly objectType = 'inode' as const;
  connector: Connector | null = null;
  nlink = 0;
  openCount = 0;
  target = '';
  constructor(
    readonly sb: FakeSb,
    readonly ino: number,
    readonly kind: 'file' | 'dir' | 'symlink',
  ) {
    sb.inodes.push(this);
  }
  isDir(): boolean {
    return this.kind === 'dir';
  }
}

export class FakeDentry implements FsDentry {
  hashed = true;
  constructor(
    readonly inode: FakeInode,
    public parent: FakeDentry | null,
    public name: string,
  ) {}
  isUnlinked(): boolean {
    return !this.hashed && this.parent !== null;
  }
}

export class FakeMount implements FsMount {
  readonly objectType = 'mount' as const;
  connector: Connector | null = null;
  constructor(readonly sb: FakeSb) {}
}

export interface FakeFile extends FsFile {
  readonly path: FsPath & { readonly dentry: FakeDentry };
}

/** A one-mount filesystem with absolute paths, and a Source over it. */
export class FakeFs implements Source {
  readonly kind = 'fake';
  readonly uid: number;
  readonly limits: Limits;
  readonly sb = new FakeSb();
  readonly mount = new FakeMount(this.sb);
  readonly root: FakeDentry;
  /** Absolute path → dentry, for every hashed name. */
  private readonly names = new Map<string, FakeDentry>();

  constructor(opts: { uid?: number; limits?: Limits } = {}) {
    this.uid = opts.uid ?? 1000;
    this.limits = opts.limits ?? new Limits();
    const inode = new FakeInode(this.sb, 1, 'dir');
    inode.nlink = 2;
    this.root = new FakeDentry(inode, null, '/');
    this.names.set('/', this.root);
  }

  // ---------------------------------------------------------------- Source

  lookup(path: string, opts: LookupOptions): FsPath {
    let dentry = this.resolve(path, opts.syscall);
    for (let hops = 0; opts.follow && dentry.inode.kind === 'symlink'; hops++) {
      if (hops > 40) throw sysError('ELOOP', opts.syscall, path);
      dentry = this.resolve(dentry.inode.target, opts.syscall, path);
    }
    if (opts.directory && !dentry.inode.isDir()) throw sysError('ENOTDIR', opts.syscall, path);
    return { mount: this.mount, dentry };
  }

  private resolve(path: string, syscall: string, shown = path): FakeDentry {
    const dentry = this.names.get(path);
    if (!dentry) throw sysError('ENOENT', syscall, shown);
    return dentry;
  }

  // ---------------------------------------------------------------- objects

  dentry(path: string): FakeDentry {
    return this.resolve(path, 'test');
  }

  inode(path: string): FakeInode {
    return this.dentry(path).inode;
  }

  private split(path: string): [FakeDentry, string] {
    const i = path.lastIndexOf('/');
    const dir = this.resolve(i === 0 ? '/' : path.slice(0, i), 'test');
    return [dir, path.slice(i + 1)];
  }

  private addName(path: string, inode: FakeInode): FakeDentry {
    const [dir, name] = this.split(path);
    if (this.names.has(path)) throw sysError('EEXIST', 'test', path);
    const dentry = new FakeDentry(inode, dir, name);
    inode.nlink++;
    this.names.set(path, dentry);
    return dentry;
  }

  // ---------------------------------------------------------------- operations (each raises the kernel's events)

  mkdir(path: string): FakeInode {
    const inode = new FakeInode(this.sb, this.sb.nextIno++, 'dir');
    inode.nlink = 1;
    const dentry = this.addName(path, inode);
    notifyMkdir(dentry.parent!.inode, dentry);
    return inode;
  }

  /** creat(2) without the open: CREATE on the directory. */
  create(path: string): FakeInode {
    const inode = new FakeInode(this.sb, this.sb.nextIno++, 'file');
    const dentry = this.addName(path, inode);
    notifyCreate(dentry.parent!.inode, dentry);
    return inode;
  }

  symlink(target: string, path: string): FakeInode {
    const inode = new FakeInode(this.sb, this.sb.nextIno++, 'symlink');
    inode.target = target;
    const dentry = this.addName(path, inode);
    notifyCreate(dentry.parent!.inode, dentry);
    return inode;
  }

  link(existing: string, path: string): void {
    const inode = this.inode(existing);
    const dentry = this.addName(path, inode);
    notifyLink(dentry.parent!.inode, inode, dentry);
  }

  open(path: string, fmode = FMODE_READ | FMODE_WRITE): FakeFile {
    const dentry = this.dentry(path);
    const file: FakeFile = { path: { mount: this.mount, dentry }, fmode };
    dentry.inode.openCount++;
    notifyOpen(file);
    return file;
  }

  write(file: FakeFile): void {
    notifyModify(file);
  }

  read(file: FakeFile): void {
    notifyAccess(file);
  }

  close(file: FakeFile): void {
    const inode = file.path.dentry.inode;
    notifyClose(file);
    if (--inode.openCount === 0 && inode.nlink === 0) notifyInodeRemove(inode);
  }

  /** open + write + close without the OPEN/CLOSE events: just MODIFY through a path. */
  modify(path: string): void {
    notifyModify({ path: { mount: this.mount, dentry: this.dentry(path) }, fmode: FMODE_WRITE });
  }

  chmod(path: string): void {
    notifyChange(this.dentry(path), ATTR_MODE);
  }

  /** notify_change() with these ATTR_* bits. */
  setattr(path: string, attrs: number): void {
    notifyChange(this.dentry(path), attrs);
  }

  unlink(path: string): void {
    const dentry = this.dentry(path);
    const inode = dentry.inode;
    this.names.delete(path);
    dentry.hashed = false;
    inode.nlink--;
    notifyLinkCount(inode);
    if (inode.nlink === 0 && inode.openCount === 0) notifyInodeRemove(inode);
    notifyDelete(dentry.parent!.inode, inode, dentry.name);
  }

  rmdir(path: string): void {
    const dentry = this.dentry(path);
    for (const p of this.names.keys()) if (p.startsWith(path + '/')) throw sysError('ENOTEMPTY', 'rmdir', path);
    this.names.delete(path);
    dentry.hashed = false;
    dentry.inode.nlink = 0;
    notifyInodeRemove(dentry.inode);
    notifyDelete(dentry.parent!.inode, dentry.inode, dentry.name);
  }

  rename(from: string, to: string): void {
    const dentry = this.dentry(from);
    const oldDir = dentry.parent!;
    const oldName = dentry.name;
    const [newDir, newName] = this.split(to);
    const victim = this.names.get(to);
    if (victim) {
      victim.hashed = false;
      victim.inode.nlink--;
    }
    for (const [p, d] of [...this.names]) {
      if (p === from || p.startsWith(from + '/')) {
        this.names.delete(p);
        this.names.set(to + p.slice(from.length), d);
      }
    }
    dentry.parent = newDir;
    dentry.name = newName;
    notifyMove(oldDir.inode, newDir.inode, oldName, dentry.inode.isDir(), victim ? victim.inode : null, dentry);
    if (victim && victim.inode.nlink === 0 && victim.inode.openCount === 0) notifyInodeRemove(victim.inode);
  }

  /** The last umount of the superblock: UNMOUNT then the marks die, newest inode first. */
  umount(): void {
    notifyUnmountInodes([...this.sb.inodes].reverse());
  }
}

/** Events as compact strings (`wd 1 IN_CREATE "a"`), for readable assertions. */
export function show(events: readonly InotifyEvent[]): string[] {
  return events.map(formatInotifyEvent);
}
