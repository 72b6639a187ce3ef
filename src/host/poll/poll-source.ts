/**
 * The polling host source: for network and other filesystems where no
 * notification facility reaches (NFS, SMB, FUSE mounts the kernel does not
 * notify for), and as the last resort where even fs.watch is refused.
 *
 * No fs.watch at all: every `intervalMs` (default 1000) all marked objects
 * are scanned as one batch (snapshot-source.ts), so renames between any two
 * watched directories pair. The timer runs while at least one object has
 * marks and stops with the last one. Like an fs.watch or the kernel reader,
 * a source with marks keeps the process alive (`persistent: false` makes the
 * timer unref()'d, so it never holds the process on its own); a source
 * without marks never does.
 *
 * The next poll is scheduled when a scan ends, so a slow scan never
 * overlaps the next one; scans cost one readdir plus one lstat per entry of
 * every watched directory, and one stat per watched object.
 *
 * LIMITATIONS (`limitations` says each in one sentence): those of every
 * snapshot source (no IN_OPEN, IN_ACCESS or IN_CLOSE_*; coalesced changes;
 * a write keeping size and mtime invisible; touch(1) as IN_MODIFY; cookies
 * only within one scan; fixed order; IN_DELETE_SELF for an object its path
 * stops naming; no IN_UNMOUNT; no source IN_Q_OVERFLOW), plus: events come
 * up to one interval late, and a change undone before the next poll is
 * never reported.
 */
import { SNAPSHOT_LIMITATIONS, SnapshotSource } from '../snapshot-source.js';
import type { SnapshotInode, SnapshotSourceOptions } from '../snapshot-source.js';
import { sysError } from '../../errors.js';

export const DEFAULT_POLL_INTERVAL_MS = 1000;

export const POLL_LIMITATIONS: readonly string[] = [
  ...SNAPSHOT_LIMITATIONS,
  'changes are seen only at the next poll: events arrive up to one interval late, and everything that happened to one name between two polls coalesces',
  'a change undone before the next poll (a file created and deleted, a mode changed and changed back) is not reported at all',
];

export interface PollSourceOptions extends SnapshotSourceOptions {
  /** Milliseconds between two scans (default 1000). */
  intervalMs?: number;
}

export class PollSource extends SnapshotSource {
  readonly kind = 'poll';
  readonly limitations = POLL_LIMITATIONS;
  readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  /** Scans run so far (for tests and diagnostics). */
  polls = 0;

  /** Throws EINVAL for an interval that is not a positive finite number. */
  constructor(opts: PollSourceOptions = {}) {
    super(opts);
    const ms = opts.intervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!Number.isFinite(ms) || ms <= 0) throw sysError('EINVAL', 'poll', undefined, `intervalMs must be a positive number, got ${ms}`);
    this.intervalMs = ms;
  }

  /** Whether the poll timer is running (it runs while some object has marks). */
  get polling(): boolean {
    return this.timer !== null;
  }

  protected watchCount(): number {
    return this.objects.size;
  }

  protected arm(_obj: SnapshotInode): void {
    this.schedule();
  }

  protected disarm(_obj: SnapshotInode): void {
    // The object has left the table (or never entered it): stop with the last one.
    if (this.objects.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.tick(), this.intervalMs);
    if (!this.persistent) this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    this.polls++;
    this.scan([...this.objects.values()]);
    if (this.objects.size > 0) this.schedule();
  }

  override async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await super.close();
  }
}
