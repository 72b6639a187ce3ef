/**
 * The scratch space every workload runs in: a tmpfs mounted for the run
 * when we are root (`mount -t tmpfs -o size=2g`), else a plain temporary
 * directory (said in the report, since timings then include the disk's
 * filesystem). Each run gets a fresh directory with `tree/` (what the
 * driver watches) and `meta/` (the generator's output, outside the watch).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunDir {
  dir: string;
  root: string;
  meta: string;
}

export class Scratch {
  private runs = 0;

  private constructor(
    readonly base: string,
    readonly tmpfs: boolean,
    readonly description: string,
  ) {}

  /** Mounts a tmpfs at a new temporary directory, or explains why not. */
  static open(size = '2g'): Scratch {
    const base = mkdtempSync(join(tmpdir(), 'tsnotify-peers-'));
    if (process.getuid?.() !== 0) {
      return new Scratch(base, false, `not root: plain directory ${base} (no tmpfs)`);
    }
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', base], { stdio: 'pipe' });
      return new Scratch(base, true, `tmpfs (size=${size}) mounted at ${base}`);
    } catch (error) {
      const reason = String((error as { stderr?: unknown }).stderr ?? error).trim();
      return new Scratch(base, false, `mount failed (${reason}): plain directory ${base}`);
    }
  }

  /** A fresh, empty run directory. */
  newRun(label: string): RunDir {
    this.runs += 1;
    const dir = join(this.base, `${String(this.runs).padStart(3, '0')}-${label}`);
    const run = { dir, root: join(dir, 'tree'), meta: join(dir, 'meta') };
    mkdirSync(run.root, { recursive: true });
    mkdirSync(run.meta, { recursive: true });
    return run;
  }

  removeRun(run: RunDir): void {
    execFileSync('rm', ['-rf', run.dir], { timeout: 300_000 });
  }

  /** Unmounts (lazily if something still holds it) and removes the base. */
  close(): void {
    if (this.tmpfs) {
      try {
        execFileSync('umount', [this.base], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', this.base], { stdio: 'pipe' });
      }
    }
    rmSync(this.base, { recursive: true, force: true });
  }
}
